package build

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
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// FormatImage is the OCI image output: one image per edition whose output blocks ask for
// one, all in the OCI image layout out/oci.
const FormatImage = "image"

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

// Where things are in an image, as in the packages.
const (
	imageCode     = "usr/share/mediawiki"
	imageConfDir  = "etc/mediawiki"
	imageUploads  = "/var/lib/mediawiki/images"
	imageDatabase = "/var/lib/mediawiki/data" // SQLite databases, as the README's install command puts them
	imagePort     = "8080"                    // not 80: a server that is not root cannot bind it
	apacheRunDir  = "/run/apache2"
)

// scratchPlatform is the platform an image without a base says it is for: it holds PHP
// code only, which any platform can run, but a configuration must name one.
var scratchPlatform = v1.Platform{OS: "linux", Architecture: "amd64"}

// imageOutput returns the edition's image output block, if it has one.
func imageOutput(e resolve.Edition) (spec.Output, bool) {
	for _, o := range e.Outputs {
		if o.Format == FormatImage {
			return o, true
		}
	}
	return spec.Output{}, false
}

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
	return dedupe(tags), nil
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
}

type imageMember struct {
	ID, Version, Key string
}

// imageActions returns the actions that make every image the editions ask for: each base
// imported once, each component's layer built once (shared by every image that holds the
// component), and one image per edition.
func (o Options) imageActions(g resolve.Graph) ([]engine.Action, error) {
	var acts []engine.Action
	seen := map[string]bool{}
	// A file base's fingerprint reads the whole file: once per build, however many editions.
	fingerprints := map[oci.BaseRef]string{}
	for _, e := range g.Editions {
		out, ok := imageOutput(e)
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
		b, err := oci.ParseBase(ref)
		if err != nil {
			return nil, fmt.Errorf("%s: edition %s: %w", where, e.Name, err)
		}
		b = b.In(o.Root)
		ip := imageParams{Layout: imageLayout, Generated: generatedDigest, Edition: e.Name, Version: e.Version, Time: o.clamp(e.Time)}
		var deps []string
		if b.Kind != oci.ScratchBase {
			fp, ok := fingerprints[b]
			if !ok {
				if fp, err = b.Fingerprint(); err != nil {
					return nil, fmt.Errorf("%s: edition %s: %w", where, e.Name, err)
				}
				fingerprints[b] = fp
			}
			ba := o.baseAction(ref, b, fp, where)
			ip.Base, deps = ba.Key, append(deps, ba.ID)
			if b.Kind == oci.RegistryBase {
				ip.BaseName = b.Ref
			}
			if !seen[ba.ID] {
				seen[ba.ID] = true
				acts = append(acts, ba)
			}
		}
		if ip.Settings, err = renderSettings(e, g); err != nil {
			return nil, err
		}
		var comps []resolve.Component
		for _, m := range e.Members {
			c, _ := g.Component(m.ID)
			comps = append(comps, c)
			la := o.layerAction(c)
			ip.Layers = append(ip.Layers, imageMember{ID: c.ID, Version: c.Version, Key: la.Key})
			deps = append(deps, la.ID)
			if !seen[la.ID] {
				seen[la.ID] = true
				acts = append(acts, la)
			}
		}
		ip.Annotations = imageAnnotations(e, comps, ip.Time)
		acts = append(acts, engine.Action{
			ID: imageActionID(e.Name), Kind: kindImage, Key: key(kindImage, ip), Deps: deps, Where: out.Range.String(),
			Label: "image " + e.Name,
			Run: func(ctx context.Context) (engine.Outcome, error) {
				return o.makeImage(ip)
			},
		})
	}
	return acts, nil
}

func (o Options) baseAction(ref string, b oci.BaseRef, fingerprint, where string) engine.Action {
	return engine.Action{
		ID: baseActionID(ref), Kind: kindBase, Key: key(kindBase, baseParams{Layout: imageLayout, Fingerprint: fingerprint}),
		Where: where, Label: "base " + ref,
		Run: func(ctx context.Context) (engine.Outcome, error) {
			return o.importBase(ctx, b)
		},
	}
}

// importBase copies the base into the store and records what each of its images holds.
// The outcome is the base's descriptor and the blob of its contents, by image digest.
func (o Options) importBase(ctx context.Context, b oci.BaseRef) (engine.Outcome, error) {
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
	return engine.Outcome{Output: fmt.Sprintf("%s %s %d %s", d.MediaType, d.Digest, d.Size, sha), Bytes: size}, nil
}

// parseDescriptor reads "<media type> <digest> <size>" and what follows.
func parseDescriptor(s string) (v1.Descriptor, []string, error) {
	f := strings.Fields(s)
	if len(f) < 3 {
		return v1.Descriptor{}, nil, fmt.Errorf("malformed image outcome %q", s)
	}
	h, err := v1.NewHash(f[1])
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	n, err := strconv.ParseInt(f[2], 10, 64)
	if err != nil {
		return v1.Descriptor{}, nil, err
	}
	return v1.Descriptor{MediaType: types.MediaType(f[0]), Digest: h, Size: n}, f[3:], nil
}

func (o Options) layerAction(c resolve.Component) engine.Action {
	lp := layerParams{Layout: imageLayout, ID: c.ID, Core: c.Kind == spec.Core, Dir: joinDir(imageCode, c.InstallDir()), Tree: c.Tree, MTime: o.clamp(c.Time)}
	return engine.Action{
		ID: layerActionID(c.ID), Kind: kindLayer, Key: key(kindLayer, lp), Deps: []string{treeAction(c.ID)},
		Where: c.Decl.String(), Label: "layer " + c.ID,
		Run: func(ctx context.Context) (engine.Outcome, error) {
			t, err := o.layerTree(lp)
			if err != nil {
				return engine.Outcome{}, fmt.Errorf("layer %s: %w", lp.ID, err)
			}
			return o.writeLayer(ctx, t, oci.LayerOptions{MTime: time.Unix(lp.MTime, 0)})
		},
	}
}

// layerTree is what a component's layer holds: what its .deb installs under
// /usr/share/mediawiki. Left out, as from the packages: tests and .htaccess files (see
// packagedPath); scripts for interpreters MediaWiki never runs; and core's images/ and
// cache/, which are links to writable directories instead (the edition layer makes those,
// owned by the base's web user). Core's LocalSettings.php is a link into /etc/mediawiki,
// where the admin's configuration lives (a volume).
func (o Options) layerTree(lp layerParams) (fstree.Tree, error) {
	t, err := o.store().Tree(lp.Tree)
	if err != nil {
		return t, err
	}
	t = t.Filter(func(e fstree.Entry) bool { return packagedPath(e) && (!lp.Core || !stateDirs[e.Path]) })
	// Debian's rules: images are Debian-like wherever a base has PHP (bookworm, php:*).
	if t, _, err = packageScripts(t, o.openStored, o.storeBytes, platform.Debian); err != nil {
		return t, err
	}
	if lp.Core {
		links := []fstree.Entry{
			{Path: "LocalSettings.php", Type: fstree.Symlink, Target: "/etc/mediawiki/LocalSettings.php"},
			{Path: "images", Type: fstree.Symlink, Target: imageUploads},
			{Path: "cache", Type: fstree.Symlink, Target: "/var/lib/mediawiki/cache"},
		}
		if t, err = fstree.New(append(t.Entries(), links...)); err != nil {
			return t, err
		}
	}
	return t.Place(lp.Dir)
}

// writeLayer stores t as a layer; the outcome is "<digest> <diff ID> <size>".
func (o Options) writeLayer(ctx context.Context, t fstree.Tree, lo oci.LayerOptions) (engine.Outcome, error) {
	pr, pw := io.Pipe()
	var diffID v1.Hash
	go func() {
		var err error
		diffID, err = oci.WriteLayer(ctx, pw, t, o.store(), lo)
		pw.CloseWithError(err)
	}()
	sha, n, err := o.store().AddBlob(pr, "")
	pr.CloseWithError(err)
	if err != nil {
		return engine.Outcome{}, err
	}
	return engine.Outcome{Output: fmt.Sprintf("sha256:%s %s %d", sha, diffID, n), Bytes: t.Size()}, nil
}

func parseLayer(s string) (oci.Layer, error) {
	f := strings.Fields(s)
	if len(f) != 3 {
		return oci.Layer{}, fmt.Errorf("malformed layer outcome %q", s)
	}
	d, err1 := v1.NewHash(f[0])
	diff, err2 := v1.NewHash(f[1])
	n, err3 := strconv.ParseInt(f[2], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return oci.Layer{}, fmt.Errorf("malformed layer outcome %q", s)
	}
	return oci.Layer{Digest: d, DiffID: diff, Size: n}, nil
}

// outcomeOf reads a finished action's outcome from the engine's record: an action runs
// after its dependencies, whose outcomes are recorded by then.
func (o Options) outcomeOf(dc *engine.DirCache, what, k string) (string, error) {
	out, ok, err := dc.Lookup(k)
	if err != nil {
		return "", err
	}
	if !ok {
		return "", fmt.Errorf("%s has no recorded outcome", what)
	}
	return out.Output, nil
}

// makeImage assembles an edition's image from its stored layers: one image over each of
// the base's images (an index when the base is one), each with an edition layer made for
// what that base holds.
func (o Options) makeImage(ip imageParams) (engine.Outcome, error) {
	st := o.store()
	dc, err := engine.NewDirCache(st.ActionsDir())
	if err != nil {
		return engine.Outcome{}, err
	}
	created := time.Unix(ip.Time, 0).UTC()
	var layers []oci.Layer
	for _, m := range ip.Layers {
		s, err := o.outcomeOf(dc, "layer "+m.ID, m.Key)
		if err != nil {
			return engine.Outcome{}, err
		}
		l, err := parseLayer(s)
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
		s, err := o.outcomeOf(dc, "the base", ip.Base)
		if err != nil {
			return engine.Outcome{}, err
		}
		d, rest, err := parseDescriptor(s)
		if err != nil || len(rest) != 1 {
			return engine.Outcome{}, fmt.Errorf("malformed base outcome %q", s)
		}
		top = d
		if bases, err = oci.Images(st, d); err != nil {
			return engine.Outcome{}, err
		}
		js, err := os.ReadFile(st.Path(cache.BlobRel(rest[0])))
		if err != nil {
			return engine.Outcome{}, fmt.Errorf("the base's contents are not in the cache: %w", err)
		}
		if err := json.Unmarshal(js, &contents); err != nil {
			return engine.Outcome{}, fmt.Errorf("the base's contents: %w", err)
		}
	}
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
		el, err := o.editionLayer(ip, plan, created)
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
	return engine.Outcome{Output: fmt.Sprintf("%s %s %d", d.MediaType, d.Digest, d.Size)}, nil
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
		"org.opencontainers.image.created": utc(t),
		"org.opencontainers.image.url":     "https://www.mediawiki.org/",
		"io.mwedition.edition":             e.Name,
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
	a["org.opencontainers.image.licenses"] = strings.Join(dedupe(licenses), " AND ")
	a["io.mwedition.components"] = strings.Join(members, ",")
	return a
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
// its base: the settings file, the writable directories owned by the web user, and the
// web server's and PHP's configuration.
//
// The settings file is code in /usr/share/mediawiki, with a link in /etc/mediawiki where
// the packages put it: /etc/mediawiki is a volume, whose copy a new image would otherwise
// not replace, and which a mounted volume would hide.
func (o Options) editionLayer(ip imageParams, p imagePlan, created time.Time) (oci.Layer, error) {
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
	if err := file(imageCode+"/"+SettingsFile, ip.Settings); err != nil {
		return oci.Layer{}, err
	}
	link(imageConfDir+"/"+SettingsFile, "/"+imageCode+"/"+SettingsFile)
	// Uploads are served; the cache and SQLite databases are nobody else's business.
	dir(imageUploads[1:], 0o755)
	dir("var/lib/mediawiki/cache", 0o700)
	dir(imageDatabase[1:], 0o700)
	dir("var/cache/mediawiki", 0o755)
	c := p.contents
	if p.server == apacheHTTP {
		for name, content := range map[string]string{apacheConfName: apacheConf, "mediawiki-image": apacheImageConf} {
			if err := file("etc/apache2/conf-available/"+name+".conf", []byte(content)); err != nil {
				return oci.Layer{}, err
			}
			link("etc/apache2/conf-enabled/"+name+".conf", "../conf-available/"+name+".conf")
		}
		if err := file("etc/apache2/ports.conf", []byte(apachePorts)); err != nil {
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
		dir(apacheRunDir[1:], 0o755)
	}
	if p.server != noServer {
		for _, d := range append(c.Glob("etc/php/*/*/conf.d"), c.Glob("usr/local/etc/php/conf.d")...) {
			if err := file(d+"/90-mediawiki.ini", []byte(phpIni)); err != nil {
				return oci.Layer{}, err
			}
		}
	}
	t, err := fstree.New(entries)
	if err != nil {
		return oci.Layer{}, err
	}
	out, err := o.writeLayer(context.TODO(), t, oci.LayerOptions{MTime: created, Attrs: attrs}) // a few small files; makeImage has no ctx yet
	if err != nil {
		return oci.Layer{}, err
	}
	l, err := parseLayer(out.Output)
	if err != nil {
		return oci.Layer{}, err
	}
	what := map[server]string{noServer: "no web server", phpServer: "PHP's built-in web server", apacheHTTP: "Apache"}[p.server]
	l.History = v1.History{Created: oci.Time(created), CreatedBy: fmt.Sprintf("mwedition: edition %s %s (settings, writable directories, %s)", ip.Edition, ip.Version, what)}
	return l, nil
}

// apacheImageConf makes Apache in a container serve the wiki at its root (and at
// /mediawiki, through core's snippet), logging to the container's output. The logs go
// through cat: a server that is not root cannot open /dev/stdout or /dev/stderr when they
// are pipes the runtime made as root, but a logger it starts inherits them.
const apacheImageConf = `# MediaWiki in a container image, from mwedition: the wiki at the root of the server
# (and at /mediawiki, through mediawiki-core.conf). Errors and requests are logged on
# standard output, through cat: Apache runs as the web user, which may not reopen the
# container's /dev/stdout.
ServerName localhost
DocumentRoot /usr/share/mediawiki
ErrorLog "|/bin/cat"
CustomLog "|/bin/cat" combined
`

// apachePorts replaces Debian's ports.conf: one port a server that is not root may bind.
const apachePorts = `# MediaWiki in a container image, from mwedition: Apache runs as the web user, which
# cannot bind ports below 1024. Map the port when you run the container (-p 80:` + imagePort + `).
Listen ` + imagePort + `
`

// phpIni is PHP's configuration for the wiki: uploads up to MediaWiki's own default limit,
// and no PHP version in response headers.
const phpIni = `; MediaWiki in a container image, from mwedition.
upload_max_filesize = 100M
post_max_size = 100M
expose_php = Off
`

// generatedDigest identifies the configuration files edition layers are made of.
var generatedDigest = func() string {
	sum := sha256.Sum256([]byte(strings.Join([]string{apacheConf, apacheImageConf, apachePorts, phpIni}, "\x00")))
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
	for _, v := range []string{imageUploads, imageDatabase, "/" + imageConfDir} {
		c.Volumes[v] = struct{}{}
	}
	c.WorkingDir = "/" + imageCode
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
	c.ExposedPorts = map[string]struct{}{imagePort + "/tcp": {}}
	// No entrypoint: any other command (php maintenance/run.php ...) runs as it is given.
	c.Entrypoint = nil
	switch p.server {
	case apacheHTTP:
		// What Debian's apache2ctl takes from /etc/apache2/envvars, with the run directory
		// the web user owns; apache2 itself stays in the foreground, as a container's process.
		for _, kv := range []string{"APACHE_RUN_USER=" + p.user, "APACHE_RUN_GROUP=" + p.user,
			"APACHE_RUN_DIR=" + apacheRunDir, "APACHE_PID_FILE=" + apacheRunDir + "/apache2.pid",
			"APACHE_LOCK_DIR=" + apacheRunDir, "APACHE_LOG_DIR=" + apacheRunDir} {
			c.Env = setEnv(c.Env, kv)
		}
		c.Cmd = []string{"/usr/sbin/apache2", "-D", "FOREGROUND"}
		c.StopSignal = "SIGWINCH" // Apache's graceful stop
	case phpServer:
		c.Cmd = []string{p.php, "-S", "0.0.0.0:" + imagePort, "-t", "/" + imageCode}
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

// ImageRef is one tagged image of a build: out/oci's index.json lists them.
type ImageRef struct {
	Edition, Tag string
	Descriptor   v1.Descriptor
}

// images lists the images a build produced, by edition then tag.
func (o Options) images(g resolve.Graph, rep engine.Report) ([]ImageRef, error) {
	var refs []ImageRef
	for _, e := range g.Editions {
		out, ok := imageOutput(e)
		if !ok {
			continue
		}
		res, ok := rep.Outcome(imageActionID(e.Name))
		if !ok {
			return nil, fmt.Errorf("edition %s produced no image", e.Name)
		}
		d, _, err := parseDescriptor(res.Output)
		if err != nil {
			return nil, err
		}
		tags, err := imageTags(e, out)
		if err != nil {
			return nil, err
		}
		for _, t := range tags {
			refs = append(refs, ImageRef{Edition: e.Name, Tag: t, Descriptor: d})
		}
	}
	return refs, nil
}

// publishImages writes out/oci: one OCI image layout holding every edition's image, each
// blob once, with one index.json entry per edition and tag, annotated with
// org.opencontainers.image.ref.name "<edition>-<tag>" and io.mwedition.edition and
// io.mwedition.tag, which is what `mwedition publish` reads; then the referrers (SBOMs and
// provenance attached to the images), untagged. A build without images removes it.
func (o Options) publishImages(refs []ImageRef, referrers []v1.Descriptor) error {
	dir := filepath.Join(o.out(), "oci")
	if len(refs) == 0 {
		return os.RemoveAll(dir)
	}
	var descs []v1.Descriptor
	for _, r := range refs {
		d := r.Descriptor
		d.Annotations = map[string]string{
			"org.opencontainers.image.ref.name": r.Edition + "-" + r.Tag,
			"io.mwedition.edition":              r.Edition,
			"io.mwedition.tag":                  r.Tag,
		}
		descs = append(descs, d)
	}
	return oci.WriteLayout(dir, o.store(), append(descs, referrers...))
}
