package cache_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/fstree"
)

func open(t *testing.T) *cache.Store {
	t.Helper()
	s, err := cache.Open(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

func checkTmpEmpty(t *testing.T, s *cache.Store) {
	t.Helper()
	if n := names(t, s.Path("tmp")); len(n) != 0 {
		t.Errorf("tmp/ holds %v, want nothing", n)
	}
}

func TestOpen(t *testing.T) {
	s := open(t)
	if !filepath.IsAbs(s.Root()) {
		t.Errorf("Root() = %q, want an absolute path", s.Root())
	}
	want := []string{"actions", "blobs", "builds", "git", "src", "tmp", "trees", "urls"}
	if diff := cmp.Diff(want, names(t, s.Root())); diff != "" {
		t.Errorf("store layout (-want +got):\n%s", diff)
	}
	if got := s.ActionsDir(); got != filepath.Join(s.Root(), "actions") {
		t.Errorf("ActionsDir() = %q", got)
	}
	// Opening again is fine and keeps what is there.
	sha, err := s.PutBytes([]byte("kept"))
	if err != nil {
		t.Fatal(err)
	}
	s2, err := cache.Open(s.Root())
	if err != nil {
		t.Fatal(err)
	}
	if !s2.HasBlob(sha) {
		t.Error("reopening the store lost a blob")
	}
}

// errReader fails after giving some bytes, like a connection that drops.
type errReader struct {
	data []byte
	err  error
}

func (r *errReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

func TestAddBlob(t *testing.T) {
	data := []byte("release tarball bytes\n")
	right := sha(data)
	wrong := sha([]byte("something else"))
	broken := errors.New("connection reset")
	tests := []struct {
		name     string
		r        func() io.Reader
		want     string
		wantSha  string // returned digest
		wantErr  error  // errors.Is target, or nil
		mismatch *cache.ShaMismatchError
		kept     bool
	}{
		{name: "right digest", r: func() io.Reader { return bytes.NewReader(data) }, want: right, wantSha: right, kept: true},
		{name: "no digest given", r: func() io.Reader { return bytes.NewReader(data) }, wantSha: right, kept: true},
		{name: "wrong digest", r: func() io.Reader { return bytes.NewReader(data) }, want: wrong, wantSha: right,
			mismatch: &cache.ShaMismatchError{Want: wrong, Got: right}},
		{name: "reader fails", r: func() io.Reader { return &errReader{data: data[:5], err: broken} }, want: right, wantErr: broken},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			got, n, err := s.AddBlob(tc.r(), tc.want)
			switch {
			case tc.mismatch != nil:
				var mm *cache.ShaMismatchError
				if !errors.As(err, &mm) {
					t.Fatalf("AddBlob error = %v, want a *ShaMismatchError", err)
				}
				if diff := cmp.Diff(tc.mismatch, mm); diff != "" {
					t.Errorf("mismatch (-want +got):\n%s", diff)
				}
				if !strings.Contains(err.Error(), right) || !strings.Contains(err.Error(), wrong) {
					t.Errorf("error %q does not name both digests", err)
				}
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("AddBlob error = %v, want %v", err, tc.wantErr)
				}
			default:
				if err != nil {
					t.Fatalf("AddBlob: %v", err)
				}
				if n != int64(len(data)) {
					t.Errorf("size = %d, want %d", n, len(data))
				}
			}
			if tc.wantSha != "" && got != tc.wantSha {
				t.Errorf("sha = %s, want %s", got, tc.wantSha)
			}
			if s.HasBlob(right) != tc.kept {
				t.Errorf("HasBlob(right) = %v, want %v", s.HasBlob(right), tc.kept)
			}
			if s.HasBlob(wrong) {
				t.Error("HasBlob(wrong) = true")
			}
			checkTmpEmpty(t, s)
			blobs := names(t, s.Path("blobs/sha256"))
			if !tc.kept {
				if len(blobs) != 0 {
					t.Errorf("blobs/sha256 holds %v, want nothing", blobs)
				}
				return
			}
			if diff := cmp.Diff([]string{right}, blobs); diff != "" {
				t.Errorf("blobs (-want +got):\n%s", diff)
			}
			p := s.Path(cache.BlobRel(right))
			b, err := os.ReadFile(p)
			if err != nil || !bytes.Equal(b, data) {
				t.Errorf("blob holds %q, %v; want %q", b, err, data)
			}
			if fi, err := os.Stat(p); err != nil || fi.Mode().Perm() != 0o444 {
				t.Errorf("blob mode = %v, %v; want read-only", fi.Mode(), err)
			}
			// The same bytes again: still one blob.
			if _, _, err := s.AddBlob(bytes.NewReader(data), right); err != nil {
				t.Errorf("adding the blob twice: %v", err)
			}
			checkTmpEmpty(t, s)
		})
	}
}

func TestHasBlobRejectsNonDigests(t *testing.T) {
	s := open(t)
	// A file that is there but whose name is no digest must not count.
	for _, name := range []string{"", "..", "../urls", strings.Repeat("A", 64)} {
		if s.HasBlob(name) {
			t.Errorf("HasBlob(%q) = true", name)
		}
	}
}

func TestPutBytes(t *testing.T) {
	s := open(t)
	for range 2 {
		got, err := s.PutBytes([]byte("settings"))
		if err != nil {
			t.Fatal(err)
		}
		if got != sha([]byte("settings")) {
			t.Errorf("PutBytes = %s", got)
		}
	}
	checkTmpEmpty(t, s)
}

func TestPutSrc(t *testing.T) {
	id := "tarball-" + strings.Repeat("0a", 32)
	fail := errors.New("archive refused")
	tests := []struct {
		name    string
		id      string
		fill    func(dir string) error
		wantErr error
		errText string
		want    bool
	}{
		{name: "fill succeeds", id: id, want: true, fill: func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "f"), []byte("x"), 0o644)
		}},
		{name: "fill fails after writing", id: id, wantErr: fail, fill: func(dir string) error {
			if err := os.MkdirAll(filepath.Join(dir, "a", "b"), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "a", "b", "half"), []byte("half"), 0o644); err != nil {
				return err
			}
			return fail
		}},
		{name: "invalid id", id: "tarball-../../x", errText: "invalid source id", fill: func(string) error {
			panic("fill called for an invalid id")
		}},
		{name: "unknown kind", id: "zip-" + strings.Repeat("0a", 32), errText: "invalid source id", fill: func(string) error {
			panic("fill called for an invalid id")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			var filled string
			err := s.PutSrc(tc.id, func(dir string) error {
				filled = dir
				if n := names(t, dir); len(n) != 0 {
					t.Errorf("fill got a non-empty directory: %v", n)
				}
				return tc.fill(dir)
			})
			switch {
			case tc.wantErr != nil:
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("PutSrc error = %v, want %v", err, tc.wantErr)
				}
			case tc.errText != "":
				if err == nil || !strings.Contains(err.Error(), tc.errText) {
					t.Fatalf("PutSrc error = %v, want one mentioning %q", err, tc.errText)
				}
			default:
				if err != nil {
					t.Fatalf("PutSrc: %v", err)
				}
			}
			if filled != "" && !strings.HasPrefix(filled, s.Path("tmp")+string(filepath.Separator)) {
				t.Errorf("fill ran in %s, not below tmp/", filled)
			}
			if got := s.HasSrc(tc.id); got != tc.want {
				t.Errorf("HasSrc = %v, want %v", got, tc.want)
			}
			checkTmpEmpty(t, s)
			src := names(t, s.Path("src"))
			if !tc.want {
				if len(src) != 0 {
					t.Errorf("src/ holds %v, want nothing", src)
				}
				return
			}
			if diff := cmp.Diff([]string{tc.id}, src); diff != "" {
				t.Errorf("src/ (-want +got):\n%s", diff)
			}
			// A second writer of the same source finds it done and is not an error.
			if err := s.PutSrc(tc.id, func(dir string) error {
				return os.WriteFile(filepath.Join(dir, "g"), []byte("y"), 0o644)
			}); err != nil {
				t.Errorf("second PutSrc: %v", err)
			}
			if diff := cmp.Diff([]string{"f"}, names(t, s.Path(cache.SrcRel(tc.id)))); diff != "" {
				t.Errorf("second PutSrc changed the source (-want +got):\n%s", diff)
			}
			checkTmpEmpty(t, s)
		})
	}
}

func TestSrcRoot(t *testing.T) {
	id := "git-" + strings.Repeat("1b", 20)
	tests := []struct {
		name  string
		build func(t *testing.T, dir string)
		want  string
	}{
		{"single directory is entered", func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "mediawiki-1.43.0", "includes"))
		}, cache.SrcRel(id) + "/mediawiki-1.43.0"},
		{"single file", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "README"))
		}, cache.SrcRel(id)},
		{"directory and file", func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "pkg"))
			write(t, filepath.Join(dir, "README"))
		}, cache.SrcRel(id)},
		{"two directories", func(t *testing.T, dir string) {
			mkdir(t, filepath.Join(dir, "a"))
			mkdir(t, filepath.Join(dir, "b"))
		}, cache.SrcRel(id)},
		{"single symlink to a directory is not entered", func(t *testing.T, dir string) {
			if err := os.Symlink(".", filepath.Join(dir, "self")); err != nil {
				t.Fatal(err)
			}
		}, cache.SrcRel(id)},
		{"empty", func(t *testing.T, dir string) {}, cache.SrcRel(id)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			if err := s.PutSrc(id, func(dir string) error { tc.build(t, dir); return nil }); err != nil {
				t.Fatal(err)
			}
			got, err := s.SrcRoot(id)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("SrcRoot = %q, want %q", got, tc.want)
			}
		})
	}
	t.Run("missing source", func(t *testing.T) {
		if _, err := open(t).SrcRoot(id); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("SrcRoot of a missing source: %v, want fs.ErrNotExist", err)
		}
	})
}

func mkdir(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
}

func write(t *testing.T, p string) {
	t.Helper()
	if err := os.WriteFile(p, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
}

func sampleTree(t *testing.T, extra ...fstree.Entry) fstree.Tree {
	t.Helper()
	tr, err := fstree.New(append([]fstree.Entry{
		{Path: "README", Type: fstree.File, Size: 6, Digest: sha([]byte("hello\n")), Src: "blobs/sha256/" + sha([]byte("hello\n"))},
		{Path: "bin/tool", Type: fstree.File, Exec: true, Size: 3, Digest: sha([]byte("sh\n")), Src: "src/x/bin/tool"},
		{Path: "docs", Type: fstree.Dir},
		{Path: "link", Type: fstree.Symlink, Target: "README"},
	}, extra...))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func TestTreeRoundTrip(t *testing.T) {
	s := open(t)
	tr := sampleTree(t)
	if s.HasTree(tr.Digest()) {
		t.Fatal("HasTree before PutTree")
	}
	if err := s.PutTree(tr); err != nil {
		t.Fatal(err)
	}
	if !s.HasTree(tr.Digest()) {
		t.Fatal("HasTree = false after PutTree")
	}
	if !strings.HasPrefix(tr.Digest(), "sha256:") || cache.TreeRel(tr.Digest()) != "trees/"+strings.TrimPrefix(tr.Digest(), "sha256:")+".tree" {
		t.Errorf("TreeRel(%s) = %s", tr.Digest(), cache.TreeRel(tr.Digest()))
	}
	got, err := s.Tree(tr.Digest())
	if err != nil {
		t.Fatal(err)
	}
	if got.Digest() != tr.Digest() {
		t.Errorf("digest = %s, want %s", got.Digest(), tr.Digest())
	}
	if diff := cmp.Diff(tr.Entries(), got.Entries()); diff != "" {
		t.Errorf("entries (-want +got):\n%s", diff)
	}
	// Storing it again is fine.
	if err := s.PutTree(tr); err != nil {
		t.Errorf("second PutTree: %v", err)
	}
	checkTmpEmpty(t, s)

	// The empty tree round-trips too.
	var empty fstree.Tree
	if err := s.PutTree(empty); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Tree(empty.Digest()); err != nil || got.Len() != 0 {
		t.Errorf("empty tree: %d entries, %v", got.Len(), err)
	}
}

func TestTreeRejectsBadFiles(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(t *testing.T, s *cache.Store, tr fstree.Tree)
		wantErr string
	}{
		{"entry altered", func(t *testing.T, s *cache.Store, tr fstree.Tree) {
			edit(t, s.Path(cache.TreeRel(tr.Digest())), `"s":6`, `"s":7`)
		}, "corrupt"},
		{"entry added", func(t *testing.T, s *cache.Store, tr fstree.Tree) {
			p := s.Path(cache.TreeRel(tr.Digest()))
			f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND, 0)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := io.WriteString(f, `{"p":"extra","t":1}`+"\n"); err != nil {
				t.Fatal(err)
			}
		}, "corrupt"},
		{"truncated", func(t *testing.T, s *cache.Store, tr fstree.Tree) {
			p := s.Path(cache.TreeRel(tr.Digest()))
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, b[:len(b)-10], 0o644); err != nil {
				t.Fatal(err)
			}
		}, "tree " + "sha256:"},
		{"not a tree", func(t *testing.T, s *cache.Store, tr fstree.Tree) {
			if err := os.WriteFile(s.Path(cache.TreeRel(tr.Digest())), []byte(`{"format":"zip"}`+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "not a tree listing"},
		{"another valid tree under this name", func(t *testing.T, s *cache.Store, tr fstree.Tree) {
			other := sampleTree(t, fstree.Entry{Path: "docs/more", Type: fstree.Dir})
			if err := s.PutTree(other); err != nil {
				t.Fatal(err)
			}
			if err := os.Rename(s.Path(cache.TreeRel(other.Digest())), s.Path(cache.TreeRel(tr.Digest()))); err != nil {
				t.Fatal(err)
			}
		}, "the cache holds " + "sha256:"},
		{"missing", func(t *testing.T, s *cache.Store, tr fstree.Tree) {
			if err := os.Remove(s.Path(cache.TreeRel(tr.Digest()))); err != nil {
				t.Fatal(err)
			}
		}, "not in the cache"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			tr := sampleTree(t)
			if err := s.PutTree(tr); err != nil {
				t.Fatal(err)
			}
			tc.damage(t, s, tr)
			got, err := s.Tree(tr.Digest())
			if err == nil {
				t.Fatalf("Tree accepted a damaged listing with %d entries", got.Len())
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), tr.Digest()) {
				t.Errorf("error %q does not name the tree and mention %q", err, tc.wantErr)
			}
		})
	}
}

func edit(t *testing.T, p, old, new string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(old)) {
		t.Fatalf("%s does not contain %q:\n%s", p, old, b)
	}
	if err := os.WriteFile(p, bytes.Replace(b, []byte(old), []byte(new), 1), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestURLBlob(t *testing.T) {
	s := open(t)
	const url = "https://releases.example.org/pkg-1.0.tar.gz.sig"
	if _, ok := s.URLBlob(url); ok {
		t.Fatal("URLBlob of an unknown URL reported a blob")
	}
	missing := sha([]byte("never added"))
	if err := s.SetURLBlob(url, missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("SetURLBlob to a missing blob: %v, want an error naming it", err)
	}
	if _, ok := s.URLBlob(url); ok {
		t.Error("a refused SetURLBlob was recorded")
	}

	first, err := s.PutBytes([]byte("signature one"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := s.PutBytes([]byte("signature two"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{first, second} {
		if err := s.SetURLBlob(url, want); err != nil {
			t.Fatal(err)
		}
		got, ok := s.URLBlob(url)
		if !ok || got != want {
			t.Errorf("URLBlob = %s, %v; want %s", got, ok, want)
		}
	}
	if _, ok := s.URLBlob(url + "?other"); ok {
		t.Error("another URL shares the record")
	}
	checkTmpEmpty(t, s)

	// A record whose blob has gone is no record.
	if err := os.Remove(s.Path(cache.BlobRel(second))); err != nil {
		t.Fatal(err)
	}
	if got, ok := s.URLBlob(url); ok {
		t.Errorf("URLBlob = %s after its blob was removed", got)
	}
}

func TestGitDir(t *testing.T) {
	s := open(t)
	a, b := s.GitDir("https://example.org/a.git"), s.GitDir("https://example.org/b.git")
	if a == b {
		t.Errorf("two remotes share the mirror %s", a)
	}
	if a != s.GitDir("https://example.org/a.git") {
		t.Error("GitDir is not stable")
	}
	if filepath.Dir(a) != s.Path("git") || !strings.HasSuffix(a, ".git") {
		t.Errorf("GitDir = %s, want git/<hash>.git", a)
	}
}

func TestStampsRoundTrip(t *testing.T) {
	s := open(t)
	digest := "sha256:" + strings.Repeat("ab", 32)
	if _, ok := s.Stamps(digest); ok {
		t.Fatal("Stamps found before PutStamps")
	}
	want := map[string]fstree.Hashed{
		"extension.json": {Stamp: fstree.Stamp{Size: 12, MTime: 1700000000123456789, CTime: 1700000000987654321, Inode: 42}, Digest: strings.Repeat("cd", 32)},
	}
	if err := s.PutStamps(digest, want); err != nil {
		t.Fatal(err)
	}
	got, ok := s.Stamps(digest)
	if !ok {
		t.Fatal("Stamps not found after PutStamps")
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("stamps (-want +got):\n%s", diff)
	}
	checkTmpEmpty(t, s)
	// A damaged record is as good as none: the files are read again.
	if err := os.WriteFile(s.Path(cache.StampsRel(digest)), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Stamps(digest); ok {
		t.Error("a damaged record was used")
	}
	for _, bad := range []string{"", "sha256:../../x", strings.Repeat("ab", 32)} {
		if err := s.PutStamps(bad, want); err == nil {
			t.Errorf("PutStamps(%q) accepted a name that is not a tree digest", bad)
		}
	}
}
