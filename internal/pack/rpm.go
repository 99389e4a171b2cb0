package pack

import (
	"bytes"
	"cmp"
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/rpmtag"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/tarfile"
)

// RPMCompression is the payload compression of every .rpm: zstd, which rpm reads since 4.14
// (EL8 and later, Fedora 31 and later: what Fedora itself ships). On MediaWiki core's
// 171 MiB archive, level 7 takes a third of gzip -6's time for 19% less (33 MiB against
// 39), and its frames carry no time.
const RPMCompression = "zstd"

// RPMGroup is the Group tag. Fedora dropped the tag and rpmbuild then writes "Unspecified",
// which rpmlint 2.4 reads as no group at all (an error, no-group-tag); the traditional group
// of web applications says what the packages are and passes every rpmlint configuration.
const RPMGroup = "Applications/Internet"

// rpmVersionTag is the RPMVERSION tag, which names the program that wrote the package: not
// rpm, so no rpm version is claimed.
const rpmVersionTag = "mwedition"

// Dependency sense flags (rpm's rpmsenseFlags) and file flags (rpmfileAttrs).
const (
	senseLess      = 1 << 1
	senseGreater   = 1 << 2
	senseEqual     = 1 << 3
	senseInterp    = 1 << 8
	senseScriptPre = 1 << 9 // Requires(pre); post, preun and postun follow
	senseRPMLib    = 1 << 24

	fileConfig    = 1 << 0
	fileDoc       = 1 << 1
	fileNoReplace = 1 << 4
)

// pgpHashSHA256 is OpenPGP's number for SHA-256, which rpm uses for digest algorithms.
const pgpHashSHA256 = 8

const maxUint32 = 1<<32 - 1

// RPM writes p as a noarch RPM to w. Files flagged Conffile are %config(noreplace); p.Changes
// is the %changelog. The header's BUILDTIME is p.MTime and its BUILDHOST is BuildHost. With
// a signer, the header is signed (RSAHEADER, or DSAHEADER for (EC)DSA keys); since the
// header holds SHA-256 digests of the payload, that signature covers the whole package, and
// rpm -K reports "digests signatures OK". nil leaves the package unsigned. Nothing is
// written to w until the payload and headers are complete, so a refused package or an
// unreadable file leaves w untouched; if writing to w fails, w may hold part of a package.
//
// The payload is written first, compressed into a temporary file (in the Store's TempDir
// when it has one; removed before RPM returns) while every file and the archive are hashed, so that the header, which precedes
// the payload and records those digests and sizes, can then be written and the payload
// copied after it. Memory holds the header's file lists, never file contents or the payload.
//
// Cancelling ctx stops the writing between entries and inside the copy of a large file.
func RPM(ctx context.Context, p Package, st tarfile.Store, w io.Writer, signer *signature.Signer) error {
	if err := p.writeRPM(ctx, st, w, signer); err != nil {
		return fmt.Errorf("rpm %s: %w", p.Name, err)
	}
	return nil
}

func (p Package) writeRPM(ctx context.Context, st tarfile.Store, w io.Writer, signer *signature.Signer) error {
	if err := p.check(rpmFamily); err != nil {
		return err
	}
	es, err := p.entries(st)
	if err != nil {
		return err
	}
	deps, err := p.rpmDeps()
	if err != nil {
		return err
	}
	// The file's location never reaches the package.
	tmp, err := os.CreateTemp(tempDir(st), "mwedition-rpm-*.cpio.zst")
	if err != nil {
		return fmt.Errorf("creating the payload's temporary file: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	pl, err := writeRPMPayload(ctx, tmp, es, p.MTime.Unix())
	if err != nil {
		return fmt.Errorf("writing the payload: %w", err)
	}
	hdr, err := p.rpmMainHeader(es, pl, deps)
	if err != nil {
		return err
	}
	sig, err := rpmSignature(hdr, pl, signer, p.MTime)
	if err != nil {
		return err
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading the payload back: %w", err)
	}
	for _, b := range [][]byte{rpmLead(p.rpmNEVR()), sig, hdr} {
		if _, err := w.Write(b); err != nil {
			return err
		}
	}
	if n, err := io.Copy(w, tarfile.Reader(ctx, tmp)); err != nil {
		return err
	} else if n != pl.zsize {
		return fmt.Errorf("the payload's temporary file holds %d bytes, not the %d written", n, pl.zsize)
	}
	return nil
}

// rpmEVR is [epoch:]version-release.
func (p Package) rpmEVR() string {
	evr := p.Version + "-" + p.release()
	if p.Epoch != 0 {
		evr = strconv.FormatUint(uint64(p.Epoch), 10) + ":" + evr
	}
	return evr
}

// rpmNEVR is what rpm writes into the lead: name-[epoch:]version-release.
func (p Package) rpmNEVR() string { return p.Name + "-" + p.rpmEVR() }

// rpmScript ends a scriptlet with a newline; rpm runs it with /bin/sh.
func rpmScript(body string) string {
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	return body
}

// rpmMainHeader is the main header: the package's metadata, file list, dependencies,
// scriptlets, changelog and payload digests.
func (p Package) rpmMainHeader(es []entry, pl rpmPayload, deps rpmDeps) ([]byte, error) {
	var h rpmHeader
	mtime := uint32(p.MTime.Unix())
	p.addRPMMetadata(&h, mtime)
	addRPMPayloadTags(&h, pl)
	p.addRPMScripts(&h, &deps)
	p.addRPMChangelog(&h, mtime)
	addRPMDeps(&h, deps)
	if err := addRPMFiles(&h, es, pl, mtime); err != nil {
		return nil, err
	}
	return h.marshal(rpmtag.HeaderImmutable)
}

// addRPMMetadata adds what names and describes the package, and where and by what it was
// built. The description falls back to the summary.
func (p Package) addRPMMetadata(h *rpmHeader, mtime uint32) {
	description := strings.TrimSpace(p.Description)
	if description == "" {
		description = p.Summary
	}
	h.strs(rpmtag.HeaderI18NTable, []string{"C"})
	h.str(rpmtag.Name, p.Name)
	h.str(rpmtag.Version, p.Version)
	h.str(rpmtag.Release, p.release())
	if p.Epoch != 0 {
		h.int32s(rpmtag.Epoch, uint32(p.Epoch))
	}
	h.i18n(rpmtag.Summary, p.Summary)
	h.i18n(rpmtag.Description, description)
	h.int32s(rpmtag.BuildTime, mtime)
	h.str(rpmtag.BuildHost, BuildHost)
	if p.Vendor != "" {
		h.str(rpmtag.Vendor, p.Vendor)
	}
	h.str(rpmtag.License, p.License)
	h.str(rpmtag.Packager, p.Maintainer)
	h.i18n(rpmtag.Group, RPMGroup)
	if p.Homepage != "" {
		h.str(rpmtag.URL, p.Homepage)
	}
	h.str(rpmtag.OS, "linux")
	h.str(rpmtag.Arch, "noarch")
	h.str(rpmtag.Platform, "noarch-unknown-linux")
	h.str(rpmtag.SourceRPM, p.Name+"-"+p.Version+"-"+p.release()+".src.rpm")
	h.str(rpmtag.RPMVersion, rpmVersionTag)
}

// addRPMPayloadTags adds the payload's format, compression and digests.
func addRPMPayloadTags(h *rpmHeader, pl rpmPayload) {
	h.str(rpmtag.PayloadFormat, "cpio")
	h.str(rpmtag.PayloadCompressor, RPMCompression)
	h.str(rpmtag.PayloadFlags, strconv.Itoa(rpmZstdLevel))
	h.strs(rpmtag.PayloadDigest, []string{hex.EncodeToString(pl.digest)})
	h.int32s(rpmtag.PayloadDigestAlgo, pgpHashSHA256)
	h.strs(rpmtag.PayloadDigestAlt, []string{hex.EncodeToString(pl.altDigest)})
}

// addRPMScripts adds the scriptlets that are not blank, and for each the requirement of
// its interpreter to deps, which are added after them.
func (p Package) addRPMScripts(h *rpmHeader, deps *rpmDeps) {
	for _, sc := range []struct {
		body       string
		tag, prog  uint32
		scriptBits uint32
	}{
		{p.Scripts.PreInstall, rpmtag.PreIn, rpmtag.PreInProg, senseScriptPre},
		{p.Scripts.PostInstall, rpmtag.PostIn, rpmtag.PostInProg, senseScriptPre << 1},
		{p.Scripts.PreRemove, rpmtag.PreUn, rpmtag.PreUnProg, senseScriptPre << 2},
		{p.Scripts.PostRemove, rpmtag.PostUn, rpmtag.PostUnProg, senseScriptPre << 3},
	} {
		if strings.TrimSpace(sc.body) == "" {
			continue
		}
		h.str(sc.tag, rpmScript(sc.body))
		h.strs(sc.prog, []string{"/bin/sh"})
		// rpmbuild's Requires(pre) etc. on the interpreter.
		deps.requires = append(deps.requires, rpmDep{name: "/bin/sh", flags: senseInterp | sc.scriptBits})
	}
}

// addRPMChangelog adds the %changelog: one entry, dated mtime, listing p's changes.
func (p Package) addRPMChangelog(h *rpmHeader, mtime uint32) {
	evr := p.rpmEVR()
	h.int32s(rpmtag.ChangelogTime, mtime)
	h.strs(rpmtag.ChangelogName, []string{p.Maintainer + " - " + evr})
	var text []string
	for _, c := range p.changes(evr) {
		text = append(text, "- "+c)
	}
	h.strs(rpmtag.ChangelogText, []string{strings.Join(text, "\n")})
}

// addRPMDeps adds each kind of dependency, sorted, as its three parallel tags.
func addRPMDeps(h *rpmHeader, deps rpmDeps) {
	for _, d := range []struct {
		deps                 []rpmDep
		name, flags, version uint32
	}{
		{deps.provides, rpmtag.ProvideName, rpmtag.ProvideFlags, rpmtag.ProvideVersion},
		{deps.requires, rpmtag.RequireName, rpmtag.RequireFlags, rpmtag.RequireVersion},
		{deps.conflicts, rpmtag.ConflictName, rpmtag.ConflictFlags, rpmtag.ConflictVersion},
		{deps.obsoletes, rpmtag.ObsoleteName, rpmtag.ObsoleteFlags, rpmtag.ObsoleteVersion},
		{deps.recommends, rpmtag.RecommendName, rpmtag.RecommendFlags, rpmtag.RecommendVersion},
		{deps.suggests, rpmtag.SuggestName, rpmtag.SuggestFlags, rpmtag.SuggestVersion},
	} {
		ds := sortDeps(d.deps)
		names, versions, flags := make([]string, len(ds)), make([]string, len(ds)), make([]uint32, len(ds))
		for i, dep := range ds {
			names[i], versions[i], flags[i] = dep.name, dep.version, dep.flags
		}
		h.strs(d.name, names)
		h.int32s(d.flags, flags...)
		h.strs(d.version, versions)
	}
}

// addRPMFiles adds the file list. Paths are split into directory and base name
// (rpmlib(CompressedFileNames)); directories are listed in order of first use.
func addRPMFiles(h *rpmHeader, es []entry, pl rpmPayload, mtime uint32) error {
	if len(es) == 0 {
		return nil
	}
	n := len(es)
	var (
		sizes, mtimes, flags, verify = make([]uint32, n), make([]uint32, n), make([]uint32, n), make([]uint32, n)
		devices, inodes, dirIndexes  = make([]uint32, n), make([]uint32, n), make([]uint32, n)
		modes, rdevs                 = make([]uint16, n), make([]uint16, n)
		linkTos, users, groups       = make([]string, n), make([]string, n), make([]string, n)
		langs, baseNames, dirNames   = make([]string, n), make([]string, n), []string(nil)
		total                        uint64
	)
	dirIndex := map[string]uint32{}
	for i, e := range es {
		mode := uint16(e.mode.Perm())
		switch e.typ {
		case fstree.Dir:
			mode |= modeDir
		case fstree.File:
			mode |= modeRegular
			sizes[i] = uint32(e.size) // writeRPMPayload refused larger files
		case fstree.Symlink:
			mode = modeSymlink | 0o777
			sizes[i] = uint32(len(e.target))
			linkTos[i] = e.target
		}
		total += uint64(sizes[i])
		modes[i] = mode
		mtimes[i] = mtime
		if e.conf {
			flags[i] = fileConfig | fileNoReplace
		}
		// Manual pages are documentation, as rpmbuild marks them (%__docdir_path): rpm
		// --excludedocs leaves them out.
		if e.typ == fstree.File && strings.HasPrefix(e.path, "/usr/share/man/") {
			flags[i] |= fileDoc
		}
		verify[i] = 0xffffffff // verify everything
		devices[i] = 1
		inodes[i] = uint32(i + 1) // as in the payload
		users[i], groups[i] = "root", "root"
		dir, base := path.Split(e.path)
		idx, ok := dirIndex[dir]
		if !ok {
			idx = uint32(len(dirNames))
			dirIndex[dir] = idx
			dirNames = append(dirNames, dir)
		}
		dirIndexes[i], baseNames[i] = idx, base
	}
	if total > maxUint32 {
		h.int64s(rpmtag.LongSize, total)
	} else {
		h.int32s(rpmtag.Size, uint32(total))
	}
	h.int32s(rpmtag.FileSizes, sizes...)
	h.int16s(rpmtag.FileModes, modes)
	h.int16s(rpmtag.FileRdevs, rdevs)
	h.int32s(rpmtag.FileMtimes, mtimes...)
	h.strs(rpmtag.FileDigests, pl.fileDigest)
	h.strs(rpmtag.FileLinkTos, linkTos)
	h.int32s(rpmtag.FileFlags, flags...)
	h.strs(rpmtag.FileUserName, users)
	h.strs(rpmtag.FileGroupName, groups)
	h.int32s(rpmtag.FileVerifyFlags, verify...)
	h.int32s(rpmtag.FileDevices, devices...)
	h.int32s(rpmtag.FileInodes, inodes...)
	h.strs(rpmtag.FileLangs, langs)
	h.int32s(rpmtag.DirIndexes, dirIndexes...)
	h.strs(rpmtag.BaseNames, baseNames)
	h.strs(rpmtag.DirNames, dirNames)
	h.int32s(rpmtag.FileDigestAlgo, pgpHashSHA256)
	return nil
}

// rpmSignature is the signature header, padded to 8 bytes: digests of the main header, the
// sizes rpm checks before reading the payload, and the signer's signature of the header.
func rpmSignature(hdr []byte, pl rpmPayload, signer *signature.Signer, mtime time.Time) ([]byte, error) {
	var h rpmHeader
	if signer != nil {
		sig, dsa, err := signer.Detach(bytes.NewReader(hdr), mtime)
		if err != nil {
			return nil, err
		}
		// As rpmsign files them.
		tag := uint32(rpmtag.SigRSA)
		if dsa {
			tag = rpmtag.SigDSA
		}
		h.bin(tag, sig)
	}
	s1, s256 := sha1.Sum(hdr), sha256.Sum256(hdr)
	h.str(rpmtag.SigSHA1, hex.EncodeToString(s1[:]))
	h.str(rpmtag.SigSHA256, hex.EncodeToString(s256[:]))
	if total := uint64(len(hdr)) + uint64(pl.zsize); total > maxUint32 {
		h.int64s(rpmtag.SigLongSize, total)
	} else {
		h.int32s(rpmtag.SigSize, uint32(total))
	}
	if uint64(pl.size) > maxUint32 {
		h.int64s(rpmtag.SigLongArchiveSize, uint64(pl.size))
	} else {
		h.int32s(rpmtag.SigPayloadSize, uint32(pl.size))
	}
	b, err := h.marshal(rpmtag.HeaderSignatures)
	if err != nil {
		return nil, err
	}
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b, nil
}

// rpmDep is one dependency: a name, and a version compared by the sense flags.
type rpmDep struct {
	name, version string
	flags         uint32
}

type rpmDeps struct {
	provides, requires, conflicts, obsoletes, recommends, suggests []rpmDep
}

// rpmDeps parses p's relations and adds what rpmbuild adds: the package providing itself
// at its exact [epoch:]version-release, and the rpmlib() features reading it needs.
// Replaces become Obsoletes, RPM's nearest relation (as nfpm made them too).
func (p Package) rpmDeps() (rpmDeps, error) {
	var d rpmDeps
	var errs []string
	rich, tilde, caret := false, strings.Contains(p.rpmEVR(), "~"), strings.Contains(p.rpmEVR(), "^")
	parse := func(rels []string) []rpmDep {
		var out []rpmDep
		for _, r := range rels {
			dep, err := parseRPMRelation(r)
			if err != nil {
				errs = append(errs, err.Error())
				continue
			}
			rich = rich || strings.HasPrefix(dep.name, "(")
			tilde = tilde || strings.Contains(dep.version, "~")
			caret = caret || strings.Contains(dep.version, "^")
			out = append(out, dep)
		}
		return out
	}
	d.provides = append(parse(p.Provides), rpmDep{name: p.Name, version: p.rpmEVR(), flags: senseEqual})
	d.requires = parse(p.Depends)
	d.conflicts = parse(p.Conflicts)
	d.obsoletes = parse(p.Replaces)
	d.recommends = parse(p.Recommends)
	d.suggests = parse(p.Suggests)
	if len(errs) > 0 {
		return d, fmt.Errorf("%s", strings.Join(errs, "; "))
	}
	lib := func(feature, version string) {
		d.requires = append(d.requires, rpmDep{name: "rpmlib(" + feature + ")", version: version, flags: senseRPMLib | senseLess | senseEqual})
	}
	lib("CompressedFileNames", "3.0.4-1")
	lib("FileDigests", "4.6.0-1")
	lib("PayloadFilesHavePrefix", "4.0-1")
	lib("PayloadIsZstd", "5.4.18-1")
	if rich {
		lib("RichDependencies", "4.12.0-1")
	}
	if tilde {
		lib("TildeInVersions", "4.10.0-1")
	}
	if caret {
		lib("CaretInVersions", "4.15.0-1")
	}
	return d, nil
}

// rpmSenses are the comparison operators of a relation.
var rpmSenses = map[string]uint32{
	"<": senseLess, "<=": senseLess | senseEqual, "=": senseEqual, "==": senseEqual,
	">=": senseGreater | senseEqual, ">": senseGreater,
}

// parseRPMRelation reads "name", "name op version" or a rich dependency "(...)".
func parseRPMRelation(r string) (rpmDep, error) {
	r = strings.TrimSpace(r)
	if strings.HasPrefix(r, "(") {
		if !strings.HasSuffix(r, ")") {
			return rpmDep{}, fmt.Errorf("relation %q: a rich dependency is enclosed in parentheses", r)
		}
		return rpmDep{name: r}, nil
	}
	f := strings.Fields(r)
	switch {
	case len(f) == 1:
		return rpmDep{name: f[0]}, nil
	case len(f) == 3 && rpmSenses[f[1]] != 0:
		return rpmDep{name: f[0], version: f[2], flags: rpmSenses[f[1]]}, nil
	}
	return rpmDep{}, fmt.Errorf("relation %q: give \"name\" or \"name op version\" with op one of < <= = >= >", r)
}

// sortDeps sorts by name, version and flags, and drops repeats, as rpmbuild's dependency
// sets are kept.
func sortDeps(ds []rpmDep) []rpmDep {
	ds = slices.Clone(ds)
	slices.SortFunc(ds, func(a, b rpmDep) int {
		return cmp.Or(strings.Compare(a.name, b.name), strings.Compare(a.version, b.version), cmp.Compare(a.flags, b.flags))
	})
	return slices.Compact(ds)
}
