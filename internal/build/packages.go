package build

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/relation"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

// Package formats build can produce besides trees.
const (
	FormatDeb = "deb"
	FormatRPM = "rpm"
)

const (
	kindDeb = "pack.deb"
	kindRPM = "pack.rpm"
	// maintainer of the packages mwedition makes, until editions can say.
	maintainer   = "mwedition <packages@mwedition.example.org>"
	mediawikiDir = "/usr/share/mediawiki"
)

// PackageName is the OS package name of a component: mediawiki-core,
// mediawiki-extension-<name>, mediawiki-skin-<name> (lower case, '_' as '-').
func PackageName(k spec.Kind, name string) string {
	if k == spec.Core {
		return "mediawiki-core"
	}
	return "mediawiki-" + string(k) + "-" + strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// EditionPackageName is the meta-package of an edition.
func EditionPackageName(name string) string { return "mediawiki-edition-" + name }

var versionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~]*$`)

// packageVersion is the version a component's package carries. A bundled extension that
// declares a version of its own also carries its core's, so that a new MediaWiki release
// (new bytes, same declared version) still sorts as an upgrade.
func packageVersion(c resolve.Component, core resolve.Component) string {
	if c.Source.Kind == spec.Bundled && c.Info.Version != "" && c.Version != core.Version {
		if v := c.Info.Version + "+mw" + core.Version; versionRE.MatchString(v) {
			return v
		}
		return core.Version
	}
	return c.Version
}

// packageSet is what the graph needs to package one resolved project.
type packageSet struct {
	g      resolve.Graph
	byID   map[string]resolve.Component
	core   map[string]resolve.Component // edition core by component ID
	inUse  map[string]map[string]bool   // component ID -> formats some edition holding it asks for
	family map[string]platform.Family
}

// packageActions returns one action per package: every component of an edition that asks
// for deb or rpm output, and every such edition's meta-package.
func (o Options) packageActions(g resolve.Graph, formats []string) ([]engine.Action, error) {
	want := map[string]bool{}
	for _, f := range formats {
		want[f] = f == FormatDeb || f == FormatRPM
	}
	ps := packageSet{g: g, byID: map[string]resolve.Component{}, core: map[string]resolve.Component{}, inUse: map[string]map[string]bool{},
		family: map[string]platform.Family{FormatDeb: platform.Debian, FormatRPM: platform.RPM}}
	for _, c := range g.Components {
		ps.byID[c.ID] = c
	}
	var acts []engine.Action
	for _, e := range g.Editions {
		core := ps.byID[e.Core]
		settings, err := renderSettings(e, g)
		if err != nil {
			return nil, err
		}
		for _, out := range e.Outputs {
			if !want[out.Format] {
				continue
			}
			for _, m := range e.Members {
				if ps.inUse[m.ID] == nil {
					ps.inUse[m.ID] = map[string]bool{}
				}
				ps.inUse[m.ID][out.Format] = true
				ps.core[m.ID] = core
			}
			p := ps.editionPackage(e, out.Format, settings, o.clamp(e.Time))
			if out.Format == FormatDeb {
				p = debDocs(p, e.Title, "https://www.mediawiki.org/")
			}
			acts = append(acts, o.packAction(out.Format, "edition/"+e.Name, p, "", nil, e.Decl.String(), nil))
		}
	}
	for _, c := range g.Components {
		for _, f := range []string{FormatDeb, FormatRPM} {
			if !ps.inUse[c.ID][f] {
				continue
			}
			p := ps.componentPackage(c, f, o.clamp(c.Time))
			upstream, src, kind := c.Info.Name, describeSource(c), c.Kind
			fam := ps.family[f]
			finish := func(p pack.Package) (pack.Package, error) {
				p.Tree = p.Tree.Filter(func(e fstree.Entry) bool { return packagedPath(e) && (kind != spec.Core || !stateDirs[e.Path]) })
				t, deps, err := packageScripts(p.Tree, o.openStored, o.storeBytes, fam)
				if err != nil {
					return p, err
				}
				p.Tree, p.Depends = t, dedupe(append(slices.Clone(p.Depends), deps...))
				if f == FormatDeb {
					p = debDocs(p, upstream, src)
				}
				return p, nil
			}
			p.Tree = fstree.Tree{}
			acts = append(acts, o.packAction(f, c.ID, p, c.Tree, []string{treeAction(c.ID)}, c.Decl.String(), finish))
		}
	}
	return acts, nil
}

// packageFormats keeps the OS package formats of a build's formats.
func packageFormats(formats []string) []string {
	var out []string
	for _, f := range formats {
		if f == FormatDeb || f == FormatRPM {
			out = append(out, f)
		}
	}
	return out
}

func packActionID(format, id string) string { return format + "/" + id }

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
}

// packAction builds one package. Component packages get their tree when they run, and
// finish adds what depends on it (Debian's documents, core's layout); the key holds the
// tree's locked digest.
func (o Options) packAction(format, id string, p pack.Package, treeDigest string, deps []string, where string, finish func(pack.Package) (pack.Package, error)) engine.Action {
	kind := kindDeb
	if format == FormatRPM {
		kind = kindRPM
	}
	params := packParams{Layout: packLayout, Package: p, TreeDigest: treeDigest}
	if format == FormatRPM && o.Signer != nil {
		params.Signer = o.Signer.Fingerprint()
	}
	return engine.Action{
		ID: packActionID(format, id), Kind: kind, Key: key(kind, params), Deps: deps, Where: where, Label: format + " " + p.Name,
		Run: func(ctx context.Context) (engine.Outcome, error) {
			pkg := p
			if treeDigest != "" {
				t, err := o.store().Tree(treeDigest)
				if err != nil {
					return engine.Outcome{}, err
				}
				pkg.Tree = t
			}
			if finish != nil {
				var err error
				if pkg, err = finish(pkg); err != nil {
					return engine.Outcome{}, fmt.Errorf("%s %s: %w", format, p.Name, err)
				}
			}
			return o.writePackage(ctx, format, pkg)
		},
	}
}

// writePackage builds a package into the store (streamed through a pipe, hashed as
// written); the outcome names the blob and the file name it is published under.
func (o Options) writePackage(ctx context.Context, format string, p pack.Package) (engine.Outcome, error) {
	pr, pw := io.Pipe()
	go func() {
		var err error
		if format == FormatRPM {
			err = pack.RPM(ctx, p, o.store(), pw, o.Signer)
		} else {
			err = pack.Deb(ctx, p, o.store(), pw)
		}
		pw.CloseWithError(err)
	}()
	sha, n, err := o.store().AddBlob(pr, "")
	pr.CloseWithError(err)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("%s %s: %w", format, p.Name, err)
	}
	name := pack.DebFileName(p)
	if format == FormatRPM {
		name = pack.RPMFileName(p)
	}
	return engine.Outcome{Output: sha + " " + name, Bytes: n}, nil
}

func (ps packageSet) componentPackage(c resolve.Component, format string, mtime int64) pack.Package {
	fam := ps.family[format]
	core := ps.core[c.ID]
	p := pack.Package{
		Name: PackageName(c.Kind, c.Name), Version: packageVersion(c, core), Maintainer: maintainer,
		License: c.Info.License, Prefix: joinDir(mediawikiDir, c.InstallDir()), MTime: time.Unix(mtime, 0).UTC(),
		Changes: []string{fmt.Sprintf("Packaged by mwedition from %s.", describeSource(c))},
	}
	if p.License == "" {
		p.License = "GPL-2.0-or-later"
	}
	switch c.Kind {
	case spec.Core:
		p.Summary = "MediaWiki core, the wiki engine behind Wikipedia"
		p.Homepage = "https://www.mediawiki.org/"
		p.Description = fmt.Sprintf("MediaWiki %s: the code in %s, without the extensions and skins, which come as packages of their own. "+
			"Configuration goes to /etc/mediawiki, uploads and caches to /var/lib/mediawiki and /var/cache/mediawiki.", c.Version, mediawikiDir)
		p.Depends = append(p.Depends, phpRelations(fam, c.Info.Requires.PHP)...)
		// A database driver, as Debian's mediawiki package asks; SQLite first, since it needs
		// no server (Fedora's php-pdo holds pdo_sqlite, and the other drivers need it too).
		if fam == platform.Debian {
			p.Depends = append(p.Depends, "php-cli", "apache2 | httpd", "php-sqlite3 | php-mysql | php-pgsql")
		} else {
			p.Depends = append(p.Depends, "php-cli", "php(httpd)", "php-pdo")
		}
		// The distributions' own mediawiki package installs into the same directories.
		p.Conflicts = []string{"mediawiki"}
		p.Extra = coreExtra(fam)
		p.Scripts = coreScripts(fam)
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
		p.Depends = append(p.Depends, relationsFor(fam, PackageName(spec.Core, ""), coreReq)...)
		for _, req := range sortedRequires(c) {
			dep, ok := ps.findRequired(req.kind, req.name)
			if !ok {
				continue // resolution already refused an edition missing it
			}
			p.Depends = append(p.Depends, relationsFor(fam, PackageName(dep.Kind, dep.Name), req.constraint)...)
		}
	}
	p.Depends = append(p.Depends, c.OSDeps[fam]...)
	p.Depends = dedupe(p.Depends)
	p.Description = wrapText(p.Description, 79)
	return p
}

// debDocs adds Debian's copyright and changelog once the component's tree is at hand: the
// copyright points at the licence file the tree ships, if any.
func debDocs(p pack.Package, upstream, source string) pack.Package {
	cr := pack.Copyright{Upstream: upstream, Source: source, License: p.License}
	for _, lf := range []string{"COPYING", "LICENSE", "LICENSE.txt", "COPYING.txt", "LICENSE.md"} {
		if e, ok := p.Tree.Lookup(lf); ok && e.Type == fstree.File {
			cr.LicenseFile = joinDir(p.Prefix, lf)
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

func (ps packageSet) editionPackage(e resolve.Edition, format string, settings []byte, mtime int64) pack.Package {
	fam := ps.family[format]
	p := pack.Package{
		Name: EditionPackageName(e.Name), Version: e.Version, Maintainer: maintainer, License: "GPL-2.0-or-later",
		Summary:     e.Title,
		Homepage:    "https://www.mediawiki.org/",
		Description: fmt.Sprintf("%s: MediaWiki with a chosen set of extensions and skins at exact versions. It installs them and ships %s, which enables them; include that file from LocalSettings.php. Database schema updates are never run for you: run maintenance/update.php after an upgrade.", e.Title, "/etc/mediawiki/"+SettingsFile),
		MTime:       time.Unix(mtime, 0).UTC(),
		Changes:     []string{fmt.Sprintf("Edition %s %s, built by mwedition.", e.Name, e.Version)},
		Provides:    []string{"mediawiki-edition"},
		Conflicts:   []string{"mediawiki-edition"},
		Extra: []pack.File{
			{Path: "/etc/mediawiki/" + SettingsFile, Type: fstree.File, Content: settings, Conffile: true},
			{Path: mediawikiDir + "/" + SettingsFile, Type: fstree.Symlink, Target: "/etc/mediawiki/" + SettingsFile},
		},
	}
	if fam == platform.Debian {
		p.Replaces = []string{"mediawiki-edition"}
	}
	p.Scripts = editionScripts(fam)
	p.Description = wrapText(p.Description, 79)
	for _, m := range e.Members {
		c := ps.byID[m.ID]
		v := packageVersion(c, ps.byID[e.Core])
		if fam == platform.Debian {
			p.Depends = append(p.Depends, fmt.Sprintf("%s (= %s-1)", PackageName(c.Kind, c.Name), v))
		} else {
			p.Depends = append(p.Depends, fmt.Sprintf("%s = %s-1", PackageName(c.Kind, c.Name), v))
		}
	}
	return p
}

// stateDirs are the core tree's directories for state: the package replaces them with
// symlinks into /var/lib/mediawiki, where the web user may write. Their .htaccess files
// become rules of the Apache snippet.
var stateDirs = map[string]bool{"images": true, "cache": true}

// webUser is the user the web server runs PHP as.
func webUser(f platform.Family) string {
	if f == platform.RPM {
		return "apache"
	}
	return "www-data"
}

// defaultsFile holds the admin's packaging choices: Debian's /etc/default, Fedora's
// /etc/sysconfig.
func defaultsFile(f platform.Family) string {
	if f == platform.RPM {
		return "/etc/sysconfig/mediawiki"
	}
	return "/etc/default/mediawiki"
}

// apacheSnippet is where core's Apache configuration goes: a conf-available snippet that
// a2enconf manages on Debian, a conf.d file (active at once) on Fedora. It is named after
// the package, as Debian's policy for web applications asks.
func apacheSnippet(f platform.Family) string {
	if f == platform.RPM {
		return "/etc/httpd/conf.d/" + apacheConfName + ".conf"
	}
	return "/etc/apache2/conf-available/" + apacheConfName + ".conf"
}

const apacheConfName = "mediawiki-core"

// coreExtra lays out core's installed system around the code: configuration under
// /etc/mediawiki (LocalSettings.php is the admin's, reached through a dangling symlink until
// the installer writes it), uploads and caches under /var/lib/mediawiki and
// /var/cache/mediawiki, and the shipped configuration as conffiles.
func coreExtra(f platform.Family) []pack.File {
	var out []pack.File
	for _, d := range []string{"/etc/mediawiki", "/var/lib/mediawiki", "/var/lib/mediawiki/images", "/var/lib/mediawiki/cache", "/var/cache/mediawiki"} {
		out = append(out, pack.File{Path: d, Type: fstree.Dir})
	}
	for _, l := range [][2]string{
		{"LocalSettings.php", "/etc/mediawiki/LocalSettings.php"},
		{"images", "/var/lib/mediawiki/images"},
		{"cache", "/var/lib/mediawiki/cache"},
	} {
		out = append(out, pack.File{Path: mediawikiDir + "/" + l[0], Type: fstree.Symlink, Target: l[1]})
	}
	out = append(out,
		pack.File{Path: apacheSnippet(f), Type: fstree.File, Content: []byte(apacheConf), Conffile: true},
		pack.File{Path: defaultsFile(f), Type: fstree.File, Content: fmt.Appendf(nil, defaultsConf, webUser(f)), Conffile: true},
	)
	return out
}

// apacheConf serves MediaWiki at /mediawiki, with the access rules of the .htaccess files
// the release ships (which AllowOverride None would ignore) and uploads that never run.
const apacheConf = `# MediaWiki, from the mediawiki-core package, served at /mediawiki on every virtual host.
# To serve it elsewhere, disable this file (Debian: a2disconf mediawiki-core) and copy what
# you need into a virtual host.
# Configuration: /etc/mediawiki/LocalSettings.php (yours) and the edition's
# /etc/mediawiki/EditionSettings.php.
Alias /mediawiki /usr/share/mediawiki

<Directory /usr/share/mediawiki/>
	Options +FollowSymLinks
	AllowOverride None
	Require all granted
	DirectoryIndex index.php
</Directory>

# What the release's .htaccess files deny.
<DirectoryMatch "^/usr/share/mediawiki/(cache|includes|languages|maintenance|tests|vendor)/">
	Require all denied
</DirectoryMatch>
<DirectoryMatch "^/usr/share/mediawiki/(extensions|skins)/[^/]+/(dev-scripts|maintenance|tests)/">
	Require all denied
</DirectoryMatch>
<Directory /var/lib/mediawiki/cache/>
	Require all denied
</Directory>

# Uploads are data: no scripts, no server-side includes, no symlinks, no type sniffing.
<Directory /var/lib/mediawiki/images/>
	Options -FollowSymLinks -ExecCGI -Includes -Indexes
	AllowOverride None
	<IfModule php_module>
		php_admin_flag engine off
	</IfModule>
	<FilesMatch "\.(php[0-9]?|phtml|phar|phps|pht|cgi|pl|py|sh)$">
		Require all denied
	</FilesMatch>
	<IfModule headers_module>
		Header set X-Content-Type-Options nosniff
	</IfModule>
</Directory>
`

// defaultsConf is the admin's switch for schema updates, read by the edition packages'
// scripts after they install or upgrade.
const defaultsConf = `# MediaWiki packaging choices, read when an edition package is installed or upgraded.

# Run maintenance/update.php (database schema and data updates) after an edition is installed
# or upgraded: "yes" or "no". Off by default, as in Debian's mediawiki package: updates can
# take long on a big wiki, and you may want a backup first. It runs only once
# /etc/mediawiki/LocalSettings.php exists.
MEDIAWIKI_UPDATE=no

# The user update.php runs as: the one the web server runs PHP as, so that the files it
# writes stay writable by the wiki.
MEDIAWIKI_UPDATE_USER=%s
`

// coreScripts hand the writable directories to the web server's user, idempotently, enable
// the Apache snippet where Debian's helper exists, and on purge remove caches (not uploads,
// and never LocalSettings.php: both are the admin's data).
func coreScripts(f platform.Family) pack.Scripts {
	post := fmt.Sprintf(`if getent passwd %[1]s >/dev/null; then
	chown %[1]s: /var/lib/mediawiki/images /var/lib/mediawiki/cache /var/cache/mediawiki
	chmod 0700 /var/lib/mediawiki/images /var/lib/mediawiki/cache
fi`, webUser(f))
	if f == platform.RPM {
		return pack.Scripts{PostInstall: post}
	}
	const helper = "/usr/share/apache2/apache2-maintscript-helper"
	apache := func(verb string) string {
		return fmt.Sprintf("if [ -e %[1]s ]; then\n\t. %[1]s\n\tapache2_invoke %[2]s %[3]s\nfi", helper, verb, apacheConfName)
	}
	return pack.Scripts{
		PostInstall: "if [ \"$1\" = configure ]; then\n" + indent(post) + "\n" + indent(apache("enconf")) + "\nfi",
		PreRemove:   "if [ \"$1\" = remove ]; then\n" + indent(apache("disconf")) + "\nfi",
		PostRemove:  "if [ \"$1\" = purge ]; then\n" + indent(apache("disconf")) + "\n\trm -rf /var/lib/mediawiki/cache /var/cache/mediawiki\nfi",
	}
}

// editionScripts run update.php after the edition is installed or upgraded, when the admin
// opted in (defaultsFile). A failed update does not fail the package: the code is in place,
// and the admin is told what to run.
func editionScripts(f platform.Family) pack.Scripts {
	body := fmt.Sprintf(`MEDIAWIKI_UPDATE=no
MEDIAWIKI_UPDATE_USER=%[2]s
[ -r %[1]s ] && . %[1]s
if [ "$MEDIAWIKI_UPDATE" = yes ] && [ -e /etc/mediawiki/LocalSettings.php ]; then
	echo "mediawiki: running maintenance/update.php as $MEDIAWIKI_UPDATE_USER (%[1]s)"
	if ! runuser -u "$MEDIAWIKI_UPDATE_USER" -- php %[3]s/maintenance/update.php --quick; then
		echo "mediawiki: update.php failed; fix the cause, then run: runuser -u $MEDIAWIKI_UPDATE_USER -- php %[3]s/maintenance/update.php" >&2
	fi
fi`, defaultsFile(f), webUser(f), mediawikiDir)
	if f == platform.RPM {
		return pack.Scripts{PostInstall: body}
	}
	return pack.Scripts{PostInstall: "if [ \"$1\" = configure ]; then\n" + indent(body) + "\nfi"}
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

func indent(s string) string { return "\t" + strings.ReplaceAll(s, "\n", "\n\t") }

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

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
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

func joinDir(base, rel string) string {
	if rel == "" {
		return base
	}
	return base + "/" + rel
}

// publish links every built package (packageFiles) from the store into out/<format>/
// (publishDir) and removes packages a previous build left there.
func (o Options) publish(files map[string]map[string]string) error {
	for _, format := range []string{FormatDeb, FormatRPM} {
		dir := filepath.Join(o.out(), format)
		if _, err := os.Stat(dir); len(files[format]) == 0 && err != nil {
			continue // nothing to publish, nothing to clear
		}
		if err := o.publishDir(dir, files[format]); err != nil {
			return err
		}
	}
	return nil
}

// packageFiles lists the packages a build made, by format: file name -> blob.
func packageFiles(rep engine.Report) (map[string]map[string]string, error) {
	files := map[string]map[string]string{FormatDeb: {}, FormatRPM: {}}
	for _, r := range rep.Results {
		format, _, ok := strings.Cut(r.ID, "/")
		if !ok || (format != FormatDeb && format != FormatRPM) {
			continue
		}
		sha, name, ok := strings.Cut(r.Outcome.Output, " ")
		if !ok {
			return nil, fmt.Errorf("%s: malformed outcome %q", r.ID, r.Outcome.Output)
		}
		files[format][name] = sha
	}
	return files, nil
}
