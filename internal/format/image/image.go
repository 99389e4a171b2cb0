// Package image is the OCI image format: one image per edition whose output blocks ask
// for one, all in the OCI image layout out/oci. Each base is imported once, each
// component's layer built once and shared by every image that holds the component, and
// an edition layer adds what is the edition's own for the base it is built on: the
// settings file, the writable directories, and the web server's configuration.
package image

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/embargo"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/layout"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
	"github.com/mwedition/mwedition/internal/spec"
)

// Format is the image format.
var Format = imageFormat{}

type imageFormat struct{}

// Name is the format's name in output blocks.
func (imageFormat) Name() string { return name }

// Dir is the OCI image layout's directory below out/.
func (imageFormat) Dir() string { return Dir }

// Layout is the version of the rules that make layers and images.
func (imageFormat) Layout() string { return imageLayout }

const name = spec.FormatImage

// Dir is the OCI image layout's directory below the output directory.
const Dir = outdir.OCI

// Image action kinds: a base imported into the store, a component's layer, an edition's image.
const (
	kindBase  = "image.base"
	kindLayer = "image.layer"
	kindImage = "pack.image"
)

func baseActionID(ref string) string   { return "base/" + ref }
func layerActionID(id string) string   { return "layer/" + id }
func imageActionID(name string) string { return "image/" + name }

// imageLayout names the rules that turn trees into layers and images beyond what the keys
// hold (what a component's layer leaves out, the edition layer, the configuration, the
// compressor): change it whenever an image's bytes change for the same inputs, so that
// cached layers and images are rebuilt rather than served.
const imageLayout = "mwedition-image-v2"

// scratchPlatform is the platform an image without a base says it is for: it holds PHP
// code only, which any platform can run, but a configuration must name one.
var scratchPlatform = v1.Platform{OS: "linux", Architecture: "amd64"}

// tagRE is what a registry accepts as a tag; notInTag what it does not.
var (
	tagRE    = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)
	notInTag = regexp.MustCompile(`[^A-Za-z0-9_.-]`)
)

// imageTags are an edition's tags: its version (with characters a tag cannot hold, such
// as '+', as '_'), then the output block's, sorted and without repeats.
func imageTags(e resolve.Edition, out spec.Output) ([]string, error) {
	v := notInTag.ReplaceAllString(e.Version, "_")
	tags := []string{v}
	for _, t := range out.Tags {
		if !tagRE.MatchString(t) {
			return nil, fmt.Errorf("%s: edition %s: tag %q is not a valid image tag (letters, digits, _ . -, at most 128, not starting with . or -)", out.Range, e.Name, t)
		}
		tags = append(tags, t)
	}
	sort.Strings(tags)
	return format.Dedupe(tags), nil
}

// baseParams identifies an imported base by what it names, not where it is.
type baseParams struct {
	Layout      string
	Fingerprint string
}

// layerParams identifies a component's layer: its tree, where it goes, and its time.
type layerParams struct {
	Layout string
	ID     string
	Core   bool   // core's layer also holds the links into /etc and /var
	Dir    string // where the tree goes, relative to the image's root
	Tree   string
	MTime  int64
}

// imageParams identifies an edition's image: its base, its layers and everything its
// configuration says.
type imageParams struct {
	Layout      string
	Generated   string // the generated configuration files' digest, so that editing them rebuilds
	Edition     string
	Version     string
	Time        int64
	Settings    []byte
	Base        string // the base action's key; empty for none
	BaseName    string // a registry base's reference, for annotations
	Layers      []imageMember
	Annotations map[string]string
	// Autoload is the key of the edition's composer autoloader action, when it ships
	// libraries; autoloader is its tree, read when the image is made. The edition layer
	// holds it, as it holds the settings file.
	Autoload   string `json:",omitempty"`
	autoloader fstree.Tree
}

type imageMember struct {
	ID, Version, Key string
}

// imageActions returns the actions that make every image the editions ask for: each base
// imported once, each component's layer built once (shared by every image that holds the
// component), and one image per edition.
func (f imageFormat) Actions(fenv format.Env) ([]engine.Action, error) {
	o, g := env{fenv}, fenv.Graph
	var acts []engine.Action
	seen := map[string]bool{}
	// A file base's fingerprint reads the whole file: once per build, however many editions.
	fingerprints := map[oci.BaseRef]string{}
	for _, e := range g.Editions {
		out, ok := format.Output(e, name)
		if !ok {
			continue
		}
		if _, err := imageTags(e, out); err != nil {
			return nil, err
		}
		ref, where := out.Base, out.Range.String()
		if o.ImageBase != "" {
			ref, where = o.ImageBase, "--image-base"
		}
		ip := imageParams{Layout: imageLayout, Generated: generatedDigest, Edition: e.Name, Version: e.Version, Time: o.Clamp(e.Time)}
		var deps, layerIDs []string
		ba, err := o.baseFor(ref, where, fingerprints)
		if err != nil {
			return nil, fmt.Errorf("%s: edition %s: %w", where, e.Name, err)
		}
		baseID := ba.action.ID
		if baseID != "" {
			ip.Base, ip.BaseName, deps = ba.action.Key, ba.name, append(deps, baseID)
			if !seen[baseID] {
				seen[baseID] = true
				acts = append(acts, ba.action)
			}
		}
		if ip.Settings, err = layout.RenderSettings(e, g); err != nil {
			return nil, err
		}
		var comps []resolve.Component
		for _, m := range e.Members {
			c, _ := g.Component(m.ID)
			comps = append(comps, c)
			la := o.layerAction(c)
			ip.Layers = append(ip.Layers, imageMember{ID: c.ID, Version: c.Version, Key: la.Key})
			deps = append(deps, la.ID)
			layerIDs = append(layerIDs, la.ID)
			if !seen[la.ID] {
				seen[la.ID] = true
				acts = append(acts, la)
			}
		}
		ip.Annotations = imageAnnotations(e, comps, ip.Time)
		if id, key, ok := o.Autoload(e); ok {
			ip.Autoload, deps = key, append(deps, id)
		}
		acts = append(acts, engine.Action{
			ID: imageActionID(e.Name), Kind: kindImage, Key: format.Key(kindImage, ip), Deps: deps, Where: out.Range.String(),
			Label: "image " + e.Name, Group: e.Name,
			Valid: format.Valid(func(im Image) bool { return oci.Complete(o.store(), im.Descriptor()) }),
			Run: func(ctx context.Context, in engine.Inputs) (engine.Outcome, error) {
				return o.makeImage(ctx, ip, baseID, layerIDs, in)
			},
		})
	}
	return acts, nil
}

// imageBase is the action that makes an image's base (none for scratch) and, for a
// registry base, the name the image records of it.
type imageBase struct {
	action engine.Action
	name   string
}

// baseFor is the base ref names, as an action: a Debian base is made from the lock's
// pins, any other is imported, its fingerprint taken once per build.
func (o env) baseFor(ref, where string, fingerprints map[oci.BaseRef]string) (imageBase, error) {
	b, err := oci.ParseBase(ref)
	if err != nil {
		return imageBase{}, err
	}
	b = b.In(o.Root)
	switch b.Kind {
	case oci.ScratchBase:
		return imageBase{}, nil
	case oci.DebianBase:
		lb, err := o.debianBase(b)
		if err != nil {
			return imageBase{}, err
		}
		return imageBase{action: o.debianAction(ref, lb, where)}, nil
	}
	fp, ok := fingerprints[b]
	if !ok {
		if fp, err = b.Fingerprint(); err != nil {
			return imageBase{}, err
		}
		fingerprints[b] = fp
	}
	ib := imageBase{action: o.baseAction(ref, b, fp, where)}
	if b.Kind == oci.RegistryBase {
		ib.name = b.Ref
	}
	return ib, nil
}

func (o env) baseAction(ref string, b oci.BaseRef, fingerprint, where string) engine.Action {
	return engine.Action{
		ID: baseActionID(ref), Kind: kindBase, Key: format.Key(kindBase, baseParams{Layout: imageLayout, Fingerprint: fingerprint}),
		Where: where, Label: "base " + ref,
		Valid: format.Valid(func(b Base) bool {
			return oci.Complete(o.store(), b.Image.Descriptor()) && o.store().HasBlob(b.Contents)
		}),
		Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
			return o.importBase(ctx, b)
		},
	}
}

// importBase copies the base into the store and records what each of its images holds.
// The outcome is the base's descriptor and the blob of its contents, by image digest.
func (o env) importBase(ctx context.Context, b oci.BaseRef) (engine.Outcome, error) {
	im := oci.Importer{Store: o.store(), Keychain: o.Keychain, Offline: o.Fetcher.Offline}
	if o.Fetcher.Client != nil {
		im.Transport = o.Fetcher.Client.Transport
	}
	d, err := im.Import(ctx, b)
	if err != nil {
		return engine.Outcome{}, err
	}
	imgs, err := oci.Images(o.store(), d)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("base %s: %w", b, err)
	}
	contents := map[string]oci.Contents{}
	var size int64
	for _, id := range imgs {
		c, err := oci.Inspect(o.store(), id)
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("base %s: %w", b, err)
		}
		contents[id.Digest.String()] = c
		size += id.Size
	}
	js, err := json.Marshal(contents)
	if err != nil {
		return engine.Outcome{}, err
	}
	sha, err := o.store().PutBytes(js)
	if err != nil {
		return engine.Outcome{}, err
	}
	return format.Encode(Base{Image: imageOf(d), Contents: sha}, size)
}

// Image is what an image action made: the stored image (or index) by descriptor.
type Image struct {
	MediaType string `json:"mediaType"`
	Digest    string `json:"digest"`
	Size      int64  `json:"size"`
}

func imageOf(d v1.Descriptor) Image {
	return Image{MediaType: string(d.MediaType), Digest: d.Digest.String(), Size: d.Size}
}

// Descriptor is the image's descriptor; a malformed digest gives an empty one, which no
// store holds.
func (im Image) Descriptor() v1.Descriptor {
	h, err := v1.NewHash(im.Digest)
	if err != nil {
		return v1.Descriptor{}
	}
	return v1.Descriptor{MediaType: types.MediaType(im.MediaType), Digest: h, Size: im.Size}
}

// Base is what a base action imported: the base, and the blob recording what each of its
// images holds, by image digest.
type Base struct {
	Image    Image  `json:"image"`
	Contents string `json:"contents"`
}

func (o env) layerAction(c resolve.Component) engine.Action {
	lp := layerParams{Layout: imageLayout, ID: c.ID, Core: c.Kind == spec.Core, Dir: format.JoinDir(layout.ImageCode, c.InstallDir()), Tree: c.Tree, MTime: o.Clamp(c.Time)}
	return engine.Action{
		ID: layerActionID(c.ID), Kind: kindLayer, Key: format.Key(kindLayer, lp), Deps: []string{format.TreeAction(c.ID)},
		Where: c.Decl.String(), Label: "layer " + c.ID,
		Valid: format.Valid(func(l Layer) bool { return o.store().HasBlob(strings.TrimPrefix(l.Digest, "sha256:")) }),
		Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
			t, err := o.layerTree(lp)
			if err != nil {
				return engine.Outcome{}, fmt.Errorf("layer %s: %w", lp.ID, err)
			}
			l, err := o.writeLayer(ctx, t, oci.LayerOptions{MTime: time.Unix(lp.MTime, 0)})
			if err != nil {
				return engine.Outcome{}, err
			}
			return format.Encode(Layer{Digest: l.Digest.String(), DiffID: l.DiffID.String(), Size: l.Size}, t.Size())
		},
	}
}

// layerTree is what a component's layer holds: what its .deb installs under
// /usr/share/mediawiki. Left out, as from the packages: tests and .htaccess files (see
// packagedPath); scripts for interpreters MediaWiki never runs; and core's images/ and
// cache/, which are links to writable directories instead (the edition layer makes those,
// owned by the base's web user). Core's LocalSettings.php is a link into /etc/mediawiki,
// where the admin's configuration lives (a volume).
func (o env) layerTree(lp layerParams) (fstree.Tree, error) {
	t, err := o.store().Tree(lp.Tree)
	if err != nil {
		return t, err
	}
	t = t.Filter(func(e fstree.Entry) bool { return layout.PackagedPath(e) && (!lp.Core || !layout.StateDirs[e.Path]) })
	// Debian's rules: images are Debian-like wherever a base has PHP (bookworm, php:*).
	if t, _, err = layout.PackageScripts(t, format.OpenStored(o.store()), format.StoreBytes(o.store()), platform.Debian); err != nil {
		return t, err
	}
	if lp.Core {
		links := []fstree.Entry{
			{Path: "LocalSettings.php", Type: fstree.Symlink, Target: "/etc/mediawiki/LocalSettings.php"},
			{Path: "images", Type: fstree.Symlink, Target: layout.ImageUploads},
			{Path: "cache", Type: fstree.Symlink, Target: "/var/lib/mediawiki/cache"},
		}
		if t, err = fstree.New(append(t.Entries(), links...)); err != nil {
			return t, err
		}
	}
	return t.Place(lp.Dir)
}

// writeLayer stores t as a layer.
func (o env) writeLayer(ctx context.Context, t fstree.Tree, lo oci.LayerOptions) (oci.Layer, error) {
	var diffID v1.Hash
	sha, n, err := format.AddStreamed(o.store(), func(w io.Writer) error {
		var err error
		diffID, err = oci.WriteLayer(ctx, w, t, o.store(), lo)
		return err
	})
	if err != nil {
		return oci.Layer{}, err
	}
	return oci.Layer{Digest: v1.Hash{Algorithm: "sha256", Hex: sha}, DiffID: diffID, Size: n}, nil
}

// Layer is what a layer action made: the compressed layer's digest, its uncompressed
// digest (the configuration's diff ID) and its size.
type Layer struct {
	Digest string `json:"digest"`
	DiffID string `json:"diffID"`
	Size   int64  `json:"size"`
}

func (l Layer) layer() (oci.Layer, error) {
	d, err1 := v1.NewHash(l.Digest)
	diff, err2 := v1.NewHash(l.DiffID)
	if err1 != nil || err2 != nil {
		return oci.Layer{}, fmt.Errorf("malformed layer record %+v", l)
	}
	return oci.Layer{Digest: d, DiffID: diff, Size: l.Size}, nil
}

// makeImage assembles an edition's image from its stored layers: one image over each of
// the base's images (an index when the base is one), each with an edition layer made for
// what that base holds.
func (o env) makeImage(ctx context.Context, ip imageParams, baseID string, layerIDs []string, in engine.Inputs) (engine.Outcome, error) {
	st := o.store()
	created := time.Unix(ip.Time, 0).UTC()
	var layers []oci.Layer
	for i, m := range ip.Layers {
		rec, err := format.Lookup[Layer](in, layerIDs[i])
		if err != nil {
			return engine.Outcome{}, err
		}
		l, err := rec.layer()
		if err != nil {
			return engine.Outcome{}, err
		}
		l.History = v1.History{Created: oci.Time(created), CreatedBy: fmt.Sprintf("mwedition: %s %s", m.ID, m.Version)}
		layers = append(layers, l)
	}
	var top v1.Descriptor // the base's: a manifest, an index, or none
	bases := []v1.Descriptor{{}}
	contents := map[string]oci.Contents{}
	if ip.Base != "" {
		b, err := format.Lookup[Base](in, baseID)
		if err != nil {
			return engine.Outcome{}, err
		}
		top = b.Image.Descriptor()
		if bases, err = oci.Images(st, top); err != nil {
			return engine.Outcome{}, err
		}
		js, err := os.ReadFile(st.Path(cache.BlobRel(b.Contents)))
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("the base's contents are not in the cache: %w", err)
		}
		if err := json.Unmarshal(js, &contents); err != nil {
			return engine.Outcome{}, fmt.Errorf("the base's contents: %w", err)
		}
	}
	if ip.Autoload != "" {
		t, err := format.GeneratedTree(st, in, format.AutoloadAction(ip.Edition))
		if err != nil {
			return engine.Outcome{}, err
		}
		if ip.autoloader, err = t.Place(layout.ImageCode + "/" + spec.LibraryDir); err != nil {
			return engine.Outcome{}, err
		}
	}
	return o.assemble(ctx, ip, created, layers, top, bases, contents)
}

// assemble writes one image over each of the base's images, and an index of them when the
// base is one.
func (o env) assemble(ctx context.Context, ip imageParams, created time.Time, layers []oci.Layer, top v1.Descriptor, bases []v1.Descriptor, contents map[string]oci.Contents) (engine.Outcome, error) {
	st := o.store()
	var err error
	var images []v1.Descriptor
	for _, bd := range bases {
		base := oci.Base{}
		annotations := copyMap(ip.Annotations)
		if ip.Base != "" {
			if base, err = oci.LoadBase(st, bd); err != nil {
				return engine.Outcome{}, err
			}
			annotations["org.opencontainers.image.base.digest"] = bd.Digest.String()
			if ip.BaseName != "" {
				annotations["org.opencontainers.image.base.name"] = ip.BaseName
			}
		}
		plan := planImage(contents[bd.Digest.String()])
		el, err := o.editionLayer(ctx, ip, plan, created)
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("edition layer: %w", err)
		}
		cfg := imageConfig(base, plan, ip, created)
		d, err := oci.WriteImage(st, base, append(append([]oci.Layer(nil), layers...), el), cfg, annotations)
		if err != nil {
			return engine.Outcome{}, err
		}
		images = append(images, d)
	}
	d := images[0]
	if top.MediaType.IsIndex() {
		annotations := copyMap(ip.Annotations)
		annotations["org.opencontainers.image.base.digest"] = top.Digest.String()
		if ip.BaseName != "" {
			annotations["org.opencontainers.image.base.name"] = ip.BaseName
		}
		if d, err = oci.WriteIndex(st, images, annotations); err != nil {
			return engine.Outcome{}, err
		}
	}
	return format.Encode(imageOf(d), 0)
}

func copyMap(m map[string]string) map[string]string {
	out := make(map[string]string, len(m)+2)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// imageAnnotations describe an edition's image, in its manifest and as labels of its
// configuration.
func imageAnnotations(e resolve.Edition, comps []resolve.Component, t int64) map[string]string {
	title := e.Title
	if title == "" {
		title = e.Name
	}
	a := map[string]string{
		"org.opencontainers.image.title":   title,
		"org.opencontainers.image.version": e.Version,
		"org.opencontainers.image.created": format.UTC(t),
		"org.opencontainers.image.url":     "https://www.mediawiki.org/",
		outdir.AnnotationEdition:           e.Name,
	}
	var members, licenses []string
	var nExt, nSkin int
	for _, c := range comps {
		members = append(members, c.ID+"@"+c.Version)
		licenses = append(licenses, licenseTerms(c.Info.License)...)
		switch c.Kind {
		case spec.Core:
			a["org.opencontainers.image.source"] = c.Source.URL
			if c.Source.Kind == spec.Git {
				a["org.opencontainers.image.revision"] = c.Source.Commit
			}
			a["org.opencontainers.image.description"] = "MediaWiki " + c.Version
		case spec.Extension:
			nExt++
		case spec.Skin:
			nSkin++
		}
	}
	if d, ok := a["org.opencontainers.image.description"]; ok {
		a["org.opencontainers.image.description"] = fmt.Sprintf("%s: %s with %d extensions and %d skins", title, d, nExt, nSkin)
	}
	sort.Strings(licenses)
	a["org.opencontainers.image.licenses"] = strings.Join(format.Dedupe(licenses), " AND ")
	a[outdir.AnnotationComponents] = strings.Join(members, ",")
	for k, v := range embargoAnnotations(comps) {
		a[k] = v
	}
	return a
}

// embargoAnnotations mark an image holding patches not public yet, naming their files:
// none for an image without any, whose bytes stay as they were.
func embargoAnnotations(comps []resolve.Component) map[string]string {
	var ps []embargo.Patch
	for _, c := range comps {
		ps = embargo.Collect(ps, c.ID, c.Patches)
	}
	if len(ps) == 0 {
		return nil
	}
	return map[string]string{outdir.AnnotationEmbargoed: "true", outdir.AnnotationEmbargoedPatches: strings.Join(embargo.Files(ps), ",")}
}

// licenseTerms splits an SPDX expression into the terms an AND of every component's
// licenses needs; a component without a license-name is GPL-2.0-or-later, as its package says.
func licenseTerms(expr string) []string {
	expr = strings.TrimSpace(expr)
	switch {
	case expr == "":
		return []string{"GPL-2.0-or-later"}
	case strings.Contains(expr, " OR ") || strings.Contains(expr, "("):
		return []string{"(" + expr + ")"}
	}
	return strings.Split(expr, " AND ")
}

// server is how an image serves the wiki.
type server int

const (
	noServer   server = iota // scratch, or a base with no PHP: no command
	phpServer                // PHP's built-in web server
	apacheHTTP               // Apache with mod_php, as Debian's packages set it up
)

// imagePlan is what an edition layer and configuration do for one base.
type imagePlan struct {
	contents oci.Contents
	server   server
	php      string // the PHP binary
	user     string // the web user's name; "" for none (root)
	uid, gid int
}

// planImage decides, from what a base holds, who runs the wiki and how: the web user of
// Debian (www-data) or Fedora (apache) when the base has one; Apache when the base has it
// with mod_php enabled, else PHP's built-in server when it has PHP, else nothing.
func planImage(c oci.Contents) imagePlan {
	p := imagePlan{contents: c}
	for _, u := range []string{"www-data", "apache"} {
		if uid, gid, ok := c.User(u); ok && uid != 0 {
			p.user, p.uid, p.gid = u, uid, gid
			break
		}
	}
	for _, php := range []string{"usr/bin/php", "usr/local/bin/php"} {
		if c.Has(php) {
			p.php = "/" + php
			break
		}
	}
	switch {
	case p.user != "" && c.Has("usr/sbin/apache2") && len(c.Glob("etc/apache2/mods-enabled/php*.load")) > 0:
		p.server = apacheHTTP
	case p.php != "":
		p.server = phpServer
	}
	return p
}

// editionLayer makes and stores the layer that holds what is particular to an edition and
// its base: the settings file, the writable directories owned by the web user, the web
// server's and PHP's configuration, and the job queue's command.
//
// The settings file is code in /usr/share/mediawiki, with a link in /etc/mediawiki where
// the packages put it: /etc/mediawiki is a volume, whose copy a new image would otherwise
// not replace, and which a mounted volume would hide.
func (o env) editionLayer(ctx context.Context, ip imageParams, p imagePlan, created time.Time) (oci.Layer, error) {
	var entries []fstree.Entry
	attrs := map[string]oci.Attr{}
	file := func(p string, b []byte) error {
		sha, err := o.store().PutBytes(b)
		if err != nil {
			return err
		}
		entries = append(entries, fstree.Entry{Path: p, Type: fstree.File, Size: int64(len(b)), Digest: sha, Src: cache.BlobRel(sha)})
		return nil
	}
	link := func(p, target string) {
		entries = append(entries, fstree.Entry{Path: p, Type: fstree.Symlink, Target: target})
	}
	dir := func(d string, perm fs.FileMode) {
		entries = append(entries, fstree.Entry{Path: d, Type: fstree.Dir})
		if p.user != "" {
			attrs[d] = oci.Attr{UID: p.uid, GID: p.gid, Perm: perm}
		}
	}
	if err := file(layout.ImageCode+"/"+layout.SettingsFile, ip.Settings); err != nil {
		return oci.Layer{}, err
	}
	entries = append(entries, ip.autoloader.Entries()...)
	link(layout.ImageConfDir+"/"+layout.SettingsFile, "/"+layout.ImageCode+"/"+layout.SettingsFile)
	// Uploads are served; the cache and SQLite databases are nobody else's business.
	dir(layout.ImageUploads[1:], 0o755)
	dir("var/lib/mediawiki/cache", 0o700)
	dir(layout.ImageDatabase[1:], 0o700)
	dir("var/cache/mediawiki", 0o755)
	c := p.contents
	if p.server == apacheHTTP {
		for name, content := range map[string]string{layout.ApacheConfName: layout.ApacheConf, "mediawiki-image": layout.ApacheImageConf} {
			if err := file("etc/apache2/conf-available/"+name+".conf", []byte(content)); err != nil {
				return oci.Layer{}, err
			}
			link("etc/apache2/conf-enabled/"+name+".conf", "../conf-available/"+name+".conf")
		}
		if err := file("etc/apache2/ports.conf", []byte(layout.ApachePorts)); err != nil {
			return oci.Layer{}, err
		}
		// The default site and the shared access log would write to /var/log/apache2,
		// which is root's; the wiki is the server's only site.
		for _, f := range []string{"etc/apache2/sites-enabled/000-default.conf", "etc/apache2/conf-enabled/other-vhosts-access-log.conf"} {
			if c.Has(f) {
				if err := file(path.Dir(f)+"/"+oci.WhiteoutPrefix+path.Base(f), nil); err != nil {
					return oci.Layer{}, err
				}
			}
		}
		dir(layout.ApacheRunDir[1:], 0o755)
	}
	if p.php != "" {
		// The packages' job queue command, run by the image started with it (--loop).
		if err := file(layout.RunJobsCommand[1:], layout.RunJobsScript(p.user)); err != nil {
			return oci.Layer{}, err
		}
		entries[len(entries)-1].Exec = true
	}
	if p.server != noServer {
		for _, d := range append(c.Glob("etc/php/*/*/conf.d"), c.Glob("usr/local/etc/php/conf.d")...) {
			if err := file(d+"/90-mediawiki.ini", []byte(layout.PHPIni)); err != nil {
				return oci.Layer{}, err
			}
		}
	}
	t, err := fstree.New(entries)
	if err != nil {
		return oci.Layer{}, err
	}
	l, err := o.writeLayer(ctx, t, oci.LayerOptions{MTime: created, Attrs: attrs})
	if err != nil {
		return oci.Layer{}, err
	}
	what := map[server]string{noServer: "no web server", phpServer: "PHP's built-in web server", apacheHTTP: "Apache"}[p.server]
	l.History = v1.History{Created: oci.Time(created), CreatedBy: fmt.Sprintf("mwedition: edition %s %s (settings, writable directories, %s)", ip.Edition, ip.Version, what)}
	return l, nil
}

// generatedDigest identifies the configuration files edition layers are made of.
var generatedDigest = func() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{layout.ApacheConf, layout.ApacheImageConf, layout.ApachePorts, layout.PHPIni, string(layout.RunJobsScript(""))}, "\x00")))
	return hex.EncodeToString(sum[:])
}()

// defaultPath is the search path an image gets when its base sets none (a root file system).
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// imageConfig is the image's configuration: the base's, with the edition's labels, the web
// user, the volumes for uploads, databases and configuration, and a command for the server
// the plan chose. Without one, the base's command stays (none for scratch).
func imageConfig(base oci.Base, p imagePlan, ip imageParams, created time.Time) v1.ConfigFile {
	var cfg v1.ConfigFile
	if base.Scratch() {
		cfg = v1.ConfigFile{Architecture: scratchPlatform.Architecture, OS: scratchPlatform.OS}
	} else {
		cfg = *base.Config.DeepCopy()
	}
	// How the base was built is not how this image was.
	cfg.Container, cfg.DockerVersion, cfg.Author = "", "", ""
	cfg.Created = oci.Time(created)
	c := &cfg.Config
	c.Image, c.Hostname, c.Domainname = "", "", ""
	if c.Labels == nil {
		c.Labels = map[string]string{}
	}
	for k, v := range ip.Annotations {
		c.Labels[k] = v
	}
	if c.Volumes == nil {
		c.Volumes = map[string]struct{}{}
	}
	for _, v := range []string{layout.ImageUploads, layout.ImageDatabase, "/" + layout.ImageConfDir} {
		c.Volumes[v] = struct{}{}
	}
	c.WorkingDir = "/" + layout.ImageCode
	if p.user != "" {
		// Numeric, so that a runtime can tell it is not root without reading /etc/passwd.
		c.User = fmt.Sprintf("%d:%d", p.uid, p.gid)
	}
	if p.server == noServer {
		return cfg
	}
	if !hasEnv(c.Env, "PATH") {
		c.Env = append(c.Env, defaultPath)
	}
	c.ExposedPorts = map[string]struct{}{layout.ImagePort + "/tcp": {}}
	// No entrypoint: any other command (php maintenance/run.php ...) runs as it is given.
	c.Entrypoint = nil
	switch p.server {
	case apacheHTTP:
		// What Debian's apache2ctl takes from /etc/apache2/envvars, with the run directory
		// the web user owns; apache2 itself stays in the foreground, as a container's process.
		for _, kv := range []string{"APACHE_RUN_USER=" + p.user, "APACHE_RUN_GROUP=" + p.user,
			"APACHE_RUN_DIR=" + layout.ApacheRunDir, "APACHE_PID_FILE=" + layout.ApacheRunDir + "/apache2.pid",
			"APACHE_LOCK_DIR=" + layout.ApacheRunDir, "APACHE_LOG_DIR=" + layout.ApacheRunDir} {
			c.Env = setEnv(c.Env, kv)
		}
		c.Cmd = []string{"/usr/sbin/apache2", "-D", "FOREGROUND"}
		c.StopSignal = "SIGWINCH" // Apache's graceful stop
	case phpServer:
		c.Cmd = []string{p.php, "-S", "0.0.0.0:" + layout.ImagePort, "-t", "/" + layout.ImageCode}
		c.StopSignal = ""
	}
	return cfg
}

func hasEnv(env []string, name string) bool {
	for _, kv := range env {
		if strings.HasPrefix(kv, name+"=") {
			return true
		}
	}
	return false
}

func setEnv(env []string, kv string) []string {
	name, _, _ := strings.Cut(kv, "=")
	for i, e := range env {
		if strings.HasPrefix(e, name+"=") {
			env[i] = kv
			return env
		}
	}
	return append(env, kv)
}

type env struct{ format.Env }

func (o env) store() *cache.Store { return o.Store }

// Edition lists e's image: as an artifact (tagged with its version), as the subject
// documents are attached to, and the base it was built on.
func (f imageFormat) Edition(fenv format.Env, e resolve.Edition, outs format.Outcomes) (format.Collected, error) {
	var col format.Collected
	out, ok := format.Output(e, name)
	if !ok {
		return col, nil
	}
	col.Actions = []string{imageActionID(e.Name)}
	if ref := baseRef(fenv, out); ref != "" {
		col.Actions = append(col.Actions, baseActionID(ref))
	}
	if outs == nil {
		return col, nil
	}
	im, err := format.Lookup[Image](outs, imageActionID(e.Name))
	if err != nil {
		return col, err
	}
	d := im.Descriptor()
	tag := notInTag.ReplaceAllString(e.Version, "_")
	col.Artifacts = []sbom.Artifact{{Kind: sbom.Image, Path: Dir + "/" + e.Name + "-" + tag, Name: e.Name, Version: e.Version, Tag: tag, SHA256: d.Digest.Hex}}
	col.Subjects = []v1.Descriptor{d}
	tags, err := imageTags(e, out)
	if err != nil {
		return col, err
	}
	for _, t := range tags {
		col.Images = append(col.Images, format.ImageRef{Edition: e.Name, Tag: t, Descriptor: d})
	}
	col.Base, col.DebianBase, err = env{fenv}.baseDependency(e, out, outs)
	return col, err
}

// baseDependency is the base an edition's image was built on, by the digest of what was
// imported; a registry base also by its reference; a Debian base also by the lock's
// record of it, whose pinned packages the documents list.
func (o env) baseDependency(e resolve.Edition, out spec.Output, outs format.Outcomes) (*sbom.Dependency, *lock.DebianBase, error) {
	ref := baseRef(o.Env, out)
	if ref == "" {
		return nil, nil, nil
	}
	b, err := oci.ParseBase(ref)
	if err != nil || b.Kind == oci.ScratchBase {
		return nil, nil, err
	}
	rec, err := format.Lookup[Base](outs, baseActionID(ref))
	if err != nil {
		return nil, nil, fmt.Errorf("edition %s: its image's base %s was not imported: %w", e.Name, ref, err)
	}
	d := rec.Image.Descriptor()
	dep := &sbom.Dependency{Name: "image base", Digest: map[string]string{d.Digest.Algorithm: d.Digest.Hex},
		Annotations: map[string]any{"kind": b.Kind.String(), "mediaType": string(d.MediaType)}}
	if b.Kind == oci.RegistryBase {
		dep.URI = b.Ref
	}
	if b.Kind != oci.DebianBase {
		return dep, nil, nil
	}
	lb, err := o.debianBase(b)
	if err != nil {
		return nil, nil, fmt.Errorf("edition %s: %w", e.Name, err)
	}
	return dep, &lb, nil
}

// members are an edition's components.
func members(g resolve.Graph, e resolve.Edition) []resolve.Component {
	var comps []resolve.Component
	for _, m := range e.Members {
		if c, ok := g.Component(m.ID); ok {
			comps = append(comps, c)
		}
	}
	return comps
}

// baseRef is the base an image output is built on; "" for scratch.
func baseRef(fenv format.Env, out spec.Output) string {
	ref := out.Base
	if fenv.ImageBase != "" {
		ref = fenv.ImageBase
	}
	if b, err := oci.ParseBase(ref); err != nil || b.Kind == oci.ScratchBase {
		return ""
	}
	return ref
}

// Publish lays out out/oci: one OCI image layout holding every edition's image, each
// blob once, with one index.json entry per edition and tag, annotated with
// org.opencontainers.image.ref.name "<edition>-<tag>" and io.mwedition.edition and
// io.mwedition.tag, which is what `mwedition publish` reads; then the documents attached
// to the images (referrers), untagged. A build without images removes it.
func (f imageFormat) Publish(fenv format.Env, outs format.Outcomes, attached []v1.Descriptor) (format.Publication, error) {
	pub := format.Publication{Dir: Dir}
	var descs []v1.Descriptor
	for _, e := range fenv.Graph.Editions {
		out, ok := format.Output(e, name)
		if !ok {
			continue
		}
		im, err := format.Lookup[Image](outs, imageActionID(e.Name))
		if err != nil {
			return pub, err
		}
		tags, err := imageTags(e, out)
		if err != nil {
			return pub, err
		}
		for _, t := range tags {
			d := im.Descriptor()
			d.Annotations = map[string]string{
				"org.opencontainers.image.ref.name": e.Name + "-" + t,
				outdir.AnnotationEdition:            e.Name,
				outdir.AnnotationTag:                t,
			}
			for k, v := range embargoAnnotations(members(fenv.Graph, e)) {
				d.Annotations[k] = v
			}
			descs = append(descs, d)
		}
	}
	if len(descs) == 0 {
		pub.Remove = true
		return pub, nil
	}
	descs = append(descs, attached...)
	files, err := oci.LayoutFiles(fenv.Store, descs)
	if err != nil {
		return pub, err
	}
	pub.Files, pub.Copy = files, []string{"index.json", "oci-layout"}
	return pub, nil
}
