// Package apt publishes .deb packages as a signed apt repository:
//
//	pool/<component>/<p>/<package>/<package>_<version>_<arch>.deb
//	dists/<suite>/Release, InRelease (clearsigned), Release.gpg (detached, armored)
//	dists/<suite>/<component>/binary-all/Packages, Packages.gz, Packages.xz
//	dists/<suite>/<component>/binary-all/by-hash/SHA256/<digest>
//	<key file>   the signing key's public half, for sources' Signed-By
//
// Every index is also served under its SHA-256 (Acquire-By-Hash: yes), and the by-hash
// copies of the last generations stay (package repo), so a client that fetched the previous
// InRelease never meets a changed index. The metadata depends only on the packages and the
// options: the same packages published twice give the same bytes, signatures included.
//
// A publish adds packages to what the repository already serves, keeping the newest Keep
// versions of each package, so that older editions stay installable for rollback.
package apt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"

	"github.com/mwedition/mwedition/internal/repo"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/tarfile"
)

// Defaults of Options.
const (
	DefaultSuite     = "stable"
	DefaultComponent = "main"
	DefaultOrigin    = "mwedition"
	DefaultKeep      = 3
	DefaultKeyFile   = "mwedition-archive-keyring.asc"
)

// Options describe the repository.
type Options struct {
	// Check stops before anything is written: Publish then only says whether it would
	// refuse, so that a publish into several repositories writes none if one refuses.
	Check         bool
	Origin, Label string // default DefaultOrigin
	Suite         string // the directory under dists/ and the Suite field; default DefaultSuite
	Codename      string // default Suite
	Component     string // default DefaultComponent
	// Date is the Release's Date and the signatures' time: the build's epoch. Zero means the
	// newest package's time (its ar headers'). A Date older than the served Release's is
	// raised to it: apt ignores a Release older than the one it has.
	Date time.Time
	// ValidFor, if not zero, adds Valid-Until: Date+ValidFor; apt refuses the repository
	// after that, which stops an attacker replaying old metadata.
	ValidFor time.Duration
	// Now, if set, is the time the caller's clock says: a Release dated after it, or whose
	// Valid-Until is not after it, is refused before anything is written, since apt would
	// refuse it.
	Now time.Time
	// Keep is how many versions of each package the repository keeps; default DefaultKeep.
	Keep int
	// Generations is how many superseded metadata generations stay reachable
	// (repo.PublishOptions.Keep).
	Generations int
	// KeyFile is the name of the public key file at the repository's root.
	KeyFile string
	// Signer signs InRelease and Release.gpg with the release manager's key. Required.
	Signer *signature.Signer
	// Progress, if set, hears of the publish's steps.
	Progress func(repo.Event)
}

func (o Options) withDefaults() (Options, error) {
	if o.Signer == nil {
		return o, errors.New("an apt repository must be signed: no signing key given")
	}
	o.Origin = orDefault(o.Origin, DefaultOrigin)
	o.Label = orDefault(o.Label, o.Origin)
	o.Suite = orDefault(o.Suite, DefaultSuite)
	o.Codename = orDefault(o.Codename, o.Suite)
	o.Component = orDefault(o.Component, DefaultComponent)
	o.KeyFile = orDefault(o.KeyFile, DefaultKeyFile)
	if o.Keep <= 0 {
		o.Keep = DefaultKeep
	}
	for what, v := range map[string]string{"suite": o.Suite, "codename": o.Codename, "component": o.Component} {
		if !nameRE.MatchString(v) {
			return o, fmt.Errorf("%s %q: use letters, digits and . _ + - only", what, v)
		}
	}
	for _, v := range []string{o.Origin, o.Label} {
		if strings.ContainsAny(v, "\n") {
			return o, fmt.Errorf("origin or label %q: one line only", v)
		}
	}
	if !nameRE.MatchString(o.KeyFile) || strings.HasPrefix(o.KeyFile, ".") || o.KeyFile == "dists" || o.KeyFile == "pool" {
		return o, fmt.Errorf("key file name %q: a plain file name, not dists or pool", o.KeyFile)
	}
	if o.ValidFor < 0 {
		return o, fmt.Errorf("valid-for %s: must not be negative", o.ValidFor)
	}
	return o, nil
}

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// Result says what a publish did.
type Result struct {
	repo.Result
	Date     time.Time // the Release's Date
	Packages []string  // "name version" of every package the repository now offers
	New      []string  // "name version" of the packages this publish added
	Dropped  []string  // "name version" no longer offered (older than the newest Keep)
	KeyFile  string    // the public key, relative to the repository root
	Suite    string
}

// entry is one package of the index.
type entry struct {
	name, version, arch string
	filename, sha256    string
	size                int64
	fields              stanza // the control fields, without Filename, Size and digests
	src                 string // where the file is now (a build's out/deb, or the pool)
	mtime               time.Time
}

func (e entry) id() string { return e.name + " " + e.version }

// Publish adds the .deb files debs to the apt repository at dir (created if needed) and
// serves the new metadata, atomically, with the lock of package repo held throughout. A
// repository served with another key (*KeyChangeError), or a package that is not
// Architecture: all, is refused before anything is written.
func Publish(ctx context.Context, dir string, debs []string, opt Options) (Result, error) {
	var res Result
	opt, err := opt.withDefaults()
	if err != nil {
		return res, err
	}
	res.KeyFile, res.Suite = opt.KeyFile, opt.Suite
	if len(debs) == 0 {
		return res, errors.New("no .deb packages to publish")
	}
	// Read the packages before taking the lock: that is most of the work, and needs no lock.
	fresh, err := readDebs(ctx, debs, opt.Component)
	if err != nil {
		return res, err
	}

	r, err := repo.Open(ctx, dir, opt.Progress)
	if err != nil {
		return res, err
	}
	defer r.Close()
	if err := checkServedKey(r, opt); err != nil {
		return res, err
	}

	indexPath := path.Join("dists", opt.Suite, opt.Component, "binary-all", "Packages")
	old, err := r.ReadFile(indexPath)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return res, err
	}
	served, err := parseIndex(old, r)
	if err != nil {
		return res, fmt.Errorf("%s: %w", r.Path(indexPath), err)
	}
	entries, added, dropped, err := merge(served, fresh, opt.Keep)
	if err != nil {
		return res, err
	}
	res.New, res.Dropped = added, dropped

	res.Date = publishDate(r, fresh, opt)
	if err := checkDate(res.Date, opt); err != nil {
		return res, err
	}

	meta, err := metadata(entries, opt, res.Date)
	if err != nil {
		return res, err
	}
	otherMeta, pool, err := otherSuites(r, opt.Suite)
	if err != nil {
		return res, err
	}
	meta = append(meta, otherMeta...)
	for _, e := range entries {
		pool = append(pool, repo.PoolFile{Path: e.filename, Src: e.src})
		res.Packages = append(res.Packages, e.id())
	}
	// A package file two suites offer is one pool file.
	slices.SortFunc(pool, func(a, b repo.PoolFile) int { return strings.Compare(a.Path, b.Path) })
	pool = slices.CompactFunc(pool, func(a, b repo.PoolFile) bool { return a.Path == b.Path })
	if opt.Check {
		return res, nil
	}
	res.Result, err = r.Publish(ctx, pool, meta, repo.PublishOptions{
		Keep:     opt.Generations,
		Retain:   func(p string) bool { return strings.Contains(p, "/by-hash/") },
		Progress: opt.Progress,
	})
	return res, err
}

// readDebs reads the packages to publish. The Release lists one architecture, all, and
// apt reads binary-all only on that promise: every package must be Architecture: all.
func readDebs(ctx context.Context, debs []string, component string) ([]entry, error) {
	var fresh []entry
	var foreign []string
	for _, p := range debs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		info, err := readDeb(p)
		if err != nil {
			return nil, err
		}
		e := newEntry(info, p, component)
		if e.arch != "all" {
			foreign = append(foreign, fmt.Sprintf("\n  %s: Architecture: %s", p, e.arch))
		}
		fresh = append(fresh, e)
	}
	if len(foreign) > 0 {
		return nil, fmt.Errorf("%d packages are not Architecture: all, the one architecture the repository's Release lists, so apt would not see them:%s", len(foreign), strings.Join(foreign, ""))
	}
	return fresh, nil
}

// checkServedKey refuses to sign a served repository with another key than the one in its
// key file: users copied that file and name it in their sources' Signed-By, so apt-get
// update would refuse every Release signed with another key (NO_PUBKEY).
func checkServedKey(r *repo.Repo, opt Options) error {
	served, err := r.ReadFile(opt.KeyFile)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	ring, err := signature.ReadKeyring(bytes.NewReader(served))
	if err != nil {
		return fmt.Errorf("the served key %s: %w", opt.KeyFile, err)
	}
	if fprs := ring.Fingerprints(); !slices.Contains(fprs, opt.Signer.Fingerprint()) {
		return &repo.KeyChangeError{Dir: r.Dir(), KeyFile: opt.KeyFile, Served: fprs, Given: opt.Signer.Fingerprint(),
			Names: "which users name in Signed-By", Consequence: "every user's apt-get update would fail with NO_PUBKEY"}
	}
	return nil
}

// publishDate is the new Release's Date: the given one, else the newest package's time,
// but never before the served Release's, so that apt does not see the repository go back.
func publishDate(r *repo.Repo, fresh []entry, opt Options) time.Time {
	date := opt.Date
	if date.IsZero() {
		for _, e := range fresh {
			if e.mtime.After(date) {
				date = e.mtime
			}
		}
	}
	if rel, err := r.ReadFile(path.Join("dists", opt.Suite, "Release")); err == nil {
		if prev, err := releaseDate(rel); err == nil && prev.After(date) {
			date = prev
		}
	}
	return date.UTC().Truncate(time.Second)
}

// checkDate refuses a Release apt would refuse on a machine with the caller's clock.
func checkDate(date time.Time, opt Options) error {
	if opt.Now.IsZero() {
		return nil
	}
	if date.After(opt.Now.Add(time.Minute)) {
		return fmt.Errorf("the Release's Date %s (the build's epoch) is in the future, and apt refuses a Release dated after its clock", date.Format(time.RFC3339))
	}
	if until := date.Add(opt.ValidFor); opt.ValidFor > 0 && !until.After(opt.Now) {
		return fmt.Errorf("Valid-Until %s (the Release's Date %s, the build's epoch, plus %s) is already past, and apt refuses an expired Release: give a longer valid-for", until.Format(time.RFC3339), date.Format(time.RFC3339), opt.ValidFor)
	}
	return nil
}

func newEntry(info debInfo, src, component string) entry {
	c := info.control
	e := entry{
		name: c.get("Package"), version: c.get("Version"), arch: c.get("Architecture"),
		sha256: info.sha256, size: info.size, src: src, mtime: info.mtime,
	}
	for _, f := range c {
		switch strings.ToLower(f.Name) {
		case "filename", "size", "md5sum", "sha1", "sha256", "sha512":
			continue
		}
		e.fields = append(e.fields, f)
	}
	upstream := e.version
	if _, v, ok := strings.Cut(upstream, ":"); ok {
		upstream = v
	}
	prefix := e.name[:1]
	if strings.HasPrefix(e.name, "lib") && len(e.name) > 3 {
		prefix = e.name[:4]
	}
	e.filename = path.Join("pool", component, prefix, e.name, e.name+"_"+upstream+"_"+e.arch+".deb")
	return e
}

// parseIndex reads the served Packages index back into entries whose files are in the pool.
func parseIndex(b []byte, r *repo.Repo) ([]entry, error) {
	st, err := parseStanzas(b)
	if err != nil {
		return nil, err
	}
	var out []entry
	for _, s := range st {
		e := entry{name: s.get("Package"), version: s.get("Version"), arch: s.get("Architecture"), filename: s.get("Filename"), sha256: s.get("SHA256")}
		size, err := strconv.ParseInt(s.get("Size"), 10, 64)
		if e.name == "" || e.version == "" || e.arch == "" || e.sha256 == "" || err != nil || repoPath(e.filename) != nil {
			return nil, fmt.Errorf("package %s %s: a stanza without Package, Version, Architecture, a pool Filename, Size or SHA256", e.name, e.version)
		}
		e.size = size
		e.src = r.Path(e.filename)
		for _, f := range s {
			switch strings.ToLower(f.Name) {
			case "filename", "size", "md5sum", "sha1", "sha256", "sha512":
				continue
			}
			e.fields = append(e.fields, f)
		}
		out = append(out, e)
	}
	return out, nil
}

func repoPath(p string) error {
	if !strings.HasPrefix(p, "pool/") || path.Clean(p) != p || strings.Contains(p, "/../") {
		return fmt.Errorf("%q is not in pool/", p)
	}
	return nil
}

// merge adds fresh packages to the served ones and keeps the newest keep versions of
// each package. A fresh package of a version already served must be the same file.
func merge(served, fresh []entry, keep int) (entries []entry, added, dropped []string, err error) {
	type key struct{ name, version, arch string }
	all := map[key]entry{}
	for _, e := range served {
		all[key{e.name, e.version, e.arch}] = e
	}
	given := map[key]entry{}
	for _, e := range fresh {
		k := key{e.name, e.version, e.arch}
		if prev, ok := given[k]; ok && prev.sha256 != e.sha256 {
			return nil, nil, nil, fmt.Errorf("%s and %s: two different files of %s %s (%s)", prev.src, e.src, e.name, e.version, e.arch)
		}
		given[k] = e
		prev, ok := all[k]
		switch {
		case !ok:
			added = append(added, e.id())
			all[k] = e
		case prev.sha256 != e.sha256:
			return nil, nil, nil, fmt.Errorf("%s %s (%s) is already published with other bytes (sha256 %s; %s has %s): published packages never change, so a rebuilt package needs a new version", e.name, e.version, e.arch, prev.sha256, e.src, e.sha256)
		}
	}
	for _, e := range all {
		entries = append(entries, e)
	}
	slices.SortFunc(entries, func(a, b entry) int {
		if c := strings.Compare(a.name, b.name); c != 0 {
			return c
		}
		if c := compareVersions(b.version, a.version); c != 0 {
			return c // newest first, for the cut below
		}
		if c := strings.Compare(a.version, b.version); c != 0 {
			return c
		}
		return strings.Compare(a.arch, b.arch)
	})
	var kept []entry
	versions := map[string][]string{}
	for _, e := range entries {
		vs := versions[e.name]
		if !slices.Contains(vs, e.version) {
			vs = append(vs, e.version)
			versions[e.name] = vs
		}
		if len(vs) > keep {
			dropped = append(dropped, e.id())
			continue
		}
		kept = append(kept, e)
	}
	// Oldest version first, as dpkg-scanpackages and apt-ftparchive write them.
	slices.Reverse(kept)
	slices.SortStableFunc(kept, func(a, b entry) int { return strings.Compare(a.name, b.name) })
	slices.Sort(added)
	slices.Sort(dropped)
	return kept, added, dropped, nil
}

// metadata makes every metadata file of the repository.
func metadata(entries []entry, opt Options, date time.Time) ([]repo.File, error) {
	var idx bytes.Buffer
	for i, e := range entries {
		if i > 0 {
			idx.WriteByte('\n')
		}
		s := append(slices.Clone(e.fields),
			field{"Filename", e.filename},
			field{"Size", strconv.FormatInt(e.size, 10)},
			field{"SHA256", e.sha256})
		s.write(&idx)
	}
	plain := idx.Bytes()
	gz, err := gzipBytes(plain)
	if err != nil {
		return nil, err
	}
	xzb, err := xzBytes(plain)
	if err != nil {
		return nil, err
	}

	base := path.Join("dists", opt.Suite)
	bin := path.Join(opt.Component, "binary-all")
	var files []repo.File
	var sums bytes.Buffer
	for _, ix := range []struct {
		name string
		data []byte
	}{{"Packages", plain}, {"Packages.gz", gz}, {"Packages.xz", xzb}} {
		sum := sha256.Sum256(ix.data)
		hexSum := hex.EncodeToString(sum[:])
		files = append(files,
			repo.File{Path: path.Join(base, bin, ix.name), Data: ix.data},
			repo.File{Path: path.Join(base, bin, "by-hash", "SHA256", hexSum), Data: ix.data})
		fmt.Fprintf(&sums, " %s %d %s\n", hexSum, len(ix.data), path.Join(bin, ix.name))
	}

	var rel bytes.Buffer
	fmt.Fprintf(&rel, "Origin: %s\nLabel: %s\nSuite: %s\nCodename: %s\n", opt.Origin, opt.Label, opt.Suite, opt.Codename)
	fmt.Fprintf(&rel, "Date: %s\n", date.UTC().Format(dateFormat))
	if opt.ValidFor > 0 {
		fmt.Fprintf(&rel, "Valid-Until: %s\n", date.Add(opt.ValidFor).UTC().Format(dateFormat))
	}
	// Every package is Architecture: all, and apt reads binary-all on any machine when the
	// Release lists "all" (without looking for an index of its own: bookworm's apt 2.6
	// prints nothing; the e2e test checks).
	fmt.Fprintf(&rel, "Architectures: all\nComponents: %s\n", opt.Component)
	rel.WriteString("Description: MediaWiki editions built by mwedition\nAcquire-By-Hash: yes\nSHA256:\n")
	rel.Write(sums.Bytes())
	release := rel.Bytes()

	inRelease, err := opt.Signer.Clearsign(release, date)
	if err != nil {
		return nil, err
	}
	detached, err := opt.Signer.DetachArmored(bytes.NewReader(release), date)
	if err != nil {
		return nil, err
	}
	key, err := opt.Signer.ArmoredPublicKey()
	if err != nil {
		return nil, err
	}
	files = append(files,
		repo.File{Path: path.Join(base, "Release"), Data: release},
		repo.File{Path: path.Join(base, "InRelease"), Data: inRelease},
		repo.File{Path: path.Join(base, "Release.gpg"), Data: detached},
		repo.File{Path: opt.KeyFile, Data: key},
	)
	return files, nil
}

// dateFormat is the Release files' date form (RFC 2822, in UTC), as apt-ftparchive writes it.
const dateFormat = "Mon, 02 Jan 2006 15:04:05 UTC"

func releaseDate(release []byte) (time.Time, error) {
	st, err := parseStanzas(release)
	if err != nil || len(st) == 0 {
		return time.Time{}, fmt.Errorf("not a Release file: %v", err)
	}
	return time.Parse(dateFormat, st[0].get("Date"))
}

// gzipBytes compresses b with no name and no time in the header, and checks the result
// decompresses to b (a compressor bug must not reach users).
func gzipBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w, err := tarfile.GzipBestUnix.NewWriter(&out) // as gzip -9n
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	r, err := gzip.NewReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		return nil, err
	}
	return out.Bytes(), roundTrip(r, b, "gzip")
}

func xzBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	w, err := xz.NewWriter(&out)
	if err != nil {
		return nil, err
	}
	if _, err := w.Write(b); err != nil {
		return nil, err
	}
	if err := w.Close(); err != nil {
		return nil, err
	}
	r, err := xz.NewReader(bytes.NewReader(out.Bytes()))
	if err != nil {
		return nil, err
	}
	return out.Bytes(), roundTrip(r, b, "xz")
}

func roundTrip(r io.Reader, want []byte, what string) error {
	got, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("%s: reading back the compressed index: %w", what, err)
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("%s: the compressed index does not decompress to the index", what)
	}
	return nil
}

// SourceLine is the one-line sources.list entry for the repository at uri, whose key file
// the user saved at keyPath.
func SourceLine(uri, keyPath, suite, component string) string {
	return fmt.Sprintf("deb [signed-by=%s] %s %s %s", keyPath, uri, orDefault(suite, DefaultSuite), orDefault(component, DefaultComponent))
}
