// Package ospkg is the OS package formats: one .deb and one .rpm per component that an
// edition asking for them holds, and one meta-package per such edition, which depends on
// its members' exact versions and ships the edition's settings file.
package ospkg

import (
	"context"
	"fmt"
	"io"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/layout"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/relation"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

// Format is one OS package format.
type Format struct {
	name   string
	dir    string // below out/
	kind   string // the engine's kind of its actions
	family platform.Family
}

// The OS package formats.
var (
	Deb = Format{name: spec.FormatDeb, dir: outdir.Deb, kind: "pack.deb", family: platform.Debian}
	RPM = Format{name: spec.FormatRPM, dir: outdir.RPM, kind: "pack.rpm", family: platform.RPM}
)

// Name is the format's name in output blocks, and its directory under out/.
func (f Format) Name() string { return f.name }

// Dir is where the packages are published below out/.
func (f Format) Dir() string { return f.dir }

// Layout is the version of the rules that make packages, shared by .deb and .rpm.
func (Format) Layout() string { return packLayout }

// maintainer of the packages mwedition makes, until editions can say.
const maintainer = "mwedition <packages@mwedition.example.org>"

// EditionPackageName is the meta-package of an edition.
func EditionPackageName(name string) string { return "mediawiki-edition-" + name }

var versionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)

// packageVersion is the version a component's package carries. A bundled extension that
// declares a version of its own also carries its core's, so that a new MediaWiki release
// (new bytes, same declared version) still sorts as an upgrade.
func packageVersion(c resolve.Component, core resolve.Component) string {
	if c.Kind == spec.LibraryKind {
		return libraryVersion(c.Version)
	}
	// A patch suffix (+pN) goes last, so that the next release still sorts higher.
	own, n := lock.SplitPatched(c.Version)
	release, _ := lock.SplitPatched(core.Version)
	if c.Source.Kind == spec.Bundled && c.Info.Version != "" && own != release {
		if v := c.Info.Version + "+mw" + release; versionRE.MatchString(v) {
			return lock.PatchedVersion(v, n)
		}
		return lock.PatchedVersion(release, n)
	}
	return c.Version
}

// libraryVersion is a composer version as a package's: without composer's "v" prefix
// ("v1.0.2" is 1.0.2); a branch ("dev-main") sorts below every release.
func libraryVersion(v string) string {
	if t := strings.TrimLeft(v, "vV"); versionRE.MatchString(t) {
		return t
	}
	b := []byte(v)
	for i, c := range b {
		if !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || c == '.' || c == '+' || c == '~') {
			b[i] = '.'
		}
	}
	return "0~" + string(b)
}

// packageSet is what the graph needs to package one resolved project in one format.
type packageSet struct {
	f     Format
	g     resolve.Graph
	byID  map[string]resolve.Component
	core  map[string]resolve.Component // edition core by component ID
	inUse map[string]bool              // components some edition asking for f holds
}

// Actions returns one action per package: every component of an edition that asks for
// the format, and every such edition's meta-package.
func (f Format) Actions(env format.Env) ([]engine.Action, error) {
	g := env.Graph
	ps := packageSet{f: f, g: g, byID: map[string]resolve.Component{}, core: map[string]resolve.Component{}, inUse: map[string]bool{}}
	for _, c := range g.Components {
		ps.byID[c.ID] = c
	}
	var acts []engine.Action
	for _, e := range g.Editions {
		if _, ok := format.Output(e, f.name); !ok {
			continue
		}
		// Each family's own: a binary a setting names may sit elsewhere on Fedora.
		settings, err := layout.RenderSettingsFor(e, g, resolve.Distro(f.family))
		if err != nil {
			return nil, err
		}
		for _, m := range e.Members {
			ps.inUse[m.ID] = true
			ps.core[m.ID] = ps.byID[e.Core]
		}
		p := ps.editionPackage(e, settings, env.Clamp(e.Time))
		if f.family == platform.Debian {
			p = debDocs(p, e.Title, "https://www.mediawiki.org/")
		}
		tree := treeRef{}
		if id, key, ok := env.Autoload(e); ok {
			// The edition's composer autoloader is the edition's own, as its settings are.
			tree = treeRef{From: id, FromKey: key}
			p.Prefix = layout.MediaWikiDir + "/" + spec.LibraryDir
		}
		a := f.packAction(env, "edition/"+e.Name, p, tree, e.Decl.String(), nil)
		a.Group = e.Name
		acts = append(acts, a)
	}
	for _, c := range g.Components {
		if ps.inUse[c.ID] {
			acts = append(acts, f.componentAction(env, ps, c))
		}
	}
	return acts, nil
}

func (f Format) componentAction(env format.Env, ps packageSet, c resolve.Component) engine.Action {
	p := ps.componentPackage(c, env.Clamp(c.Time))
	upstream, src, kind := c.Info.Name, describeSource(c), c.Kind
	finish := func(p pack.Package) (pack.Package, error) {
		p.Tree = p.Tree.Filter(func(e fstree.Entry) bool {
			return layout.PackagedPath(e) && (kind != spec.Core || !layout.StateDirs[e.Path])
		})
		t, deps, err := layout.PackageScripts(p.Tree, format.OpenStored(env.Store), format.StoreBytes(env.Store), f.family)
		if err != nil {
			return p, err
		}
		p.Tree, p.Depends = t, format.Dedupe(append(slices.Clone(p.Depends), deps...))
		if f.family == platform.Debian {
			p = debDocs(p, upstream, src)
		}
		return p, nil
	}
	p.Tree = fstree.Tree{}
	return f.packAction(env, c.ID, p, treeRef{Digest: c.Tree, From: format.TreeAction(c.ID)}, c.Decl.String(), finish)
}

func (f Format) actionID(id string) string { return f.name + "/" + id }

// packLayout names the rules that turn a tree into a package beyond what Package holds
// (core's state directories, what is left out, Debian's documents, the scripts rule) and the writers' formats
// (our own .rpm writer replaced nfpm's at v4, our own .deb writer at v7; control.tar entries
// carry root:root names since v8): change it whenever a package's bytes change for the same
// inputs, so that cached packages are rebuilt rather than served.
const packLayout = "mwedition-pack-v8"

// packParams identifies a package: all its metadata, and its tree by digest.
type packParams struct {
	Layout     string
	Signer     string // the signing key's fingerprint; "" when unsigned
	Package    pack.Package
	TreeDigest string
	Generated  string `json:",omitempty"` // the key of the action that generates the tree
}

// treeRef says where a package's tree comes from: a component's, by its locked digest,
// made by action From; or a generated one (FromKey set), read from From's outcome.
type treeRef struct {
	Digest, From, FromKey string
}

// Package is what a package action made: the blob, the file it is published as, and
// what the SBOM says of it.
type Package struct {
	Blob    string `json:"blob"`
	File    string `json:"file"`
	Name    string `json:"name"`
	Version string `json:"version"`
	Arch    string `json:"arch"`
}

// packAction builds one package. Component packages get their tree when they run, and
// finish adds what depends on it (Debian's documents, core's layout); the key holds the
// tree's locked digest.
func (f Format) packAction(env format.Env, id string, p pack.Package, tree treeRef, where string, finish func(pack.Package) (pack.Package, error)) engine.Action {
	params := packParams{Layout: packLayout, Package: p, TreeDigest: tree.Digest, Generated: tree.FromKey}
	var deps []string
	if tree.From != "" {
		deps = []string{tree.From}
	}
	if f.family == platform.RPM && env.Signer != nil {
		params.Signer = env.Signer.Fingerprint()
	}
	st := env.Store
	return engine.Action{
		ID: f.actionID(id), Kind: f.kind, Key: format.Key(f.kind, params), Deps: deps, Where: where, Label: f.name + " " + p.Name,
		Valid: format.Valid(func(p Package) bool { return st.HasBlob(p.Blob) }),
		Run: func(ctx context.Context, in engine.Inputs) (engine.Outcome, error) {
			pkg := p
			var err error
			switch {
			case tree.Digest != "":
				pkg.Tree, err = st.Tree(tree.Digest)
			case tree.FromKey != "":
				pkg.Tree, err = format.GeneratedTree(st, in, tree.From)
			}
			if err != nil {
				return engine.Outcome{}, err
			}
			if finish != nil {
				if pkg, err = finish(pkg); err != nil {
					return engine.Outcome{}, fmt.Errorf("%s %s: %w", f.name, p.Name, err)
				}
			}
			return f.writePackage(ctx, env, pkg)
		},
	}
}

// writePackage builds a package into the store (streamed through a pipe, hashed as
// written).
func (f Format) writePackage(ctx context.Context, env format.Env, p pack.Package) (engine.Outcome, error) {
	sha, n, err := format.AddStreamed(env.Store, func(w io.Writer) error {
		if f.family == platform.RPM {
			return pack.RPM(ctx, p, env.Store, w, env.Signer)
		}
		return pack.Deb(ctx, p, env.Store, w)
	})
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("%s %s: %w", f.name, p.Name, err)
	}
	rec := Package{Blob: sha, File: pack.DebFileName(p), Name: p.Name, Version: p.Version + "-" + release(p), Arch: "all"}
	if f.family == platform.RPM {
		rec.File, rec.Arch = pack.RPMFileName(p), "noarch"
	}
	return format.Encode(rec, n)
}

// release is the package's release, as pack names its files.
func release(p pack.Package) string {
	if p.Release == "" {
		return "1"
	}
	return p.Release
}

// Edition lists the packages of e's members and its meta-package.
func (f Format) Edition(env format.Env, e resolve.Edition, outs format.Outcomes) (format.Collected, error) {
	var col format.Collected
	if _, ok := format.Output(e, f.name); !ok {
		return col, nil
	}
	ids := []string{"edition/" + e.Name}
	for _, m := range e.Members {
		ids = append(ids, m.ID)
	}
	for _, id := range ids {
		col.Actions = append(col.Actions, f.actionID(id))
		if outs == nil {
			continue
		}
		p, err := format.Lookup[Package](outs, f.actionID(id))
		if err != nil {
			return col, err
		}
		a := sbom.Artifact{Kind: sbom.ArtifactKind(f.name), Path: f.dir + "/" + p.File, Name: p.Name, Version: p.Version, Arch: p.Arch, SHA256: p.Blob}
		if id != "edition/"+e.Name {
			a.From = id
		}
		col.Artifacts = append(col.Artifacts, a)
	}
	return col, nil
}

// Publish places every package this build made in out/<format>/.
func (f Format) Publish(env format.Env, outs format.Outcomes, _ []v1.Descriptor) (format.Publication, error) {
	pub := format.Publication{Dir: f.dir, Files: map[string]string{}}
	for _, e := range env.Graph.Editions {
		col, err := f.Edition(env, e, outs)
		if err != nil {
			return pub, err
		}
		for _, a := range col.Artifacts {
			pub.Files[path.Base(a.Path)] = a.SHA256
		}
	}
	return pub, nil
}

func (ps packageSet) componentPackage(c resolve.Component, mtime int64) pack.Package {
	fam := ps.f.family
	core := ps.core[c.ID]
	p := pack.Package{
		Name: format.PackageName(c.Kind, c.Name), Version: packageVersion(c, core), Epoch: c.Epoch, Maintainer: maintainer,
		License: c.Info.License, Prefix: format.JoinDir(layout.MediaWikiDir, c.InstallDir()), MTime: time.Unix(mtime, 0).UTC(),
		Changes: append([]string{fmt.Sprintf("Packaged by mwedition from %s.", describeSource(c))}, patchChanges(c.Patches)...),
	}
	if p.License == "" {
		p.License = "GPL-2.0-or-later"
	}
	switch c.Kind {
	case spec.LibraryKind:
		p = ps.libraryPackage(p, c)
	case spec.Core:
		p.Summary = "MediaWiki core, the wiki engine behind Wikipedia"
		p.Homepage = "https://www.mediawiki.org/"
		p.Description = fmt.Sprintf("MediaWiki %s: the code in %s, without the extensions and skins, which come as packages of their own. "+
			"Configuration goes to /etc/mediawiki, uploads and caches to /var/lib/mediawiki and /var/cache/mediawiki.", c.Version, layout.MediaWikiDir)
		p.Depends = append(p.Depends, phpRelations(fam, c.Info.Requires.PHP)...)
		// A database driver, as Debian's mediawiki package asks; SQLite first, since it needs
		// no server (Fedora's php-pdo holds pdo_sqlite, and the other drivers need it too).
		if fam == platform.Debian {
			p.Depends = append(p.Depends, "php-cli", "apache2 | httpd", "php-sqlite3 | php-mysql | php-pgsql")
		} else {
			p.Depends = append(p.Depends, "php-cli", "php(httpd)", "php-pdo")
		}
		p = withMerged(fam, p, c)
		p.Extra = layout.CoreExtra(fam)
		p.Scripts = layout.CoreScripts(fam)
	default:
		what := "extension"
		if c.Kind == spec.Skin {
			what = "skin"
		}
		p.Summary = fmt.Sprintf("%s %s for MediaWiki", c.Info.Name, what)
		p.Homepage = "https://www.mediawiki.org/wiki/" + strings.Title(what) + ":" + c.Info.Name //nolint:staticcheck // ASCII words only
		load := "wfLoadExtension"
		if c.Kind == spec.Skin {
			load = "wfLoadSkin"
		}
		p.Description = fmt.Sprintf("The %s %s for MediaWiki, version %s. Installing it enables nothing: load it with %s( '%s' ); in LocalSettings.php, or install an edition package that does.",
			c.Info.Name, what, c.Version, load, c.Name)
		coreReq := "*"
		if c.Info.Requires.MediaWiki != "" {
			coreReq = c.Info.Requires.MediaWiki
		}
		p.Depends = append(p.Depends, relationsFor(fam, format.PackageName(spec.Core, ""), coreReq)...)
		for _, req := range sortedRequires(c) {
			dep, ok := ps.findRequired(req.kind, req.name)
			if !ok {
				continue // resolution already refused an edition missing it
			}
			p.Depends = append(p.Depends, relationsFor(fam, format.PackageName(dep.Kind, dep.Name), req.constraint)...)
		}
	}
	p.Depends = append(p.Depends, c.OSDeps[fam]...)
	conflicts, replaces := distroRelations(fam, c.Kind)
	p.Conflicts, p.Replaces = append(conflicts, p.Conflicts...), append(replaces, p.Replaces...)
	p = withSystem(fam, p, c)
	p.Description = wrapText(p.Description, 79)
	return p
}

// libraryPackage describes a composer library's package: the library as its dist archive
// holds it, depending on PHP and the libraries it requires. One package per library, as
// Debian packages PHP libraries, so that a new version of one library replaces only it.
func (ps packageSet) libraryPackage(p pack.Package, c resolve.Component) pack.Package {
	fam := ps.f.family
	p.Summary = fmt.Sprintf("composer library %s for MediaWiki editions", c.Name)
	p.Homepage = "https://packagist.org/packages/" + c.Name
	p.Description = fmt.Sprintf("The PHP library %s %s, as composer installs it, in %s/%s. An edition package that needs it loads it through its generated autoloader (%s/%s/autoload.php), apart from core's vendor/ directory.",
		c.Name, c.Version, layout.MediaWikiDir, c.InstallDir(), layout.MediaWikiDir, spec.LibraryDir)
	if c.Info.License == "" {
		p.License = "NOASSERTION"
	}
	p.Depends = append(p.Depends, phpRelations(fam, c.Info.Requires.PHP)...)
	names := make([]string, 0, len(c.Requires))
	for n := range c.Requires {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		dep, ok := ps.byID[spec.ID(spec.LibraryKind, n)]
		if !ok {
			// core's vendor/ has it: resolution checked the version there
			p.Depends = append(p.Depends, format.PackageName(spec.Core, ""))
			continue
		}
		p.Depends = append(p.Depends, relationsFor(fam, format.PackageName(dep.Kind, dep.Name), strings.TrimLeft(c.Requires[n], "vV"))...)
	}
	return p
}

// debDocs adds Debian's copyright and changelog once the component's tree is at hand: the
// copyright points at the licence file the tree ships, if any.
func debDocs(p pack.Package, upstream, source string) pack.Package {
	cr := pack.Copyright{Upstream: upstream, Source: source, License: p.License}
	for _, lf := range []string{"COPYING", "LICENSE", "LICENSE.txt", "COPYING.txt", "LICENSE.md"} {
		if e, ok := p.Tree.Lookup(lf); ok && e.Type == fstree.File {
			cr.LicenseFile = format.JoinDir(p.Prefix, lf)
			break
		}
	}
	p.Extra = append(append([]pack.File(nil), p.Extra...), pack.DebDocs(p, cr)...)
	return p
}

// findRequired finds the component a requires section names, by recipe or registration name.
func (ps packageSet) findRequired(k spec.Kind, name string) (resolve.Component, bool) {
	for _, c := range ps.g.Components {
		if c.Kind == k && (c.Name == name || c.Info.Name == name) {
			return c, true
		}
	}
	return resolve.Component{}, false
}

// distroRelations are a package's relations to the distribution's own mediawiki package,
// which installs into the same /usr/share/mediawiki (the README's "Migrating from Debian's
// mediawiki package").
//
// On Debian every package of ours conflicts with it: its /usr/share/mediawiki/extensions is
// a symlink into /var/lib/mediawiki/extensions, whose entries link back into its own
// extensions-core/, and dpkg follows directory symlinks on disk; an extension of ours
// unpacked while that package is installed would write over its files, and lose them when
// apt removed it. Conflicts makes apt remove it (remove, not purge, whose postrm deletes
// /etc/mediawiki and /var/lib/mediawiki) before it unpacks any of ours. Core and the skins
// also install at paths that package ships (core's files and mediawiki-classes' includes/libs,
// skins/NAME), so they replace them as well, which lets dpkg itself take the switch over.
// Nothing provides "mediawiki": the packages that depend on it expect Debian's layout.
//
// Fedora's package has no -classes split, and Replaces would become Obsoletes, which makes
// dnf replace the distribution's package on any upgrade once our repository is enabled:
// core only conflicts, and the admin switches with dnf swap.
func distroRelations(fam platform.Family, k spec.Kind) (conflicts, replaces []string) {
	if fam == platform.RPM {
		if k == spec.Core {
			return []string{"mediawiki"}, nil
		}
		return nil, nil
	}
	switch k {
	case spec.Core:
		return []string{"mediawiki", "mediawiki-classes"}, []string{"mediawiki", "mediawiki-classes"}
	case spec.Skin:
		return []string{"mediawiki"}, []string{"mediawiki"}
	}
	return []string{"mediawiki"}, nil
}

func (ps packageSet) editionPackage(e resolve.Edition, settings []byte, mtime int64) pack.Package {
	fam := ps.f.family
	p := pack.Package{
		Name: EditionPackageName(e.Name), Version: e.Version, Maintainer: maintainer, License: "GPL-2.0-or-later",
		Summary:     e.Title,
		Homepage:    "https://www.mediawiki.org/",
		Description: fmt.Sprintf("%s: MediaWiki with a chosen set of extensions and skins at exact versions. It installs them and ships %s, which enables them; include that file from LocalSettings.php. Database schema updates are never run for you: run maintenance/update.php after an upgrade.", e.Title, "/etc/mediawiki/"+layout.SettingsFile),
		MTime:       time.Unix(mtime, 0).UTC(),
		Changes:     append([]string{fmt.Sprintf("Edition %s %s, built by mwedition.", e.Name, e.Version)}, ps.editionSecurity(e)...),
		Provides:    []string{"mediawiki-edition"},
		Conflicts:   []string{"mediawiki-edition"},
		Extra: []pack.File{
			{Path: "/etc/mediawiki/" + layout.SettingsFile, Type: fstree.File, Content: settings, Conffile: true},
			{Path: layout.MediaWikiDir + "/" + layout.SettingsFile, Type: fstree.Symlink, Target: "/etc/mediawiki/" + layout.SettingsFile},
		},
	}
	if fam == platform.Debian {
		p.Replaces = []string{"mediawiki-edition"}
		p.Conflicts = append(p.Conflicts, "mediawiki") // see distroRelations
	}
	p.Scripts = layout.EditionScripts(fam)
	p.Description = wrapText(p.Description, 79)
	for _, m := range e.Members {
		c := ps.byID[m.ID]
		v := packageVersion(c, ps.byID[e.Core])
		if c.Epoch != 0 {
			v = fmt.Sprintf("%d:%s", c.Epoch, v)
		}
		if fam == platform.Debian {
			p.Depends = append(p.Depends, fmt.Sprintf("%s (= %s-1)", format.PackageName(c.Kind, c.Name), v))
		} else {
			p.Depends = append(p.Depends, fmt.Sprintf("%s = %s-1", format.PackageName(c.Kind, c.Name), v))
		}
	}
	return p
}

// wrapText fills words into lines of at most width bytes, as control files want.
func wrapText(s string, width int) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(s) {
		if line != "" && len(line)+1+len(w) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += w
	}
	return strings.Join(append(lines, line), "\n")
}

// phpRelations turns core's composer "php" constraint into the family's PHP dependency.
// Debian's php package carries epoch 2.
func phpRelations(f platform.Family, constraint string) []string {
	if constraint == "" {
		constraint = "*"
	}
	if f == platform.RPM {
		return relationsFor(f, "php(language)", constraint)
	}
	rels := relationsFor(f, "php", constraint)
	for i, r := range rels {
		if j := strings.Index(r, " ("); j > 0 {
			op, v, _ := strings.Cut(r[j+2:len(r)-1], " ")
			rels[i] = fmt.Sprintf("php (%s 2:%s)", op, v)
		}
	}
	return rels
}

func relationsFor(f platform.Family, pkg, constraint string) []string {
	c, err := semver.ParseConstraint(constraint)
	if err != nil {
		return []string{pkg} // resolution reports bad constraints; the dependency stays
	}
	return relation.For(f, pkg, c)
}

// withSystem adds the system packages the component's recipe declares for the family's
// distribution to its package's Depends and Recommends.
func withSystem(fam platform.Family, p pack.Package, c resolve.Component) pack.Package {
	sys := c.System(resolve.Distro(fam))
	p.Depends = format.Dedupe(append(p.Depends, systemRelations(fam, sys.Depends)...))
	p.Recommends = format.Dedupe(append(p.Recommends, systemRelations(fam, sys.Recommends)...))
	return p
}

// systemRelations writes a recipe's system requirements as the family's relations: Debian
// reads "a | b" as it is, RPM as the rich dependency "(a or b)".
func systemRelations(f platform.Family, reqs []string) []string {
	out := make([]string, 0, len(reqs))
	for _, r := range reqs {
		alts := spec.Alternatives(r)
		switch {
		case f == platform.Debian:
			out = append(out, strings.Join(alts, " | "))
		case len(alts) == 1:
			out = append(out, alts[0])
		default:
			out = append(out, "("+strings.Join(alts, " or ")+")")
		}
	}
	return out
}

type requirement struct {
	kind             spec.Kind
	name, constraint string
}

func sortedRequires(c resolve.Component) []requirement {
	var out []requirement
	for n, v := range c.Info.Requires.Extensions {
		out = append(out, requirement{spec.Extension, n, v})
	}
	for n, v := range c.Info.Requires.Skins {
		out = append(out, requirement{spec.Skin, n, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].kind+spec.Kind(out[i].name) < out[j].kind+spec.Kind(out[j].name) })
	return out
}

func describeSource(c resolve.Component) string {
	s := c.Source
	switch s.Kind {
	case spec.Git:
		return s.URL + " at " + s.Commit
	case spec.Bundled:
		return s.Path + " of the MediaWiki release (sha256 " + s.SHA256 + ")"
	case spec.Dir:
		return "a local directory (" + s.SHA256 + ")"
	}
	return s.URL + " (sha256 " + s.SHA256 + ")"
}
