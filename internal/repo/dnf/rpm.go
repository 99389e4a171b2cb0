// Package dnf writes the metadata of a dnf (rpm-md) repository from .rpm files: repodata/
// with primary.xml.gz, filelists.xml.gz and other.xml.gz under checksum-prefixed names,
// repomd.xml listing them with their sizes and SHA-256 sums (of the compressed and the
// uncompressed bytes), repomd.xml.asc (a detached OpenPGP signature of repomd.xml, which dnf
// checks with repo_gpgcheck=1), the public key, and a .repo file for users.
//
// The metadata says what createrepo_c says about the same packages: it is read from the
// RPM headers with github.com/sassoftware/go-rpmutils, the same header fields go to the same
// elements, requirements are filtered as createrepo_c filters them (no rpmlib() features,
// nothing the package provides itself, no repeats), primary lists only the files dnf
// resolves file dependencies against (under /etc/, or with bin/ in the path) and filelists
// every file.
//
// Output depends only on the packages and Options: packages are sorted by name, then
// version; every time in it (repomd's revision and timestamps, the signature's date) is
// Options.Time, by default the newest package's build time; gzip headers carry no name and
// no time. Nothing here reads the clock or prints.
package dnf

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"
	rpmutils "github.com/sassoftware/go-rpmutils"
)

// Package is what the metadata says about one .rpm.
type Package struct {
	Href     string // location relative to the repository root: "pool/mediawiki-core-1.39.17-1.noarch.rpm"
	Checksum string // SHA-256 of the whole file, lowercase hex: the package's id in the metadata
	Size     int64  // of the file

	Name, Arch                string
	Epoch, Version, Release   string // Epoch "0" when the header has none
	Summary, Description, URL string
	Packager, License, Vendor string
	Group, BuildHost          string
	SourceRPM                 string
	BuildTime                 int64
	InstalledSize             int64 // SIZE (or LONGSIZE)
	ArchiveSize               int64 // the uncompressed payload
	HeaderStart, HeaderEnd    int64 // byte range of the main header, which dnf fetches to check a download

	Provides, Requires, Conflicts, Obsoletes []Dep
	Recommends, Suggests                     []Dep // weak dependencies, which dnf installs by default
	Supplements, Enhances                    []Dep // reverse weak dependencies
	Files                                    []File
	Changelog                                []Change // newest first, at most maxChangelog
}

// Dep is one relation. Flags is "", "LT", "LE", "EQ", "GE" or "GT"; a relation without
// flags has no version. Pre marks requirements of scriptlets (Requires(pre), (post)).
type Dep struct {
	Name, Flags, Epoch, Version, Release string
	Pre                                  bool
}

// File is one path of the package: Type is "" for a file or symlink, "dir" or "ghost".
type File struct {
	Path, Type string
}

// Change is one changelog entry.
type Change struct {
	Author string
	Date   int64
	Text   string
}

// maxChangelog is how many changelog entries other.xml keeps per package, as createrepo_c's
// default: the metadata is for "what changed lately", the package has the rest.
const maxChangelog = 10

// RPM sense and file flags (rpm's rpmds.h, rpmfiles.h).
const (
	senseCompare    = 0x0f // LESS | GREATER | EQUAL
	senseScriptPre  = 1 << 9
	senseScriptPost = 1 << 10
	sensePrereq     = 1 << 6
	fileGhost       = 1 << 6
	modeTypeMask    = 0o170000
	modeDir         = 0o040000
	tagSourcePkg    = 1106 // SOURCEPACKAGE: set in source packages
)

// Weak dependency tags (rpm's rpmtag.h), which go-rpmutils does not name: name, version, flags.
var (
	tagsRecommend  = [3]int{5046, 5047, 5048}
	tagsSuggest    = [3]int{5049, 5050, 5051}
	tagsSupplement = [3]int{5052, 5053, 5054}
	tagsEnhance    = [3]int{5055, 5056, 5057}
)

// ReadPackage reads the .rpm at file: its header, and the whole file for its size and
// checksum, checking the digests its signature header gives. href is where the repository
// serves it.
func ReadPackage(file, href string) (Package, error) {
	p, _, err := readPackage(file, href, nil)
	return p, err
}

// Signing is what a package's OpenPGP signatures say about it, checked against the
// repository's key as rpm checks them when dnf installs with gpgcheck=1.
type Signing struct {
	// ByKey: a signature of the file was made by the repository's key, and holds.
	ByKey bool
	// Others are the key IDs (16 hex digits) of the keys that signed it instead; no
	// signature at all leaves ByKey false and Others empty.
	Others []string
}

// readPackage is ReadPackage that also checks the package's signatures against keys.
func readPackage(file, href string, keys openpgp.EntityList) (Package, Signing, error) {
	var sg Signing
	f, err := os.Open(file)
	if err != nil {
		return Package{}, sg, err
	}
	defer f.Close()
	h := sha256.New()
	// Verify reads the header, the payload (for its digest) and the signatures; with no
	// keys it checks the digests only.
	hdr, sigs, err := rpmutils.Verify(io.TeeReader(f, h), keys)
	var other rpmutils.KeyNotFoundError
	switch {
	case errors.As(err, &other):
		// Verify stops at the first signature whose key is not the repository's; which
		// one that was is all the refusal needs. The header is read again below.
		sg.Others = []string{fmt.Sprintf("%016X", other.KeyID)}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return Package{}, sg, err
		}
		h.Reset()
		hdr, err = rpmutils.ReadHeader(io.TeeReader(f, h))
		if err != nil {
			return Package{}, sg, fmt.Errorf("%s: reading the RPM header: %w", file, err)
		}
	case err != nil:
		return Package{}, sg, fmt.Errorf("%s: reading the RPM header, checking its digests and signatures: %w", file, err)
	default:
		sg.ByKey = keys != nil && len(sigs) > 0
	}
	if _, err := io.Copy(h, f); err != nil {
		return Package{}, sg, fmt.Errorf("%s: %w", file, err)
	}
	fi, err := f.Stat()
	if err != nil {
		return Package{}, sg, err
	}
	p, err := fromHeader(hdr)
	if err != nil {
		return Package{}, sg, fmt.Errorf("%s: %w", file, err)
	}
	p.Href, p.Checksum, p.Size = href, hex.EncodeToString(h.Sum(nil)), fi.Size()
	return p, sg, nil
}

// header reads tags that may be missing: a missing tag reads as its zero value, any other
// failure is kept in err.
type header struct {
	h   *rpmutils.RpmHeader
	err error
}

func (r *header) fail(tag int, err error) {
	if r.err == nil && !errors.As(err, &rpmutils.NoSuchTagError{}) {
		r.err = fmt.Errorf("header tag %d: %w", tag, err)
	}
}

// str reads a string tag; for an i18n string (summary, description, group), the first
// value is the untranslated one.
func (r *header) str(tag int) string {
	v, err := r.h.GetStrings(tag)
	if err != nil {
		r.fail(tag, err)
		return ""
	}
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func (r *header) strs(tag int) []string {
	v, err := r.h.GetStrings(tag)
	if err != nil {
		r.fail(tag, err)
	}
	return v
}

func (r *header) ints(tag int) []uint64 {
	v, err := r.h.GetUint64s(tag)
	if err != nil {
		r.fail(tag, err)
	}
	return v
}

func (r *header) int(tags ...int) int64 {
	for _, tag := range tags {
		if v := r.ints(tag); len(v) > 0 {
			return int64(v[0])
		}
	}
	return 0
}

func fromHeader(h *rpmutils.RpmHeader) (Package, error) {
	r := &header{h: h}
	p := Package{
		Name:          r.str(rpmutils.NAME),
		Arch:          r.str(rpmutils.ARCH),
		Epoch:         "0",
		Version:       r.str(rpmutils.VERSION),
		Release:       r.str(rpmutils.RELEASE),
		Summary:       r.str(rpmutils.SUMMARY),
		Description:   r.str(rpmutils.DESCRIPTION),
		URL:           r.str(rpmutils.URL),
		Packager:      r.str(rpmutils.PACKAGER),
		License:       r.str(rpmutils.LICENSE),
		Vendor:        r.str(rpmutils.VENDOR),
		Group:         r.str(rpmutils.GROUP),
		BuildHost:     r.str(rpmutils.BUILDHOST),
		SourceRPM:     r.str(rpmutils.SOURCERPM),
		BuildTime:     r.int(rpmutils.BUILDTIME),
		InstalledSize: r.int(rpmutils.LONGSIZE, rpmutils.SIZE),
	}
	if n, err := h.PayloadSize(); err == nil {
		p.ArchiveSize = n
	}
	if e := r.ints(rpmutils.EPOCH); len(e) > 0 {
		p.Epoch = strconv.FormatUint(e[0], 10)
	}
	if h.HasTag(tagSourcePkg) {
		p.Arch = "src"
	}
	rng := h.GetRange()
	p.HeaderStart, p.HeaderEnd = int64(rng.Start), int64(rng.End)
	if p.Name == "" || p.Version == "" || p.Release == "" || p.Arch == "" {
		return p, errors.New("the header lacks a name, version, release or architecture")
	}

	files, own, err := r.files()
	if err != nil {
		return p, err
	}
	p.Files = files
	p.Provides, _ = r.deps(rpmutils.PROVIDENAME, rpmutils.PROVIDEFLAGS, rpmutils.PROVIDEVERSION)
	p.Conflicts, _ = r.deps(rpmutils.CONFLICTNAME, rpmutils.CONFLICTFLAGS, rpmutils.CONFLICTVERSION)
	p.Obsoletes, _ = r.deps(rpmutils.OBSOLETENAME, rpmutils.OBSOLETEFLAGS, rpmutils.OBSOLETEVERSION)
	p.Recommends, _ = r.deps(tagsRecommend[0], tagsRecommend[2], tagsRecommend[1])
	p.Suggests, _ = r.deps(tagsSuggest[0], tagsSuggest[2], tagsSuggest[1])
	p.Supplements, _ = r.deps(tagsSupplement[0], tagsSupplement[2], tagsSupplement[1])
	p.Enhances, _ = r.deps(tagsEnhance[0], tagsEnhance[2], tagsEnhance[1])
	reqs, reqFlags := r.deps(rpmutils.REQUIRENAME, rpmutils.REQUIREFLAGS, rpmutils.REQUIREVERSION)
	p.Requires = filterRequires(reqs, reqFlags, p.Provides, own)
	p.Changelog = r.changelog()
	return p, r.err
}

// files lists the package's files, marking directories and ghosts, and the set of their
// paths (a requirement on a file the package holds itself is left out of the metadata).
func (r *header) files() ([]File, map[string]bool, error) {
	paths := r.strs(rpmutils.OLDFILENAMES)
	modes, flags := r.ints(rpmutils.FILEMODES), r.ints(rpmutils.FILEFLAGS)
	if len(modes) != len(paths) || len(flags) != len(paths) {
		return nil, nil, fmt.Errorf("the header lists %d files, %d modes and %d flags", len(paths), len(modes), len(flags))
	}
	var files []File
	own := map[string]bool{}
	for i, path := range paths {
		f := File{Path: path}
		switch {
		case modes[i]&modeTypeMask == modeDir:
			f.Type = "dir"
		case flags[i]&fileGhost != 0:
			f.Type = "ghost"
		}
		files = append(files, f)
		own[path] = true
	}
	return files, own, nil
}

// deps reads one kind of relation from its three parallel tags, with its raw flags; a
// mismatch in their lengths is kept in r.err, the first one only.
func (r *header) deps(nameTag, flagsTag, versionTag int) ([]Dep, []uint64) {
	names, fl, vers := r.strs(nameTag), r.ints(flagsTag), r.strs(versionTag)
	if len(fl) != len(names) || len(vers) != len(names) {
		if r.err == nil {
			r.err = fmt.Errorf("header tag %d: %d names, %d flags and %d versions", nameTag, len(names), len(fl), len(vers))
		}
		return nil, nil
	}
	if len(names) == 0 {
		return nil, nil
	}
	out := make([]Dep, len(names))
	for i, n := range names {
		out[i] = newDep(n, fl[i], vers[i])
	}
	return out, fl
}

// changelog is the newest maxChangelog entries, as rpm-md's other.xml lists them.
func (r *header) changelog() []Change {
	var out []Change
	times, names, texts := r.ints(rpmutils.CHANGELOGTIME), r.strs(rpmutils.CHANGELOGNAME), r.strs(rpmutils.CHANGELOGTEXT)
	n := min(len(times), len(names), len(texts), maxChangelog)
	for i := range n {
		out = append(out, Change{Author: strings.TrimRight(names[i], " "), Date: int64(times[i]), Text: texts[i]})
	}
	return out
}

// newDep splits a relation's [epoch:]version[-release] as rpm-md writes it: the epoch is
// "0" when a version is given without one.
func newDep(name string, flags uint64, evr string) Dep {
	d := Dep{Name: name, Flags: flagNames[flags&senseCompare]}
	if evr == "" {
		return d
	}
	d.Epoch = "0"
	if e, rest, ok := strings.Cut(evr, ":"); ok && isDigits(e) {
		d.Epoch, evr = e, rest
	}
	d.Version, d.Release, _ = strings.Cut(evr, "-")
	return d
}

var flagNames = map[uint64]string{2: "LT", 4: "GT", 8: "EQ", 10: "LE", 12: "GE"}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// filterRequires keeps what a resolver needs: no rpmlib() features (rpm itself checks
// those), no file the package holds and primary lists, nothing the package provides, and
// each requirement once (a shell required by two scriptlets).
func filterRequires(reqs []Dep, flags []uint64, provides []Dep, own map[string]bool) []Dep {
	provided := map[string]bool{}
	for _, d := range provides {
		provided[d.Name] = true
	}
	var out []Dep
	last := map[string]Dep{}
	for i, d := range reqs {
		if strings.HasPrefix(d.Name, "rpmlib(") || (own[d.Name] && isPrimary(d.Name)) || provided[d.Name] {
			continue
		}
		d.Pre = flags[i]&(sensePrereq|senseScriptPre|senseScriptPost) != 0
		if prev, ok := last[d.Name]; ok && prev == d {
			continue
		}
		last[d.Name] = d
		out = append(out, d)
	}
	return out
}

// isPrimary reports whether primary.xml lists a file: the files dnf and yum resolve file
// requirements against without loading filelists, as every createrepo has chosen them.
func isPrimary(path string) bool {
	return strings.HasPrefix(path, "/etc/") || path == "/usr/lib/sendmail" || strings.Contains(path, "bin/")
}
