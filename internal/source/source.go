// Package source brings component sources into the content-addressed cache and is the only
// package that touches the network: it downloads release tarballs and zip dists (with
// retries), checks their SHA-256 and detached OpenPGP signatures, mirrors git remotes, and
// unpacks everything through the safe extractor, so a source is either complete and
// verified in the cache or not there at all. Every error names the component and the
// source it came from.
package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/archive"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/spec"
)

// Fetcher gets sources into a Store. Its fields are inputs the CLI decides: nothing here
// reads the clock or the environment by itself.
type Fetcher struct {
	Store   *cache.Store
	Root    string           // project root: keyrings and dir sources are relative to it
	Offline bool             // never use the network; only what the cache holds
	Client  *http.Client     // nil: http.DefaultClient
	Now     func() time.Time // judges key expiry in signature checks
	GitEnv  []string         // environment for git; nil: git's own
	Retries int              // attempts per download; 0 means 4
	Backoff time.Duration    // first pause between attempts, doubled each time; 0 means 1s
	Limits  archive.Limits   // unpacking caps; zero means archive.DefaultLimits()
}

// Error is a failure to get one component's source.
type Error struct {
	Component string // "core/mediawiki"
	Source    string // URL or path
	Err       error
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: source %s: %v", e.Component, e.Source, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrOffline is in the chain when something had to be downloaded in offline mode.
var ErrOffline = errors.New("not in the cache, and --offline forbids downloading it")

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// ID is the cache identity of a locked source: tarball-<sha256>, git-<commit>, dir-<digest>.
// The pins come from the lock file, which people edit, so they are checked: an ID names a
// directory inside the store and nothing else.
func ID(s lock.Source) (string, error) {
	switch s.Kind {
	case spec.Tarball:
		if !sha256Hex.MatchString(s.SHA256) {
			return "", fmt.Errorf("locked sha256 %q is not a SHA-256 digest (64 lowercase hexadecimal digits); run `mwedition lock`", s.SHA256)
		}
		return "tarball-" + s.SHA256, nil
	case spec.Git:
		if !commitHex.MatchString(s.Commit) {
			return "", fmt.Errorf("locked commit %q is not a full commit id; run `mwedition lock`", s.Commit)
		}
		return "git-" + s.Commit, nil
	case spec.Dir:
		d, ok := strings.CutPrefix(s.SHA256, "sha256:")
		if !ok || !sha256Hex.MatchString(d) {
			return "", fmt.Errorf("locked digest %q is not a tree digest (sha256:<64 hexadecimal digits>); run `mwedition lock`", s.SHA256)
		}
		return "dir-" + d, nil
	}
	return "", fmt.Errorf("a %s source has no cache identity of its own", s.Kind)
}

// Materialize makes sure the locked source is unpacked in the store and returns its ID.
// rec is the recipe's source block (for signatures and the git ref to fetch).
func (f *Fetcher) Materialize(ctx context.Context, component string, rec spec.Source, s lock.Source) (string, error) {
	id, err := ID(s)
	if err != nil {
		return "", &Error{component, s.URL + s.Path, err}
	}
	if f.Store.HasSrc(id) {
		return id, nil
	}
	switch s.Kind {
	case spec.Tarball:
		// The blob is fetched and checked by the recipe's pin but stored under the lock's:
		// they must agree, or src/ would hold one tarball under another's name.
		if rec.SHA256 != s.SHA256 {
			return id, &Error{component, rec.URL, fmt.Errorf("the recipe pins sha256 %s but the lock pins %s; run `mwedition lock`", rec.SHA256, s.SHA256)}
		}
		err = f.tarball(ctx, component, rec, id)
	case spec.Git:
		err = f.git(ctx, component, rec, s, id)
	case spec.Dir:
		err = f.dir(ctx, component, rec, s, id)
	}
	return id, err
}

func (f *Fetcher) tarball(ctx context.Context, component string, rec spec.Source, id string) error {
	fail := func(err error) error { return &Error{component, rec.URL, err} }
	if err := f.EnsureBlob(ctx, component, rec.URL, rec.SHA256); err != nil {
		return err
	}
	blob := f.Store.Path(cache.BlobRel(rec.SHA256))
	if rec.Signature != "" {
		if err := f.verify(ctx, component, rec, blob); err != nil {
			return err
		}
	}
	in, err := os.Open(blob)
	if err != nil {
		return fail(err)
	}
	defer in.Close()
	// Composer dists are zip archives, fetched and pinned like any tarball.
	head := make([]byte, 4)
	n, err := in.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return fail(err)
	}
	if archive.IsZip(head[:n]) {
		return f.Store.PutSrc(id, func(dir string) error { return f.unzip(in, dir, rec.SHA256, blob, fail) })
	}
	return f.Store.PutSrc(id, func(dir string) error {
		// The cache names blobs by hash but a disk can rot: hash while unpacking, and keep
		// nothing unless the bytes are still the pinned ones.
		h := sha256.New()
		if _, err := archive.Extract(io.TeeReader(in, h), dir, f.limits()); err != nil {
			return fail(fmt.Errorf("unpacking: %w", err))
		}
		if _, err := io.Copy(h, in); err != nil {
			return fail(err)
		}
		return checkCached(h, rec.SHA256, blob, fail)
	})
}

// unzip unpacks the zip blob in into dir. A zip is read by random access, so it cannot be
// hashed while it is unpacked: hash it first, and parse nothing that is not the pinned bytes.
func (f *Fetcher) unzip(in *os.File, dir, sha, blob string, fail func(error) error) error {
	fi, err := in.Stat()
	if err != nil {
		return fail(err)
	}
	// Both the hash and the extractor see exactly the first size bytes.
	size := fi.Size()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(in, 0, size)); err != nil {
		return fail(err)
	}
	if err := checkCached(h, sha, blob, fail); err != nil {
		return err
	}
	if _, err := archive.ExtractZip(in, size, dir, f.limits()); err != nil {
		return fail(fmt.Errorf("unpacking: %w", err))
	}
	return nil
}

// checkCached checks that the cached blob's bytes, hashed into h, are still the pinned sha.
func checkCached(h hash.Hash, sha, blob string, fail func(error) error) error {
	if got := hex.EncodeToString(h.Sum(nil)); got != sha {
		return fail(fmt.Errorf("the cached copy has sha256 %s, not the pinned %s: the cache is corrupt; delete %s and fetch again", got, sha, blob))
	}
	return nil
}

func (f *Fetcher) limits() archive.Limits {
	if f.Limits == (archive.Limits{}) {
		return archive.DefaultLimits()
	}
	return f.Limits
}

// EnsureBlob makes sure the blob with sha256 is in the store, downloading it from rawURL if
// allowed. A download that hashes to anything else is discarded.
func (f *Fetcher) EnsureBlob(ctx context.Context, component, rawURL, sha string) error {
	if f.Store.HasBlob(sha) {
		return nil
	}
	if f.Offline {
		return &Error{component, rawURL, fmt.Errorf("sha256 %s %w; run `mwedition fetch` with network access, or add a copy you obtained elsewhere with `mwedition cache add FILE`", sha, ErrOffline)}
	}
	_, err := f.download(ctx, rawURL, sha)
	if err != nil {
		var mm *cache.ShaMismatchError
		if errors.As(err, &mm) {
			pinned := "the recipe pins"
			if strings.HasPrefix(component, string(spec.LibraryKind)+"/") {
				pinned = lock.FileName + " pins" // a composer library's archive: the lock chose it
			}
			err = fmt.Errorf("downloaded file has sha256 %s, but %s %s: the file is corrupt or was replaced upstream; nothing was kept or unpacked", mm.Got, pinned, mm.Want)
		}
		return &Error{component, rawURL, err}
	}
	return nil
}

// Download fetches rawURL into the store whatever its digest and returns its sha256: for a
// caller that learns a pin from the bytes, as `mwedition init` does for a new release, and
// checks them some other way (a signature). Nothing records the URL as giving that blob.
func (f *Fetcher) Download(ctx context.Context, rawURL string) (string, error) {
	if f.Offline {
		return "", fmt.Errorf("%s %w", rawURL, ErrOffline)
	}
	sha, err := f.download(ctx, rawURL, "")
	if err != nil {
		return "", fmt.Errorf("downloading %s: %w", rawURL, err)
	}
	return sha, nil
}

// VerifyTarball checks a tarball source afresh, whatever the cache already unpacked: its
// blob has the recipe's sha256 (downloaded if need be) and, when the recipe names a
// signature, the signature verifies with the recipe's keyring. It is for a caller about to
// pin a source it has not pinned before (mwedition bump).
func (f *Fetcher) VerifyTarball(ctx context.Context, component string, rec spec.Source) error {
	if err := f.EnsureBlob(ctx, component, rec.URL, rec.SHA256); err != nil {
		return err
	}
	if rec.Signature == "" {
		return nil
	}
	return f.verify(ctx, component, rec, f.Store.Path(cache.BlobRel(rec.SHA256)))
}

// verify checks the detached signature of a tarball blob against the recipe's keyring.
func (f *Fetcher) verify(ctx context.Context, component string, rec spec.Source, blob string) error {
	fail := func(err error) error { return &Error{component, rec.URL, err} }
	sigSha, recorded := f.Store.URLBlob(rec.Signature)
	if !recorded {
		if f.Offline {
			return fail(fmt.Errorf("signature %s %w; add it with `mwedition cache add --url %s FILE`", rec.Signature, ErrOffline, rec.Signature))
		}
		var err error
		if sigSha, err = f.download(ctx, rec.Signature, ""); err != nil {
			return &Error{component, rec.Signature, err}
		}
	}
	sig, err := os.ReadFile(f.Store.Path(cache.BlobRel(sigSha)))
	if err != nil {
		return fail(err)
	}
	kf, err := os.Open(filepath.Join(f.Root, filepath.FromSlash(rec.KeyFile)))
	if err != nil {
		return fail(fmt.Errorf("keyring: %w", err))
	}
	defer kf.Close()
	kr, err := signature.ReadKeyring(kf)
	if err != nil {
		return fail(fmt.Errorf("keyring %s: %w", rec.KeyFile, err))
	}
	data, err := os.Open(blob)
	if err != nil {
		return fail(err)
	}
	defer data.Close()
	now := time.Unix(0, 0)
	if f.Now != nil {
		now = f.Now()
	}
	if _, err := signature.VerifyDetached(kr, data, sig, now); err != nil {
		return fail(fmt.Errorf("signature %s does not verify with keyring %s: %w; nothing was unpacked", rec.Signature, rec.KeyFile, err))
	}
	// Only a signature that verified is remembered as what its URL gives; a bad download
	// (an error page, a file replaced upstream) is fetched afresh next time.
	if !recorded {
		if err := f.Store.SetURLBlob(rec.Signature, sigSha); err != nil {
			return fail(err)
		}
	}
	return nil
}

// download fetches rawURL into the store, retrying transient failures with backoff.
func (f *Fetcher) download(ctx context.Context, rawURL, sha string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", err
	}
	if u.Scheme == "file" {
		in, err := os.Open(u.Path)
		if err != nil {
			return "", err
		}
		defer in.Close()
		got, _, err := f.Store.AddBlob(in, sha)
		return got, err
	}
	attempts := f.Retries
	if attempts <= 0 {
		attempts = 4
	}
	pause := f.Backoff
	if pause <= 0 {
		pause = time.Second
	}
	var last error
	for i := 0; i < attempts; i++ {
		if i > 0 {
			select {
			case <-ctx.Done():
				return "", ctx.Err()
			case <-time.After(pause):
			}
			pause *= 2
		}
		got, retry, err := f.get(ctx, rawURL, sha)
		if err == nil {
			return got, nil
		}
		last = err
		if !retry {
			return "", err
		}
	}
	return "", fmt.Errorf("giving up after %d attempts: %w", attempts, last)
}

// get makes one attempt; retry says whether the failure may be transient.
func (f *Fetcher) get(ctx context.Context, rawURL, sha string) (string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return "", false, err
	}
	c := f.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return "", ctx.Err() == nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
		transient := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusRequestTimeout
		return "", transient, fmt.Errorf("HTTP %s", resp.Status)
	}
	got, _, err := f.Store.AddBlob(resp.Body, sha)
	if err != nil {
		var mm *cache.ShaMismatchError
		// A body cut short surfaces as a read error and is worth another try; a complete
		// body with the wrong hash is not.
		return "", !errors.As(err, &mm) && ctx.Err() == nil, err
	}
	return got, false, nil
}

var commitHex = regexp.MustCompile(`^[0-9a-f]{40}([0-9a-f]{24})?$`)

// ResolveGit fetches ref from the remote into the mirror and returns the full commit it names.
func (f *Fetcher) ResolveGit(ctx context.Context, component string, rec spec.Source) (string, error) {
	fail := func(err error) error { return &Error{component, rec.URL, err} }
	if f.Offline {
		return "", fail(fmt.Errorf("resolving ref %q %w", rec.Ref, ErrOffline))
	}
	mirror, err := f.mirror(ctx, rec.URL)
	if err != nil {
		return "", fail(err)
	}
	if _, err := f.runGit(ctx, mirror, "fetch", "--quiet", "--no-tags", "--", rec.URL, rec.Ref); err != nil {
		return "", fail(fmt.Errorf("fetching ref %q: %w", rec.Ref, err))
	}
	out, err := f.runGit(ctx, mirror, "rev-parse", "--verify", "--quiet", "FETCH_HEAD^{commit}")
	if err != nil {
		return "", fail(fmt.Errorf("ref %q does not name a commit: %w", rec.Ref, err))
	}
	commit := strings.TrimSpace(out)
	if !commitHex.MatchString(commit) {
		return "", fail(fmt.Errorf("git answered %q for ref %q", commit, rec.Ref))
	}
	return commit, nil
}

// CommitTime returns the committer time of a commit already in the mirror.
func (f *Fetcher) CommitTime(ctx context.Context, rawURL, commit string) (int64, error) {
	out, err := f.runGit(ctx, f.Store.GitDir(rawURL), "show", "-s", "--format=%ct", commit)
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(strings.TrimSpace(out), 10, 64)
}

// mirror returns the bare mirror of a remote, creating it (atomically) the first time.
func (f *Fetcher) mirror(ctx context.Context, rawURL string) (string, error) {
	dir := f.Store.GitDir(rawURL)
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		return dir, nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".mirror-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	if _, err := f.runGit(ctx, tmp, "init", "--quiet", "--bare"); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process may have made it first; that mirror is as good as ours.
		if _, serr := os.Stat(filepath.Join(dir, "HEAD")); serr != nil {
			return "", err
		}
	}
	return dir, nil
}

func (f *Fetcher) git(ctx context.Context, component string, rec spec.Source, s lock.Source, id string) error {
	fail := func(err error) error { return &Error{component, rec.URL, err} }
	if !commitHex.MatchString(s.Commit) {
		return fail(fmt.Errorf("locked commit %q is not a full commit id; run mwedition lock", s.Commit))
	}
	mirror, err := f.mirror(ctx, rec.URL)
	if err != nil {
		return fail(err)
	}
	has := func() bool {
		_, err := f.runGit(ctx, mirror, "cat-file", "-e", s.Commit+"^{commit}")
		return err == nil
	}
	if !has() {
		if f.Offline {
			return fail(fmt.Errorf("commit %s %w", s.Commit, ErrOffline))
		}
		// The ref usually still contains the pinned commit; fetching the commit itself
		// works where the server allows it.
		if _, err := f.runGit(ctx, mirror, "fetch", "--quiet", "--no-tags", "--", rec.URL, rec.Ref); err != nil {
			return fail(fmt.Errorf("fetching ref %q: %w", rec.Ref, err))
		}
		if !has() {
			f.runGit(ctx, mirror, "fetch", "--quiet", "--no-tags", "--", rec.URL, s.Commit)
		}
		if !has() {
			return fail(fmt.Errorf("locked commit %s is not reachable from ref %q any more (was the branch rewritten?); run `mwedition lock --update` for this component", s.Commit, rec.Ref))
		}
	}
	return f.Store.PutSrc(id, func(dir string) error {
		cmd := f.gitCmd(ctx, mirror, "archive", "--format=tar", s.Commit)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.StdoutPipe()
		if err != nil {
			return fail(err)
		}
		if err := cmd.Start(); err != nil {
			return fail(fmt.Errorf("running git: %w", err))
		}
		_, xerr := archive.Extract(out, dir, f.limits())
		io.Copy(io.Discard, out)
		werr := cmd.Wait()
		if xerr != nil {
			return fail(fmt.Errorf("unpacking commit %s: %w", s.Commit, xerr))
		}
		if werr != nil {
			return fail(fmt.Errorf("git archive %s: %v: %s", s.Commit, werr, strings.TrimSpace(stderr.String())))
		}
		return nil
	})
}

func (f *Fetcher) gitCmd(ctx context.Context, dir string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	if f.GitEnv != nil {
		cmd.Env = append(append([]string(nil), f.GitEnv...), "GIT_TERMINAL_PROMPT=0", "LC_ALL=C")
	}
	return cmd
}

func (f *Fetcher) runGit(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := f.gitCmd(ctx, dir, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return "", fmt.Errorf("git %s: %w", args[0], err)
		}
		return "", fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.String(), nil
}

// DirScan says what reading a dir source took, and how it differs from a locked tree.
type DirScan struct {
	Files int // regular files in it
	Read  int // files whose contents were read: the others' stamps were as recorded
	// Recorded says whether the files of the tree compared against were known (their stamps
	// were in the cache); only then do Modified, Added and Removed say anything.
	Recorded                 bool
	Modified, Added, Removed []string
}

// racyWindow is how recent a file's modification or change time may be, when the files are
// read, for its stamp to be kept: within it, a write after the read could leave the same
// stamp (coarse file system clocks tick once a second, FAT's every two).
const racyWindow = 3 * time.Second

// ScanDir reads a dir source: its normalised tree (.git left out) and its digest, which
// identifies it in the lock. The cache's record of the tree with digest locked (each
// file's stamp when it was last read) spares reading the files whose stamps did not
// change; what this scan read is recorded in turn, under the digest it found.
func (f *Fetcher) ScanDir(ctx context.Context, component string, rec spec.Source, locked string, jobs int) (fstree.Tree, DirScan, error) {
	dir := filepath.Join(f.Root, filepath.FromSlash(rec.Path))
	known, recorded := f.Store.Stamps(locked)
	var start time.Time
	if f.Now != nil {
		start = f.Now()
	}
	t, info, err := fstree.Scan(ctx, dir, fstree.ScanOptions{Exclude: []string{".git"}, Jobs: jobs, Known: known, Stamps: true})
	if err != nil {
		return t, DirScan{}, &Error{component, rec.Path, err}
	}
	res := DirScan{Files: info.Files, Read: info.Read, Recorded: recorded}
	if recorded && t.Digest() != locked {
		res.Modified, res.Added, res.Removed = changedFiles(known, info.Hashed)
	}
	// Without a clock, recent stamps cannot be told from old ones: none are kept.
	if f.Now != nil && (info.Read > 0 || t.Digest() != locked) {
		cutoff := start.Add(-racyWindow).UnixNano()
		for p, h := range info.Hashed {
			if h.MTime >= cutoff || h.CTime >= cutoff {
				h.Stamp = fstree.Stamp{} // known for naming what changed, never trusted
				info.Hashed[p] = h
			}
		}
		// The record only saves reading next time: a cache that cannot take it costs time,
		// not correctness.
		_ = f.Store.PutStamps(t.Digest(), info.Hashed)
	}
	return t, res, nil
}

// changedFiles compares two sets of file digests by path.
func changedFiles(old, now map[string]fstree.Hashed) (modified, added, removed []string) {
	for p, h := range now {
		o, ok := old[p]
		switch {
		case !ok:
			added = append(added, p)
		case o.Digest != h.Digest:
			modified = append(modified, p)
		}
	}
	for p := range old {
		if _, ok := now[p]; !ok {
			removed = append(removed, p)
		}
	}
	sort.Strings(modified)
	sort.Strings(added)
	sort.Strings(removed)
	return modified, added, removed
}

// dir copies a dir source into the store, so later stages read an immutable snapshot; the
// copy is checked against the locked digest.
func (f *Fetcher) dir(ctx context.Context, component string, rec spec.Source, s lock.Source, id string) error {
	fail := func(err error) error { return &Error{component, rec.Path, err} }
	root := filepath.Join(f.Root, filepath.FromSlash(rec.Path))
	t, _, err := fstree.Scan(ctx, root, fstree.ScanOptions{Exclude: []string{".git"}, Jobs: 2})
	if err != nil {
		return fail(err)
	}
	if t.Digest() != s.SHA256 {
		return fail(fmt.Errorf("directory changed since it was locked (now %s, locked %s); run `mwedition lock`", t.Digest(), s.SHA256))
	}
	return f.Store.PutSrc(id, func(dst string) error {
		for _, e := range t.Entries() {
			to := filepath.Join(dst, filepath.FromSlash(e.Path))
			from := filepath.Join(root, filepath.FromSlash(e.Path))
			var err error
			switch e.Type {
			case fstree.Dir:
				err = os.MkdirAll(to, 0o755)
			case fstree.Symlink:
				err = os.Symlink(e.Target, to)
			case fstree.File:
				err = copyFile(from, to, e.Mode().Perm())
			}
			if err != nil {
				return fail(err)
			}
		}
		return nil
	})
}

func copyFile(from, to string, perm os.FileMode) error {
	fi, err := os.Stat(from)
	if err != nil {
		return err
	}
	if err := fstree.CopyFile(from, to, perm); err != nil {
		return err
	}
	return os.Chtimes(to, fi.ModTime(), fi.ModTime())
}

// ErrNotFound is in the chain when Read finds nothing at a URL: HTTP 404, or no such file.
var ErrNotFound = errors.New("not found")

// maxDocument bounds what Read accepts: repository metadata, not archives.
const maxDocument = 64 << 20

// Read fetches a small document whole, such as a composer repository's packages.json, and
// keeps no copy: metadata changes upstream, and what is chosen from it is pinned in the
// lock by the archive's sha256.
func (f *Fetcher) Read(ctx context.Context, rawURL string) ([]byte, error) {
	if f.Offline {
		return nil, fmt.Errorf("%s %w", rawURL, ErrOffline)
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "file" {
		b, err := os.ReadFile(u.Path)
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", rawURL, errors.Join(ErrNotFound, err))
		}
		return b, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	c := f.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("%s: HTTP %s: %w", rawURL, resp.Status, ErrNotFound)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("%s: HTTP %s", rawURL, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxDocument+1))
	if err == nil && len(b) > maxDocument {
		err = fmt.Errorf("%s: larger than %d bytes", rawURL, maxDocument)
	}
	return b, err
}
