// Package pack turns a normalised file tree and package metadata into .deb and .rpm
// packages: the two writers (Deb, RPM), the Debian documents a .deb must carry (DebDocs:
// copyright and changelog.Debian.gz), the packages' file names, and the rules of the
// installed layout every package is held to (nothing under /var/www, never
// /etc/mediawiki/LocalSettings.php, files under /etc only as conffiles). RPMs are signed
// with internal/signature's Signer; tar mechanics come from internal/tarfile.
//
// Output depends only on the inputs. Every timestamp in a package (tar, ar and cpio entries,
// RPM file times and BUILDTIME) is Package.MTime; every owner is root:root; modes come from
// the tree (0644/0755, directories 0755); entries are sorted bytewise; the RPM build host is a
// constant; gzip headers carry no name and no time. Nothing here reads the clock, the host
// name or the environment, and nothing prints.
//
// Both formats are written by this package's own streaming writers (deb.go; rpm.go,
// rpmheader.go, rpmpayload.go): the payload (a .deb's data member, an .rpm's cpio archive)
// is compressed into a temporary file while every file is hashed, then the metadata that
// precedes it and records those sums and sizes is written, and the payload copied after
// it. Memory holds the file lists but never file contents or the payload, whatever the
// tree's size.
package pack

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/tarfile"
)

// BuildHost is written as the RPM build host: a constant, so that packages do not depend on
// the machine that built them.
const BuildHost = "mwedition"

// tempDirStore is a Store that says where temporary files go: internal/cache.Store's tmp
// directory, on the file system that holds its blobs. The payload of a package being
// written goes there rather than to the system's temporary directory, which may be a tmpfs
// and so hold it in memory.
type tempDirStore interface {
	TempDir() string
}

// tempDir is where a package's temporary files go: the Store's TempDir, or the system's
// when it has none.
func tempDir(st tarfile.Store) string {
	if t, ok := st.(tempDirStore); ok {
		return t.TempDir()
	}
	return ""
}

// countingWriter counts what it passes on.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// File is a generated entry: a conffile under /etc, a document under /usr/share/doc, a
// directory for state under /var/lib, a symlink.
type File struct {
	Path     string      // absolute and clean: "/etc/mediawiki/edition.d/core.php"
	Type     fstree.Type // fstree.File, fstree.Dir or fstree.Symlink
	Mode     fs.FileMode // permission bits: files 0644 (the default when zero) or 0755; directories 0755
	Content  []byte      // files: the bytes
	Target   string      // symlinks: the target, verbatim
	Conffile bool        // files: a dpkg conffile / RPM %config(noreplace); required for files under /etc, refused elsewhere
}

// Scripts are maintainer script bodies in the target family's terms: for a .deb, preinst,
// postinst, prerm and postrm (a body without "#!" gets "#!/bin/sh" and "set -e" in front);
// for an .rpm, %pre, %post, %preun and %postun, run by /bin/sh. Empty means none.
type Scripts struct {
	PreInstall, PostInstall, PreRemove, PostRemove string
}

// Package is one package to build. Relations and versions are given in the target family's
// syntax, so a component has one Package per family; both are architecture-independent
// (Architecture: all / noarch).
type Package struct {
	Name    string // lowercase: "mediawiki-extension-cite"
	Version string // upstream version, already valid for the family: "1.39.17", "0~git20240101.abc1234"
	Release string // Debian revision / RPM release; "1" when empty
	Epoch   uint   // 0: none

	Summary     string // one line
	Description string // extended description; paragraphs separated by blank lines
	Homepage    string
	License     string // SPDX expression (the RPM License tag; Debian's is in the copyright file)
	Maintainer  string // "Name <email>"
	Vendor      string // rpm only
	Section     string // deb only; "web" when empty

	Depends, Recommends, Suggests, Provides, Conflicts, Replaces []string
	// Breaks are Debian's Breaks: installed packages that must be upgraded or removed
	// first. RPM has no such relation; a package taking another's place says so with
	// Replaces, which becomes Obsoletes.
	Breaks []string

	Tree   fstree.Tree // the component's files, Src relative to the Store
	Prefix string      // where the tree's root is installed, e.g. /usr/share/mediawiki/extensions/Cite; owned by the package
	Extra  []File      // generated entries

	Scripts Scripts
	Changes []string  // this release's changelog items: the RPM %changelog, and DebDocs' changelog.Debian.gz
	MTime   time.Time // every entry's time, the ar/cpio/tar headers', RPM BUILDTIME, the changelog's date: the caller's source time
}

// family is the packaging family a Package is checked and built for.
type family string

const (
	debFamily family = "deb"
	rpmFamily family = "rpm"
)

var (
	nameRE       = regexp.MustCompile(`^[a-z0-9][a-z0-9.+-]+$`)
	debVersionRE = regexp.MustCompile(`^[0-9][A-Za-z0-9.+~-]*$`)
	debReleaseRE = regexp.MustCompile(`^[A-Za-z0-9.+~]+$`)
	rpmVersionRE = regexp.MustCompile(`^[A-Za-z0-9._+~^]+$`)
)

// maxTime is the last second every format can hold: RPM keeps times as 32-bit integers.
var maxTime = time.Unix(1<<31-1, 0)

func (p Package) release() string {
	if p.Release == "" {
		return "1"
	}
	return p.Release
}

// check validates what does not depend on the tree's contents.
func (p Package) check(fam family) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if !nameRE.MatchString(p.Name) {
		bad("name %q: use lowercase letters, digits and . + - (at least two characters, starting with a letter or digit)", p.Name)
	}
	switch fam {
	case debFamily:
		if !debVersionRE.MatchString(p.Version) {
			bad("version %q is not a valid Debian upstream version (a digit first, then letters, digits and . + ~ -)", p.Version)
		}
		if !debReleaseRE.MatchString(p.release()) {
			bad("release %q is not a valid Debian revision (letters, digits and . + ~)", p.Release)
		}
	case rpmFamily:
		if !rpmVersionRE.MatchString(p.Version) {
			bad("version %q is not a valid RPM version (letters, digits and . _ + ~ ^; no -)", p.Version)
		}
		if !rpmVersionRE.MatchString(p.release()) {
			bad("release %q is not a valid RPM release (letters, digits and . _ + ~ ^; no -)", p.Release)
		}
	}
	if strings.TrimSpace(p.Summary) == "" {
		bad("summary is empty")
	}
	for _, f := range [][2]string{{"summary", p.Summary}, {"homepage", p.Homepage}, {"license", p.License},
		{"maintainer", p.Maintainer}, {"vendor", p.Vendor}, {"section", p.Section}} {
		if strings.ContainsAny(f[1], "\n\r") {
			bad("%s %q must be one line", f[0], f[1])
		}
	}
	if strings.TrimSpace(p.License) == "" {
		bad("license is empty: give an SPDX expression")
	}
	if !strings.Contains(p.Maintainer, "<") || !strings.HasSuffix(strings.TrimSpace(p.Maintainer), ">") {
		bad("maintainer %q: use \"Name <email>\"", p.Maintainer)
	}
	if p.MTime.Unix() <= 0 || p.MTime.After(maxTime) {
		bad("mtime %s is outside what packages can hold (after 1970, before 2038)", p.MTime.UTC().Format(time.RFC3339))
	}
	for _, c := range p.Changes {
		if strings.TrimSpace(c) == "" {
			bad("changelog items must not be empty")
		}
	}
	for _, rel := range [][]string{p.Depends, p.Recommends, p.Suggests, p.Provides, p.Conflicts, p.Replaces, p.Breaks} {
		for _, r := range rel {
			if strings.TrimSpace(r) == "" || strings.ContainsAny(r, ",\n") {
				bad("relation %q: give one relation per element, without commas or newlines", r)
			}
		}
	}
	if p.Tree.Len() > 0 && !isAbsClean(p.Prefix) {
		bad("prefix %q must be an absolute, clean path", p.Prefix)
	}
	return errors.Join(errs...)
}

func isAbsClean(p string) bool {
	return strings.HasPrefix(p, "/") && path.Clean(p) == p && !strings.ContainsRune(p, 0)
}

// entry is one path of the package.
type entry struct {
	path    string // absolute
	typ     fstree.Type
	mode    fs.FileMode
	size    int64
	src     string // tree files: host path of the bytes
	content []byte // generated files: the bytes
	digest  string // tree files: the tree's lowercase hex SHA-256 of the bytes
	target  string // symlinks
	conf    bool
	from    string // for error messages: "tree" or "extra"
}

// entries lays out every path of the package: the prefix directory, the tree below it and the
// extra entries, checked for collisions, modes and conffile rules, sorted by path.
func (p Package) entries(st tarfile.Store) ([]entry, error) {
	byPath := map[string]entry{}
	add := func(e entry) error {
		if prev, ok := byPath[e.path]; ok {
			if prev.typ == fstree.Dir && e.typ == fstree.Dir {
				return nil
			}
			return fmt.Errorf("%s: given twice (%s %s and %s %s)", e.path, prev.from, prev.typ, e.from, e.typ)
		}
		byPath[e.path] = e
		return nil
	}
	if p.Tree.Len() > 0 && p.Prefix != "/" {
		if err := add(entry{path: p.Prefix, typ: fstree.Dir, mode: 0o755, from: "prefix"}); err != nil {
			return nil, err
		}
	}
	for i := range p.Tree.Len() {
		te := p.Tree.At(i)
		e := entry{path: path.Join(p.Prefix, te.Path), typ: te.Type, mode: te.Mode().Perm(), from: "tree"}
		switch te.Type {
		case fstree.File:
			if te.Src == "" {
				return nil, fmt.Errorf("tree entry %s has no Src: the tree was not read from a store", te.Path)
			}
			e.src = st.Path(te.Src)
			e.size = te.Size
			e.digest = te.Digest
			fi, err := os.Stat(e.src)
			if err != nil {
				return nil, fmt.Errorf("reading tree entry %s: %w", te.Path, err)
			}
			if !fi.Mode().IsRegular() || fi.Size() != te.Size {
				return nil, fmt.Errorf("tree entry %s: the store's %s is not the %d-byte file the tree lists", te.Path, e.src, te.Size)
			}
		case fstree.Symlink:
			e.target = te.Target
		}
		if err := add(e); err != nil {
			return nil, err
		}
	}
	for _, f := range p.Extra {
		e, err := f.entry()
		if err != nil {
			return nil, err
		}
		if err := add(e); err != nil {
			return nil, err
		}
	}
	out := make([]entry, 0, len(byPath))
	for _, e := range byPath {
		if underAny(e.path, "/var/www") {
			return nil, fmt.Errorf("%s: nothing may be installed under /var/www (the web root belongs to the admin)", e.path)
		}
		if e.path == "/etc/mediawiki/LocalSettings.php" {
			return nil, fmt.Errorf("%s belongs to the admin and is never shipped", e.path)
		}
		if e.typ == fstree.File && underAny(e.path, "/etc") && !e.conf {
			return nil, fmt.Errorf("%s: a file under /etc must be a conffile (set Conffile)", e.path)
		}
		for dir := path.Dir(e.path); dir != "/"; dir = path.Dir(dir) {
			if parent, ok := byPath[dir]; ok && parent.typ != fstree.Dir {
				return nil, fmt.Errorf("%s: its parent %s is a %s", e.path, dir, parent.typ)
			}
		}
		out = append(out, e)
	}
	// Sorted bytewise for reproducible output, and because rpm looks paths up in the header's
	// file list by binary search (a .deb sorts its own way: debEntries).
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(a.path, b.path) })
	return out, nil
}

func underAny(p, dir string) bool { return p == dir || strings.HasPrefix(p, dir+"/") }

func (f File) entry() (entry, error) {
	e := entry{path: f.Path, typ: f.Type, mode: f.Mode.Perm(), conf: f.Conffile, from: "extra"}
	if !isAbsClean(f.Path) || f.Path == "/" {
		return e, fmt.Errorf("extra entry %q: the path must be absolute and clean", f.Path)
	}
	if f.Mode&^fs.ModePerm != 0 {
		return e, fmt.Errorf("%s: mode %s: give permission bits only", f.Path, f.Mode)
	}
	if f.Conffile && (f.Type != fstree.File || !underAny(f.Path, "/etc")) {
		return e, fmt.Errorf("%s: only files under /etc can be conffiles", f.Path)
	}
	switch f.Type {
	case fstree.File:
		if e.mode == 0 {
			e.mode = 0o644
		}
		if e.mode != 0o644 && e.mode != 0o755 {
			return e, fmt.Errorf("%s: mode %#o: files are 0644 or 0755", f.Path, e.mode)
		}
		if f.Target != "" {
			return e, fmt.Errorf("%s: a file has no target", f.Path)
		}
		e.content, e.size = f.Content, int64(len(f.Content))
	case fstree.Dir:
		if e.mode == 0 {
			e.mode = 0o755
		}
		if e.mode != 0o755 || len(f.Content) > 0 || f.Target != "" {
			return e, fmt.Errorf("%s: a directory has mode 0755 and no content or target", f.Path)
		}
	case fstree.Symlink:
		if f.Target == "" || len(f.Content) > 0 || strings.ContainsRune(f.Target, 0) {
			return e, fmt.Errorf("%s: a symlink needs a target and no content", f.Path)
		}
		e.target = f.Target
	default:
		return e, fmt.Errorf("%s: unknown entry type %s", f.Path, f.Type)
	}
	return e, nil
}

// DebFileName is the conventional file name of p's .deb: name_version-release_all.deb
// (the epoch is left out, as in Debian's archive).
func DebFileName(p Package) string {
	return p.Name + "_" + p.Version + "-" + p.release() + "_all.deb"
}

// RPMFileName is the conventional file name of p's .rpm: name-version-release.noarch.rpm.
func RPMFileName(p Package) string {
	return p.Name + "-" + p.Version + "-" + p.release() + ".noarch.rpm"
}
