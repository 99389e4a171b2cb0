// Package cache is mwedition's content-addressed store on disk. Everything in it is named by
// what it holds, and everything is written under a temporary name and renamed into place, so
// a crash or a refused input never leaves a half-written entry behind:
//
//	blobs/sha256/<hex>   downloaded files (release tarballs, signatures), by SHA-256
//	urls/<hex>           which blob a URL gave (for signatures, which are not pinned by hash)
//	src/<id>/            unpacked sources: tarball-<sha256>, git-<commit>, dir-<tree digest>
//	git/<hex>.git        bare mirrors of git remotes
//	trees/<hex>.tree     normalised tree listings, by tree digest
//	stamps/<hex>.json    each file of a dir source, stamp and digest, by the dir's tree digest:
//	                     checking a dir against its lock reads only the files that changed
//	actions/             the build graph's record of finished actions
//	builds/              one record per build: the actions and entries it used (gc keeps them)
//	tmp/                 work in progress; safe to delete when nothing runs
//	lock                 shared by every process using the store, exclusive while gc runs
//
// A Store remembers which entries it was asked about or gave out (Used), so that a build
// can record what it needs and `mwedition cache gc` can keep exactly that.
package cache

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"

	"github.com/mwedition/mwedition/internal/fstree"
)

// Store is a cache directory.
type Store struct {
	root string
	mu   sync.Mutex
	// trees memoises decoded listings: they are immutable and named by digest, and an
	// edition reads every member's tree.
	trees map[string]fstree.Tree

	usedMu sync.Mutex
	used   map[string]bool // top-level entries used since Open, by store-relative name
	lockf  *os.File        // the lock file while Share or an exclusive lock holds it
}

// Open opens (creating if needed) the store at root.
func Open(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"blobs/sha256", "urls", "src", "git", "trees", "actions", "builds", "tmp"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o755); err != nil {
			return nil, fmt.Errorf("opening cache %s: %w", abs, err)
		}
	}
	return &Store{root: abs, trees: map[string]fstree.Tree{}, used: map[string]bool{}}, nil
}

// Root is the store's absolute path.
func (s *Store) Root() string { return s.root }

// Path turns a store-relative slash path (such as a tree entry's Src) into a host path.
// The entry it lies in counts as used.
func (s *Store) Path(rel string) string {
	s.use(EntryOf(rel))
	return filepath.Join(s.root, filepath.FromSlash(rel))
}

// use remembers that the entry name (as EntryOf gives it) was used; "" is ignored.
func (s *Store) use(name string) {
	if name == "" {
		return
	}
	s.usedMu.Lock()
	s.used[name] = true
	s.usedMu.Unlock()
}

// Used returns the store-relative names of the entries (blobs/sha256/<hex>, src/<id>,
// trees/<hex>.tree, git/<hex>.git, urls/<hex>) this Store was asked about and found, wrote,
// or gave a path inside, sorted: what a build that used this Store needs again.
func (s *Store) Used() []string {
	s.usedMu.Lock()
	defer s.usedMu.Unlock()
	out := make([]string, 0, len(s.used))
	for n := range s.used {
		out = append(out, n)
	}
	slices.Sort(out)
	return out
}

// EntryOf names the entry a store-relative path lies in: "blobs/sha256/<hex>" for a blob,
// "src/<id>" for anything inside an unpacked source, and so on; "" for a path in no entry
// (tmp/, the store's own directories).
func EntryOf(rel string) string {
	parts := strings.SplitN(rel, "/", 4)
	switch {
	case len(parts) >= 3 && parts[0] == "blobs" && parts[1] == "sha256" && parts[2] != "":
		return strings.Join(parts[:3], "/")
	case len(parts) >= 3 && parts[0] == "actions" && parts[2] != "":
		return strings.Join(parts[:3], "/")
	case len(parts) >= 2 && parts[1] != "" && slices.Contains(entryAreas, parts[0]):
		return parts[0] + "/" + parts[1]
	}
	return ""
}

// entryAreas are the directories whose children are entries in their own right.
var entryAreas = []string{"src", "git", "trees", "urls"}

// ActionsDir is where the build graph keeps its records.
func (s *Store) ActionsDir() string { return filepath.Join(s.root, "actions") }

// TempDir is where work in progress goes: on the store's file system, so a finished file
// is renamed into place, and not in memory as a tmpfs /tmp would hold it.
func (s *Store) TempDir() string { return filepath.Join(s.root, "tmp") }

// GitDir is the bare mirror for a remote URL.
func (s *Store) GitDir(url string) string {
	s.use(GitRel(url))
	return filepath.Join(s.root, filepath.FromSlash(GitRel(url)))
}

// GitRel is the store-relative name of the bare mirror for a remote URL.
func GitRel(url string) string { return "git/" + hashString(url)[:24] + ".git" }

// URLRel is the store-relative name of the record of which blob a URL gave.
func URLRel(url string) string { return "urls/" + hashString(url) }

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// BlobRel is the store-relative path of the blob with the given SHA-256.
func BlobRel(sha string) string { return "blobs/sha256/" + sha }

// HasBlob reports whether the blob is present.
func (s *Store) HasBlob(sha string) bool {
	if !hexDigest.MatchString(sha) {
		return false
	}
	_, err := os.Stat(filepath.Join(s.root, "blobs", "sha256", sha))
	if err == nil {
		s.use(BlobRel(sha))
	}
	return err == nil
}

// ShaMismatchError says that bytes did not hash to what was expected.
type ShaMismatchError struct{ Want, Got string }

func (e *ShaMismatchError) Error() string {
	return fmt.Sprintf("sha256 is %s, expected %s", e.Got, e.Want)
}

// AddBlob streams r into the store, hashing as it writes. If want is not empty the bytes
// must hash to it, or nothing is kept. It returns the SHA-256 and size.
func (s *Store) AddBlob(r io.Reader, want string) (string, int64, error) {
	tmp, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "blob-*")
	if err != nil {
		return "", 0, err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), r)
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", n, err
	}
	got := hex.EncodeToString(h.Sum(nil))
	if want != "" && got != want {
		return got, n, &ShaMismatchError{Want: want, Got: got}
	}
	if err := os.Chmod(tmp.Name(), 0o444); err != nil {
		return "", n, err
	}
	if err := os.Rename(tmp.Name(), s.Path(BlobRel(got))); err != nil {
		return "", n, err
	}
	return got, n, nil
}

// URLBlob returns the blob a URL was recorded to give.
func (s *Store) URLBlob(url string) (string, bool) {
	b, err := os.ReadFile(s.hostPath(URLRel(url)))
	if err != nil {
		return "", false
	}
	sha := strings.TrimSpace(string(b))
	if !s.HasBlob(sha) {
		return "", false
	}
	s.use(URLRel(url))
	return sha, true
}

// SetURLBlob records that url gives the blob sha.
func (s *Store) SetURLBlob(url, sha string) error {
	if !s.HasBlob(sha) {
		return fmt.Errorf("no blob %s in the cache", sha)
	}
	return s.writeFile(s.Path(URLRel(url)), []byte(sha+"\n"))
}

var srcID = regexp.MustCompile(`^(tarball|git|dir)-[0-9a-f]{40,64}$`)

// SrcRel is the store-relative path of an unpacked source.
func SrcRel(id string) string { return "src/" + id }

// HasSrc reports whether the unpacked source id is complete in the store.
func (s *Store) HasSrc(id string) bool {
	fi, err := os.Stat(filepath.Join(s.root, "src", id))
	if err == nil && fi.IsDir() {
		s.use(SrcRel(id))
		return true
	}
	return false
}

// PutSrc creates the unpacked source id by calling fill on an empty temporary directory,
// and moves it into place only if fill succeeds. A failed fill leaves nothing behind.
func (s *Store) PutSrc(id string, fill func(dir string) error) error {
	if !srcID.MatchString(id) {
		return fmt.Errorf("invalid source id %q", id)
	}
	tmp, err := os.MkdirTemp(filepath.Join(s.root, "tmp"), "src-*")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	dir := filepath.Join(tmp, "d")
	if err := os.Mkdir(dir, 0o755); err != nil {
		return err
	}
	if err := fill(dir); err != nil {
		return err
	}
	if err := os.Rename(dir, s.Path(SrcRel(id))); err != nil {
		if s.HasSrc(id) {
			return nil // another process finished the same source first
		}
		return err
	}
	return nil
}

// SrcRoot is where a source's files start: an archive holding a single top-level directory
// (as release tarballs do) is entered.
func (s *Store) SrcRoot(id string) (rel string, err error) {
	rel = SrcRel(id)
	ents, err := os.ReadDir(s.Path(rel))
	if err != nil {
		return "", err
	}
	if len(ents) == 1 && ents[0].IsDir() {
		return rel + "/" + ents[0].Name(), nil
	}
	return rel, nil
}

// TreeRel is the store-relative path of a tree listing.
func TreeRel(digest string) string {
	return "trees/" + strings.TrimPrefix(digest, "sha256:") + ".tree"
}

// HasTree reports whether a tree listing is stored.
func (s *Store) HasTree(digest string) bool {
	_, err := os.Stat(filepath.Join(s.root, filepath.FromSlash(TreeRel(digest))))
	if err == nil {
		s.use(TreeRel(digest))
	}
	return err == nil
}

// PutTree stores a tree listing.
func (s *Store) PutTree(t fstree.Tree) error {
	tmp, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "tree-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := t.Encode(tmp); err != nil {
		tmp.Close()
		return fmt.Errorf("storing tree %s: %w", t.Digest(), err)
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), s.Path(TreeRel(t.Digest())))
}

// Tree reads a stored tree listing and checks it.
func (s *Store) Tree(digest string) (fstree.Tree, error) {
	s.mu.Lock()
	t, ok := s.trees[digest]
	s.mu.Unlock()
	if ok {
		s.use(TreeRel(digest))
		return t, nil
	}
	t, err := s.readTree(digest)
	if err != nil {
		return t, err
	}
	s.mu.Lock()
	s.trees[digest] = t
	s.mu.Unlock()
	return t, nil
}

// TreeHeader reads only the header of a stored listing: its entry count and size.
func (s *Store) TreeHeader(digest string) (fstree.Header, error) {
	f, err := os.Open(s.Path(TreeRel(digest)))
	if err != nil {
		return fstree.Header{}, fmt.Errorf("tree %s is not in the cache: %w", digest, err)
	}
	defer f.Close()
	h, err := fstree.ReadHeader(f)
	if err == nil && h.Digest != digest {
		err = fmt.Errorf("tree %s: the cache holds %s under that name", digest, h.Digest)
	}
	return h, err
}

func (s *Store) readTree(digest string) (fstree.Tree, error) {
	f, err := os.Open(s.Path(TreeRel(digest)))
	if err != nil {
		return fstree.Tree{}, fmt.Errorf("tree %s is not in the cache: %w", digest, err)
	}
	defer f.Close()
	t, err := fstree.Decode(f)
	if err != nil {
		return fstree.Tree{}, fmt.Errorf("tree %s: %w", digest, err)
	}
	if t.Digest() != digest {
		return fstree.Tree{}, fmt.Errorf("tree %s: the cache holds %s under that name", digest, t.Digest())
	}
	return t, nil
}

// PutBytes stores small generated content as a blob and returns its SHA-256.
func (s *Store) PutBytes(b []byte) (string, error) {
	sum := sha256.Sum256(b)
	sha := hex.EncodeToString(sum[:])
	if s.HasBlob(sha) {
		return sha, nil
	}
	got, _, err := s.AddBlob(strings.NewReader(string(b)), sha)
	return got, err
}

func (s *Store) writeFile(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Join(s.root, "tmp"), "file-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	// Readable by everyone, like the blobs: a cache may be shared by a team's builds.
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// StampsRel is the store-relative path of the stamps of the dir source with tree digest.
func StampsRel(digest string) string {
	return "stamps/" + strings.TrimPrefix(digest, "sha256:") + ".json"
}

// Stamps returns the stamps recorded for the dir source whose tree has digest: every file
// of it, by path, with its digest and the stamp it had when read. ok is false when none
// are recorded, or the record cannot be read (then every file is read again).
func (s *Store) Stamps(digest string) (map[string]fstree.Hashed, bool) {
	if !strings.HasPrefix(digest, "sha256:") || !hexDigest.MatchString(strings.TrimPrefix(digest, "sha256:")) {
		return nil, false
	}
	b, err := os.ReadFile(s.Path(StampsRel(digest)))
	if err != nil {
		return nil, false
	}
	var m map[string]fstree.Hashed
	if json.Unmarshal(b, &m) != nil {
		return nil, false
	}
	return m, true
}

// PutStamps records the stamps of the dir source whose tree has digest.
func (s *Store) PutStamps(digest string, m map[string]fstree.Hashed) error {
	if !strings.HasPrefix(digest, "sha256:") || !hexDigest.MatchString(strings.TrimPrefix(digest, "sha256:")) {
		return fmt.Errorf("stamps: %q is not a tree digest", digest)
	}
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encoding the stamps of %s: %w", digest, err)
	}
	if err := os.MkdirAll(s.Path("stamps"), 0o755); err != nil {
		return err
	}
	return s.writeFile(s.Path(StampsRel(digest)), b)
}

func hashString(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
