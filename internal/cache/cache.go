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
//	tmp/                 work in progress; safe to delete when nothing runs
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
}

// Open opens (creating if needed) the store at root.
func Open(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	for _, d := range []string{"blobs/sha256", "urls", "src", "git", "trees", "actions", "tmp"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o755); err != nil {
			return nil, fmt.Errorf("opening cache %s: %w", abs, err)
		}
	}
	return &Store{root: abs, trees: map[string]fstree.Tree{}}, nil
}

// Root is the store's absolute path.
func (s *Store) Root() string { return s.root }

// Path turns a store-relative slash path (such as a tree entry's Src) into a host path.
func (s *Store) Path(rel string) string { return filepath.Join(s.root, filepath.FromSlash(rel)) }

// ActionsDir is where the build graph keeps its records.
func (s *Store) ActionsDir() string { return filepath.Join(s.root, "actions") }

// TempDir is where work in progress goes: on the store's file system, so a finished file
// is renamed into place, and not in memory as a tmpfs /tmp would hold it.
func (s *Store) TempDir() string { return filepath.Join(s.root, "tmp") }

// GitDir is the bare mirror for a remote URL.
func (s *Store) GitDir(url string) string {
	return filepath.Join(s.root, "git", hashString(url)[:24]+".git")
}

var hexDigest = regexp.MustCompile(`^[0-9a-f]{64}$`)

// BlobRel is the store-relative path of the blob with the given SHA-256.
func BlobRel(sha string) string { return "blobs/sha256/" + sha }

// HasBlob reports whether the blob is present.
func (s *Store) HasBlob(sha string) bool {
	if !hexDigest.MatchString(sha) {
		return false
	}
	_, err := os.Stat(s.Path(BlobRel(sha)))
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
	b, err := os.ReadFile(filepath.Join(s.root, "urls", hashString(url)))
	if err != nil {
		return "", false
	}
	sha := strings.TrimSpace(string(b))
	if !s.HasBlob(sha) {
		return "", false
	}
	return sha, true
}

// SetURLBlob records that url gives the blob sha.
func (s *Store) SetURLBlob(url, sha string) error {
	if !s.HasBlob(sha) {
		return fmt.Errorf("no blob %s in the cache", sha)
	}
	return s.writeFile(filepath.Join(s.root, "urls", hashString(url)), []byte(sha+"\n"))
}

var srcID = regexp.MustCompile(`^(tarball|git|dir)-[0-9a-f]{40,64}$`)

// SrcRel is the store-relative path of an unpacked source.
func SrcRel(id string) string { return "src/" + id }

// HasSrc reports whether the unpacked source id is complete in the store.
func (s *Store) HasSrc(id string) bool {
	fi, err := os.Stat(s.Path(SrcRel(id)))
	return err == nil && fi.IsDir()
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
	_, err := os.Stat(s.Path(TreeRel(digest)))
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
