package source_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/archive"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

const component = "extension/Example"

var (
	// keyTime is when the test keys were made; signatures are a minute younger and the
	// fetcher judges them an hour later.
	keyTime = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)
	sigTime = keyTime.Add(time.Minute)
	nowTime = keyTime.Add(time.Hour)
	tarTime = time.Date(2023, 3, 4, 5, 6, 7, 0, time.UTC)
)

// ---------------------------------------------------------------------------------------
// Test environment

// env is one isolated world: a store, a project root holding the keyring, a directory the
// inputs are served from, and a sentinel directory "outside" that nothing may touch.
type env struct {
	base    string // t.TempDir(); everything below
	project string // Fetcher.Root
	in      string // where file:// inputs live
	outside string // sentinel next to the store
	store   *cache.Store
	f       *source.Fetcher
	key     *openpgp.Entity // trusted: its public half is recipes/keys/test.asc
}

const keyFile = "recipes/keys/test.asc"

func newEnv(t *testing.T) *env {
	t.Helper()
	base := t.TempDir()
	e := &env{
		base:    base,
		project: filepath.Join(base, "project"),
		in:      filepath.Join(base, "in"),
		outside: filepath.Join(base, "outside"),
	}
	for _, d := range []string{filepath.Join(e.project, "recipes", "keys"), e.in, filepath.Join(e.outside, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(e.outside, "keep.txt"), []byte("do not touch\n"), 0o644)
	writeFile(t, filepath.Join(e.outside, "sub", "x"), []byte("x\n"), 0o600)
	e.key = newKey(t, "Trusted Release Signer")
	writeFile(t, filepath.Join(e.project, filepath.FromSlash(keyFile)), armoredPublicKey(t, e.key), 0o644)
	st, err := cache.Open(filepath.Join(base, "cache"))
	if err != nil {
		t.Fatal(err)
	}
	e.store = st
	e.f = &source.Fetcher{
		Store:   st,
		Root:    e.project,
		Now:     func() time.Time { return nowTime },
		GitEnv:  gitEnv(),
		Backoff: time.Millisecond,
	}
	return e
}

// gitEnv is the environment the fetcher's git runs with: the test's own, with the user's
// and the system's git configuration kept out.
func gitEnv() []string {
	return append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull)
}

func writeFile(t *testing.T, p string, b []byte, perm fs.FileMode) {
	t.Helper()
	if err := os.WriteFile(p, b, perm); err != nil {
		t.Fatal(err)
	}
}

// serve writes data below e.in and returns its file:// URL.
func (e *env) serve(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(e.in, name)
	writeFile(t, p, data, 0o644)
	return fileURL(p)
}

func fileURL(p string) string { return "file://" + filepath.ToSlash(p) }

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func pin(rec spec.Source) lock.Source {
	return lock.Source{Kind: spec.Tarball, URL: rec.URL, SHA256: rec.SHA256}
}

// ---------------------------------------------------------------------------------------
// OpenPGP

func newKey(t *testing.T, name string) *openpgp.Entity {
	t.Helper()
	cfg := &packet.Config{Time: func() time.Time { return keyTime }, Algorithm: packet.PubKeyAlgoEdDSA}
	ent, err := openpgp.NewEntity(name, "test", "signer@example.org", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return ent
}

func armoredPublicKey(t *testing.T, ent *openpgp.Entity) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := ent.Serialize(w); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sign(t *testing.T, ent *openpgp.Entity, data []byte, armored bool) []byte {
	t.Helper()
	cfg := &packet.Config{Time: func() time.Time { return sigTime }}
	var buf bytes.Buffer
	var err error
	if armored {
		err = openpgp.ArmoredDetachSign(&buf, ent, bytes.NewReader(data), cfg)
	} else {
		err = openpgp.DetachSign(&buf, ent, bytes.NewReader(data), cfg)
	}
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// ---------------------------------------------------------------------------------------
// Archives

// tent is one tar entry; typ 0 is a regular file.
type tent struct {
	name string
	typ  byte
	mode int64
	body string
	link string
}

func writeTarGz(t *testing.T, w io.Writer, ents []tent) {
	t.Helper()
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, e := range ents {
		hdr := &tar.Header{Name: e.name, Typeflag: e.typ, Mode: e.mode, Linkname: e.link, ModTime: tarTime, Format: tar.FormatPAX}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Typeflag == tar.TypeReg {
			hdr.Size = int64(len(e.body))
		}
		if hdr.Mode == 0 {
			hdr.Mode = 0o644
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if _, err := io.WriteString(tw, e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
}

func tarGz(t *testing.T, ents []tent) []byte {
	t.Helper()
	var buf bytes.Buffer
	writeTarGz(t, &buf, ents)
	return buf.Bytes()
}

// release is a typical release tarball: one top directory, odd modes that must be
// normalised, an executable, a nested directory and an in-tree symlink.
func release() []tent {
	return []tent{
		{name: "pkg-1.0/", typ: tar.TypeDir, mode: 0o700},
		{name: "pkg-1.0/README", mode: 0o600, body: "read me\n"},
		{name: "pkg-1.0/bin/", typ: tar.TypeDir, mode: 0o750},
		{name: "pkg-1.0/bin/run", mode: 0o700, body: "#!/bin/sh\necho hi\n"},
		{name: "pkg-1.0/lib/deep/a.php", mode: 0o666, body: "<?php\n"},
		{name: "pkg-1.0/README.link", typ: tar.TypeSymlink, link: "README"},
	}
}

// releaseFiles is what release() unpacks to, relative to the single top directory.
var releaseFiles = map[string]node{
	".":              {Mode: fs.ModeDir | 0o755},
	"README":         {Mode: 0o644, Data: "read me\n"},
	"README.link":    {Mode: fs.ModeSymlink | 0o777, Link: "README"},
	"bin":            {Mode: fs.ModeDir | 0o755},
	"bin/run":        {Mode: 0o755, Data: "#!/bin/sh\necho hi\n"},
	"lib":            {Mode: fs.ModeDir | 0o755},
	"lib/deep":       {Mode: fs.ModeDir | 0o755},
	"lib/deep/a.php": {Mode: 0o644, Data: "<?php\n"},
}

// ---------------------------------------------------------------------------------------
// Looking at the disk

// node is what a path holds; MTime is only filled in by snapshot.
type node struct {
	Mode  fs.FileMode
	Data  string
	Link  string
	MTime int64
}

// listTree records every path below root (root itself is "."). skip names top-level
// entries to leave out.
func listTree(t *testing.T, root string, withTimes bool, skip ...string) map[string]node {
	t.Helper()
	out := map[string]node{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		for _, s := range skip {
			if rel == s {
				return filepath.SkipDir
			}
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		n := node{Mode: fi.Mode()}
		if withTimes {
			n.MTime = fi.ModTime().UnixNano()
		}
		switch {
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			n.Data = string(b)
		case fi.Mode()&fs.ModeSymlink != 0:
			if n.Link, err = os.Readlink(p); err != nil {
				return err
			}
		}
		out[rel] = n
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// snapshot records everything in the test's world except the store: the sentinel, the
// project root and the inputs, with contents and modification times.
func (e *env) snapshot(t *testing.T) map[string]node {
	t.Helper()
	return listTree(t, e.base, true, "cache")
}

func readDirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, de := range ents {
		names = append(names, de.Name())
	}
	return names
}

// checkNothingKept asserts that a failed Materialize left no trace: no source under src/,
// nothing in tmp/, and the world outside the store exactly as it was.
func (e *env) checkNothingKept(t *testing.T, id string, before map[string]node) {
	t.Helper()
	if id != "" && e.store.HasSrc(id) {
		t.Errorf("HasSrc(%s) = true after a failure", id)
	}
	if names := readDirNames(t, e.store.Path("src")); len(names) != 0 {
		t.Errorf("src/ holds %v after a failure, want nothing", names)
	}
	if names := readDirNames(t, e.store.Path("tmp")); len(names) != 0 {
		t.Errorf("tmp/ holds %v after a failure, want nothing", names)
	}
	if diff := cmp.Diff(before, e.snapshot(t)); diff != "" {
		t.Errorf("files outside the store changed (-before +after):\n%s", diff)
	}
}

// checkSourceError asserts err is a *source.Error for component and url whose message
// contains each of wants.
func checkSourceError(t *testing.T, err error, url string, wants ...string) *source.Error {
	t.Helper()
	if err == nil {
		t.Fatal("Materialize succeeded, want an error")
	}
	var se *source.Error
	if !errors.As(err, &se) {
		t.Fatalf("error is a %T, want a *source.Error in the chain: %v", err, err)
	}
	if se.Component != component || se.Source != url {
		t.Errorf("error names (%q, %q), want (%q, %q)", se.Component, se.Source, component, url)
	}
	msg := err.Error()
	for _, w := range append([]string{component, url}, wants...) {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %q", msg, w)
		}
	}
	return se
}

// checkSource asserts that src id is in the store, that SrcRoot enters top (if any) and
// that the files there are want.
func (e *env) checkSource(t *testing.T, id, top string, want map[string]node) {
	t.Helper()
	if !e.store.HasSrc(id) {
		t.Fatalf("HasSrc(%s) = false after success", id)
	}
	rel, err := e.store.SrcRoot(id)
	if err != nil {
		t.Fatal(err)
	}
	wantRel := cache.SrcRel(id)
	if top != "" {
		wantRel += "/" + top
	}
	if rel != wantRel {
		t.Errorf("SrcRoot(%s) = %q, want %q", id, rel, wantRel)
	}
	if diff := cmp.Diff(want, listTree(t, e.store.Path(rel), false)); diff != "" {
		t.Errorf("unpacked files (-want +got):\n%s", diff)
	}
	if names := readDirNames(t, e.store.Path("tmp")); len(names) != 0 {
		t.Errorf("tmp/ holds %v after success, want nothing", names)
	}
}

// server is an httptest server whose handler sees the request number (from 1) per path.
type server struct {
	*httptest.Server
	hits map[string]*atomic.Int32
}

func newServer(t *testing.T, routes map[string]func(n int, w http.ResponseWriter, r *http.Request)) *server {
	t.Helper()
	s := &server{hits: map[string]*atomic.Int32{}}
	for p := range routes {
		s.hits[p] = new(atomic.Int32)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h, ok := routes[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		h(int(s.hits[r.URL.Path].Add(1)), w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *server) count(p string) int { return int(s.hits[p].Load()) }

func bytesHandler(b []byte) func(int, http.ResponseWriter, *http.Request) {
	return func(_ int, w http.ResponseWriter, _ *http.Request) { w.Write(b) }
}

// ---------------------------------------------------------------------------------------
// Tarballs that must work

func TestMaterializeTarball(t *testing.T) {
	t.Parallel()
	flat := []tent{
		{name: "a.txt", body: "a\n"},
		{name: "b/", typ: tar.TypeDir, mode: 0o755},
		{name: "b/c.sh", mode: 0o744, body: "c\n"},
	}
	flatFiles := map[string]node{
		".":      {Mode: fs.ModeDir | 0o755},
		"a.txt":  {Mode: 0o644, Data: "a\n"},
		"b":      {Mode: fs.ModeDir | 0o755},
		"b/c.sh": {Mode: 0o755, Data: "c\n"},
	}
	tests := []struct {
		name  string
		ents  []tent
		sig   string // "", "armored", "binary"
		http  bool
		top   string
		files map[string]node
	}{
		{name: "file URL", ents: release(), top: "pkg-1.0", files: releaseFiles},
		{name: "http URL", ents: release(), http: true, top: "pkg-1.0", files: releaseFiles},
		{name: "armored signature", ents: release(), sig: "armored", top: "pkg-1.0", files: releaseFiles},
		{name: "binary signature", ents: release(), sig: "binary", top: "pkg-1.0", files: releaseFiles},
		{name: "armored signature over http", ents: release(), sig: "armored", http: true, top: "pkg-1.0", files: releaseFiles},
		{name: "no single top directory", ents: flat, files: flatFiles},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tgz := tarGz(t, tc.ents)
			var sig []byte
			if tc.sig != "" {
				sig = sign(t, e.key, tgz, tc.sig == "armored")
			}
			rec := spec.Source{Kind: spec.Tarball, SHA256: sha(tgz)}
			if tc.http {
				routes := map[string]func(int, http.ResponseWriter, *http.Request){"/pkg-1.0.tar.gz": bytesHandler(tgz)}
				if sig != nil {
					routes["/pkg-1.0.tar.gz.sig"] = bytesHandler(sig)
				}
				srv := newServer(t, routes)
				e.f.Client = srv.Client()
				rec.URL = srv.URL + "/pkg-1.0.tar.gz"
				if sig != nil {
					rec.Signature = rec.URL + ".sig"
				}
			} else {
				rec.URL = e.serve(t, "pkg-1.0.tar.gz", tgz)
				if sig != nil {
					rec.Signature = e.serve(t, "pkg-1.0.tar.gz.sig", sig)
				}
			}
			if sig != nil {
				rec.KeyFile = keyFile
			}
			before := e.snapshot(t)

			id, err := e.f.Materialize(context.Background(), component, rec, pin(rec))
			if err != nil {
				t.Fatalf("Materialize: %v", err)
			}
			if want := "tarball-" + rec.SHA256; id != want {
				t.Errorf("id = %q, want %q", id, want)
			}
			e.checkSource(t, id, tc.top, tc.files)
			if !e.store.HasBlob(rec.SHA256) {
				t.Errorf("HasBlob(%s) = false after success", rec.SHA256)
			}
			if diff := cmp.Diff(before, e.snapshot(t)); diff != "" {
				t.Errorf("files outside the store changed (-before +after):\n%s", diff)
			}

			// Once it is in the cache, the source is there even offline and with the
			// inputs gone.
			if err := os.RemoveAll(e.in); err != nil {
				t.Fatal(err)
			}
			e.f.Offline = true
			id2, err := e.f.Materialize(context.Background(), component, rec, pin(rec))
			if err != nil || id2 != id {
				t.Errorf("second Materialize offline = %q, %v; want %q, nil", id2, err, id)
			}
		})
	}
}

// ---------------------------------------------------------------------------------------
// Tarballs that must be refused

// writeBomb streams a gzip-compressed tarball holding 50 MiB of zeros into path, so the
// test never holds it in memory.
func writeBomb(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zw, err := gzip.NewWriterLevel(f, gzip.BestSpeed)
	if err != nil {
		t.Fatal(err)
	}
	tw := tar.NewWriter(zw)
	const size = 50 << 20
	if err := tw.WriteHeader(&tar.Header{Name: "pkg/zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size, ModTime: tarTime}); err != nil {
		t.Fatal(err)
	}
	if _, err := io.CopyN(tw, zeros{}, size); err != nil {
		t.Fatal(err)
	}
	for _, c := range []io.Closer{tw, zw, f} {
		if err := c.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func fileSha(t *testing.T, p string) string {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func TestMaterializeRefusesBadTarballs(t *testing.T) {
	t.Parallel()
	type setup struct {
		rec    spec.Source
		errURL string   // the URL the error must name; rec.URL if empty
		wants  []string // distinctive parts of the message
		is     error    // must be in the chain, if set
		check  func(t *testing.T, e *env, rec spec.Source)
	}
	// tarball serves ents as a release tarball and returns the recipe source for it.
	tarball := func(t *testing.T, e *env, ents []tent) spec.Source {
		tgz := tarGz(t, ents)
		return spec.Source{Kind: spec.Tarball, URL: e.serve(t, "pkg.tar.gz", tgz), SHA256: sha(tgz)}
	}
	// signed serves a release tarball with a signature made by signer over sigData (the
	// tarball itself if nil).
	signed := func(t *testing.T, e *env, signer *openpgp.Entity, sigData []byte) (spec.Source, []byte) {
		rec := tarball(t, e, release())
		tgz, err := os.ReadFile(filepath.Join(e.in, "pkg.tar.gz"))
		if err != nil {
			t.Fatal(err)
		}
		if sigData == nil {
			sigData = tgz
		}
		rec.Signature = e.serve(t, "pkg.tar.gz.asc", sign(t, signer, sigData, true))
		rec.KeyFile = keyFile
		return rec, tgz
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env) setup
	}{
		{"corrupt tarball", func(t *testing.T, e *env) setup {
			var body strings.Builder
			for i := range 4000 {
				fmt.Fprintf(&body, "line %d of a file that compresses well but not to nothing\n", i*i%7919)
			}
			tgz := tarGz(t, []tent{{name: "pkg/big.txt", body: body.String()}, {name: "pkg/after.txt", body: "after\n"}})
			mid := len(tgz) / 2
			for i := mid; i < mid+8; i++ {
				tgz[i] ^= 0x5a
			}
			// Pinned to the corrupt bytes: the hash check passes, unpacking must not.
			rec := spec.Source{Kind: spec.Tarball, URL: e.serve(t, "pkg.tar.gz", tgz), SHA256: sha(tgz)}
			return setup{rec: rec, wants: []string{"unpacking: "}}
		}},
		{"truncated tarball", func(t *testing.T, e *env) setup {
			tgz := tarGz(t, release())
			tgz = tgz[:len(tgz)*2/3]
			rec := spec.Source{Kind: spec.Tarball, URL: e.serve(t, "pkg.tar.gz", tgz), SHA256: sha(tgz)}
			return setup{rec: rec, wants: []string{"unpacking: ", "unexpected EOF"}}
		}},
		{"wrong sha256", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, release())
			got := rec.SHA256
			rec.SHA256 = sha([]byte("what the recipe expected"))
			return setup{
				rec:   rec,
				wants: []string{got, rec.SHA256, "nothing was kept"},
				check: func(t *testing.T, e *env, rec spec.Source) {
					for _, d := range []string{got, rec.SHA256} {
						if e.store.HasBlob(d) {
							t.Errorf("HasBlob(%s) = true after a hash mismatch", d)
						}
					}
					if names := readDirNames(t, e.store.Path("blobs/sha256")); len(names) != 0 {
						t.Errorf("blobs/sha256 holds %v after a hash mismatch", names)
					}
				},
			}
		}},
		{"signed by another key", func(t *testing.T, e *env) setup {
			rec, _ := signed(t, e, newKey(t, "Mallory"), nil)
			return setup{rec: rec, wants: []string{"does not verify", rec.Signature, "not in the keyring", "nothing was unpacked"}}
		}},
		{"signature over different data", func(t *testing.T, e *env) setup {
			rec, _ := signed(t, e, e.key, []byte("some other release"))
			return setup{rec: rec, wants: []string{"does not verify", rec.Signature, "bad signature"}}
		}},
		{"signature file is not a signature", func(t *testing.T, e *env) setup {
			rec, _ := signed(t, e, e.key, nil)
			e.serve(t, "pkg.tar.gz.asc", []byte("<html>Not Found</html>\n"))
			return setup{rec: rec, wants: []string{"does not verify", "malformed signature"}}
		}},
		{"signature missing (file URL)", func(t *testing.T, e *env) setup {
			rec, _ := signed(t, e, e.key, nil)
			rec.Signature = fileURL(filepath.Join(e.in, "no-such.asc"))
			return setup{rec: rec, errURL: rec.Signature, wants: []string{"no such file"}}
		}},
		{"signature missing (HTTP 404)", func(t *testing.T, e *env) setup {
			rec, _ := signed(t, e, e.key, nil)
			srv := newServer(t, map[string]func(int, http.ResponseWriter, *http.Request){
				"/pkg.tar.gz.asc": func(_ int, w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) },
			})
			e.f.Client = srv.Client()
			rec.Signature = srv.URL + "/pkg.tar.gz.asc"
			return setup{rec: rec, errURL: rec.Signature, wants: []string{"HTTP 404"}, check: func(t *testing.T, e *env, rec spec.Source) {
				if n := srv.count("/pkg.tar.gz.asc"); n != 1 {
					t.Errorf("server saw %d requests for the signature, want 1 (404 is not retried)", n)
				}
			}}
		}},
		{"keyring missing", func(t *testing.T, e *env) setup {
			rec, _ := signed(t, e, e.key, nil)
			rec.KeyFile = "recipes/keys/missing.asc"
			return setup{rec: rec, wants: []string{"keyring", "no such file"}}
		}},
		{"traversal entry", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{{name: "pkg/ok", body: "ok\n"}, {name: "../evil", body: "evil\n"}})
			return setup{rec: rec, wants: []string{"unpacking", `"../evil"`, "escapes the archive root"}}
		}},
		{"deep traversal into the sentinel", func(t *testing.T, e *env) setup {
			name := "pkg/../../../../../outside/pwned"
			rec := tarball(t, e, []tent{{name: name, body: "evil\n"}})
			return setup{rec: rec, wants: []string{strconv.Quote(name), "escapes the archive root"}}
		}},
		{"absolute entry", func(t *testing.T, e *env) setup {
			name := filepath.ToSlash(filepath.Join(e.outside, "pwned"))
			rec := tarball(t, e, []tent{{name: name, body: "evil\n"}})
			return setup{rec: rec, wants: []string{strconv.Quote(name), "absolute path"}}
		}},
		{"symlink escaping", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{{name: "link", typ: tar.TypeSymlink, link: "../../outside"}})
			return setup{rec: rec, wants: []string{`"link"`, "symlink target escapes"}}
		}},
		{"symlink escaping to the sentinel", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{{name: "link", typ: tar.TypeSymlink, link: "../../../../outside"}})
			return setup{rec: rec, wants: []string{`"link"`, "symlink target escapes"}}
		}},
		{"absolute symlink", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{{name: "link", typ: tar.TypeSymlink, link: e.outside}})
			return setup{rec: rec, wants: []string{`"link"`, "absolute symlink target"}}
		}},
		{"symlink then write through it", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{
				{name: "d", typ: tar.TypeSymlink, link: "../../outside"},
				{name: "d/pwned", body: "evil\n"},
			})
			return setup{rec: rec, wants: []string{`"d"`, "symlink target escapes"}}
		}},
		{"in-root symlink then write through it", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{
				{name: "pkg/real/", typ: tar.TypeDir},
				{name: "pkg/d", typ: tar.TypeSymlink, link: "real"},
				{name: "pkg/d/pwned", body: "evil\n"},
			})
			return setup{rec: rec, wants: []string{`"pkg/d/pwned"`, `parent "pkg/d" is a symlink`}}
		}},
		{"hardlink to /etc/passwd", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{{name: "pkg/passwd", typ: tar.TypeLink, link: "/etc/passwd"}})
			return setup{rec: rec, wants: []string{`"pkg/passwd"`, "absolute hardlink target"}}
		}},
		{"hardlink to ../x", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{{name: "pkg/x", typ: tar.TypeLink, link: "../x"}})
			return setup{rec: rec, wants: []string{`"pkg/x"`, "hardlink target escapes"}}
		}},
		{"hardlink into the sentinel", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, []tent{{name: "pkg/x", typ: tar.TypeLink, link: "../../../../outside/keep.txt"}})
			return setup{rec: rec, wants: []string{`"pkg/x"`, "hardlink target escapes"}}
		}},
		{"gzip bomb", func(t *testing.T, e *env) setup {
			e.f.Limits = archive.Limits{MaxBytes: 1 << 20, MaxRatio: 100, MaxEntries: 1000}
			p := filepath.Join(e.in, "bomb.tar.gz")
			writeBomb(t, p)
			rec := spec.Source{Kind: spec.Tarball, URL: fileURL(p), SHA256: fileSha(t, p)}
			return setup{rec: rec, wants: []string{`"pkg/zeros"`, "uncompressed size exceeds the limit"}}
		}},
		{"too many entries", func(t *testing.T, e *env) setup {
			e.f.Limits = archive.Limits{MaxBytes: 1 << 20, MaxRatio: 100, MaxEntries: 10}
			var ents []tent
			for i := range 20 {
				ents = append(ents, tent{name: fmt.Sprintf("pkg/f%02d", i), body: "x"})
			}
			rec := tarball(t, e, ents)
			return setup{rec: rec, wants: []string{`"pkg/f10"`, "too many entries"}}
		}},
		{"offline with an empty cache", func(t *testing.T, e *env) setup {
			rec := tarball(t, e, release())
			e.f.Offline = true
			return setup{rec: rec, is: source.ErrOffline, wants: []string{rec.SHA256, "--offline", "mwedition cache add"}, check: func(t *testing.T, e *env, rec spec.Source) {
				if e.store.HasBlob(rec.SHA256) {
					t.Error("the blob was fetched in offline mode")
				}
			}}
		}},
		{"offline with the tarball but not its signature", func(t *testing.T, e *env) setup {
			rec, tgz := signed(t, e, e.key, nil)
			if _, _, err := e.store.AddBlob(bytes.NewReader(tgz), rec.SHA256); err != nil {
				t.Fatal(err)
			}
			e.f.Offline = true
			return setup{rec: rec, is: source.ErrOffline, wants: []string{rec.Signature, "mwedition cache add --url"}}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			s := tc.prepare(t, e)
			if s.errURL == "" {
				s.errURL = s.rec.URL
			}
			before := e.snapshot(t)
			id, err := e.f.Materialize(context.Background(), component, s.rec, pin(s.rec))
			checkSourceError(t, err, s.errURL, s.wants...)
			if s.is != nil && !errors.Is(err, s.is) {
				t.Errorf("errors.Is(err, %v) = false for %v", s.is, err)
			}
			if want := "tarball-" + s.rec.SHA256; id != want {
				t.Errorf("id = %q, want %q", id, want)
			}
			e.checkNothingKept(t, "tarball-"+s.rec.SHA256, before)
			if s.check != nil {
				s.check(t, e, s.rec)
			}
		})
	}
}

// A signature that did not verify must not be remembered as what its URL gives: once the
// file is fixed upstream, the next fetch must download and check it again.
func TestBadSignatureIsNotRemembered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tgz := tarGz(t, release())
	rec := spec.Source{
		Kind:      spec.Tarball,
		URL:       e.serve(t, "pkg.tar.gz", tgz),
		SHA256:    sha(tgz),
		Signature: e.serve(t, "pkg.tar.gz.asc", sign(t, newKey(t, "Mallory"), tgz, true)),
		KeyFile:   keyFile,
	}
	_, err := e.f.Materialize(context.Background(), component, rec, pin(rec))
	checkSourceError(t, err, rec.URL, "not in the keyring")
	if got, ok := e.store.URLBlob(rec.Signature); ok {
		t.Errorf("URLBlob(%s) = %s after the signature failed to verify, want nothing recorded", rec.Signature, got)
	}

	e.serve(t, "pkg.tar.gz.asc", sign(t, e.key, tgz, true))
	id, err := e.f.Materialize(context.Background(), component, rec, pin(rec))
	if err != nil {
		t.Fatalf("Materialize after the signature was fixed: %v", err)
	}
	e.checkSource(t, id, "pkg-1.0", releaseFiles)
	if _, ok := e.store.URLBlob(rec.Signature); !ok {
		t.Errorf("URLBlob(%s) not recorded after the signature verified", rec.Signature)
	}
}

// A lock is a file people edit and review; its pins must not be able to point the store
// outside itself, nor give an unpacked source a name that is not its content's.
func TestMaterializeRefusesBadPins(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		pin   func(e *env, rec spec.Source) lock.Source
		wants []string
	}{
		{"tarball sha256 climbing out of the store", func(e *env, rec spec.Source) lock.Source {
			return lock.Source{Kind: spec.Tarball, URL: rec.URL, SHA256: "../../../../outside"}
		}, []string{`"../../../../outside"`, "not a SHA-256"}},
		{"git commit climbing out of the store", func(e *env, rec spec.Source) lock.Source {
			return lock.Source{Kind: spec.Git, URL: rec.URL, Ref: "main", Commit: "../../../../outside"}
		}, []string{`"../../../../outside"`, "not a full commit id"}},
		{"dir digest climbing out of the store", func(e *env, rec spec.Source) lock.Source {
			return lock.Source{Kind: spec.Dir, URL: rec.URL, SHA256: "sha256:../../../../outside"}
		}, []string{`"sha256:../../../../outside"`, "not a tree digest"}},
		{"lock and recipe pin different tarballs", func(e *env, rec spec.Source) lock.Source {
			return lock.Source{Kind: spec.Tarball, URL: rec.URL, SHA256: sha([]byte("another release"))}
		}, []string{"the recipe pins sha256", "mwedition lock"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			tgz := tarGz(t, release())
			rec := spec.Source{Kind: spec.Tarball, URL: e.serve(t, "pkg.tar.gz", tgz), SHA256: sha(tgz)}
			p := tc.pin(e, rec)
			if strings.Contains(p.SHA256+p.Commit, "outside") {
				// Make sure the test really aims at the sentinel: the id these pins
				// would make, unchecked, names it.
				id := map[spec.SourceKind]string{
					spec.Tarball: "tarball-" + p.SHA256,
					spec.Git:     "git-" + p.Commit,
					spec.Dir:     "dir-" + strings.TrimPrefix(p.SHA256, "sha256:"),
				}[p.Kind]
				if got := e.store.Path(cache.SrcRel(id)); got != e.outside {
					t.Fatalf("test setup: src path %s is not the sentinel %s", got, e.outside)
				}
			}
			before := e.snapshot(t)
			_, err := e.f.Materialize(context.Background(), component, rec, p)
			checkSourceError(t, err, rec.URL, tc.wants...)
			e.checkNothingKept(t, "", before)
		})
	}
}

// ---------------------------------------------------------------------------------------
// HTTP

func TestMaterializeHTTP(t *testing.T) {
	t.Parallel()
	tgz := tarGz(t, release())
	const path = "/pkg-1.0.tar.gz"
	ok := bytesHandler(tgz)
	status := func(code int) func(int, http.ResponseWriter, *http.Request) {
		return func(_ int, w http.ResponseWriter, _ *http.Request) { http.Error(w, http.StatusText(code), code) }
	}
	// firstThen answers the first n requests with bad and the rest with ok.
	firstThen := func(n int, bad func(int, http.ResponseWriter, *http.Request)) func(int, http.ResponseWriter, *http.Request) {
		return func(i int, w http.ResponseWriter, r *http.Request) {
			if i <= n {
				bad(i, w, r)
				return
			}
			ok(i, w, r)
		}
	}
	// shortBody promises the whole tarball and sends half of it.
	shortBody := func(_ int, w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(tgz)))
		w.WriteHeader(http.StatusOK)
		w.Write(tgz[:len(tgz)/2])
	}
	// hangUp sends the headers and part of the body, then drops the connection.
	hangUp := func(_ int, w http.ResponseWriter, _ *http.Request) {
		conn, buf, err := w.(http.Hijacker).Hijack()
		if err != nil {
			panic(err)
		}
		defer conn.Close()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/gzip\r\nContent-Length: %d\r\n\r\n", len(tgz))
		buf.Write(tgz[:len(tgz)/3])
		buf.Flush()
	}
	replaced := bytesHandler(tarGz(t, []tent{{name: "pkg-1.0/README", body: "replaced upstream\n"}}))

	tests := []struct {
		name     string
		handler  func(int, http.ResponseWriter, *http.Request)
		retries  int
		wantErr  []string // empty: must succeed
		requests int
	}{
		{name: "503 twice then 200", handler: firstThen(2, status(http.StatusServiceUnavailable)), requests: 3},
		{name: "429 then 200", handler: firstThen(1, status(http.StatusTooManyRequests)), requests: 2},
		{name: "body cut short then 200", handler: firstThen(1, shortBody), requests: 2},
		{name: "connection dropped mid-body then 200", handler: firstThen(1, hangUp), requests: 2},
		{name: "404 is not retried", handler: status(http.StatusNotFound), wantErr: []string{"HTTP 404"}, requests: 1},
		{name: "403 is not retried", handler: status(http.StatusForbidden), wantErr: []string{"HTTP 403"}, requests: 1},
		{name: "503 until giving up", handler: status(http.StatusServiceUnavailable), wantErr: []string{"giving up after 4 attempts", "HTTP 503"}, requests: 4},
		{name: "retries setting is honoured", handler: status(http.StatusBadGateway), retries: 2, wantErr: []string{"giving up after 2 attempts", "HTTP 502"}, requests: 2},
		{name: "connection always dropped", handler: hangUp, retries: 3, wantErr: []string{"giving up after 3 attempts", "unexpected EOF"}, requests: 3},
		{name: "wrong bytes are not retried", handler: replaced, wantErr: []string{"nothing was kept", sha(tgz)}, requests: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			srv := newServer(t, map[string]func(int, http.ResponseWriter, *http.Request){path: tc.handler})
			e.f.Client = srv.Client()
			e.f.Retries = tc.retries
			rec := spec.Source{Kind: spec.Tarball, URL: srv.URL + path, SHA256: sha(tgz)}
			before := e.snapshot(t)
			id, err := e.f.Materialize(context.Background(), component, rec, pin(rec))
			if len(tc.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Materialize: %v", err)
				}
				e.checkSource(t, id, "pkg-1.0", releaseFiles)
			} else {
				checkSourceError(t, err, rec.URL, tc.wantErr...)
				e.checkNothingKept(t, id, before)
				if e.store.HasBlob(rec.SHA256) {
					t.Errorf("HasBlob(%s) = true after a failed download", rec.SHA256)
				}
			}
			if n := srv.count(path); n != tc.requests {
				t.Errorf("server saw %d requests, want %d", n, tc.requests)
			}
		})
	}
}

// A cancelled context stops the retries at once.
func TestMaterializeHTTPCancelled(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := newServer(t, map[string]func(int, http.ResponseWriter, *http.Request){
		"/x.tar.gz": func(_ int, w http.ResponseWriter, _ *http.Request) {
			cancel()
			http.Error(w, "busy", http.StatusServiceUnavailable)
		},
	})
	e.f.Client = srv.Client()
	e.f.Backoff = time.Hour
	rec := spec.Source{Kind: spec.Tarball, URL: srv.URL + "/x.tar.gz", SHA256: sha([]byte("x"))}
	done := make(chan error, 1)
	go func() {
		_, err := e.f.Materialize(ctx, component, rec, pin(rec))
		done <- err
	}()
	select {
	case err := <-done:
		checkSourceError(t, err, rec.URL)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("errors.Is(err, context.Canceled) = false for %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Materialize kept waiting after its context was cancelled")
	}
	if n := srv.count("/x.tar.gz"); n != 1 {
		t.Errorf("server saw %d requests, want 1", n)
	}
}

// ---------------------------------------------------------------------------------------
// Git

type gitRepo struct {
	t   *testing.T
	dir string
}

func (r gitRepo) run(date int64, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main", "-C", r.dir}, args...)...)
	stamp := fmt.Sprintf("%d +0000", date)
	cmd.Env = append(gitEnv(),
		"GIT_AUTHOR_NAME=Test Author", "GIT_AUTHOR_EMAIL=author@example.org", "GIT_AUTHOR_DATE="+stamp,
		"GIT_COMMITTER_NAME=Test Committer", "GIT_COMMITTER_EMAIL=committer@example.org", "GIT_COMMITTER_DATE="+stamp,
		"LC_ALL=C",
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func (r gitRepo) write(name, data string, perm fs.FileMode) {
	r.t.Helper()
	p := filepath.Join(r.dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatal(err)
	}
	writeFile(r.t, p, []byte(data), perm)
	if err := os.Chmod(p, perm); err != nil {
		r.t.Fatal(err)
	}
}

func TestGit(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	ctx := context.Background()
	e := newEnv(t)
	repo := gitRepo{t, filepath.Join(e.base, "in", "repo")}
	if err := os.MkdirAll(repo.dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const date1, date2 = int64(1700000000), int64(1700086400)
	repo.run(date1, "init", "--quiet")
	repo.write("README.md", "hello\n", 0o644)
	repo.write("bin/tool", "#!/bin/sh\n", 0o755)
	repo.write("src/a.php", "<?php\n", 0o600)
	if err := os.Symlink("README.md", filepath.Join(repo.dir, "link")); err != nil {
		t.Fatal(err)
	}
	repo.run(date1, "add", "-A")
	repo.run(date1, "commit", "--quiet", "-m", "first")
	commit1 := repo.run(date1, "rev-parse", "HEAD")

	url := "file://" + filepath.ToSlash(repo.dir)
	rec := spec.Source{Kind: spec.Git, URL: url, Ref: "main"}
	pinOf := func(commit string) lock.Source {
		return lock.Source{Kind: spec.Git, URL: url, Ref: "main", Commit: commit}
	}
	v1 := map[string]node{
		".":         {Mode: fs.ModeDir | 0o755},
		"README.md": {Mode: 0o644, Data: "hello\n"},
		"bin":       {Mode: fs.ModeDir | 0o755},
		"bin/tool":  {Mode: 0o755, Data: "#!/bin/sh\n"},
		"link":      {Mode: fs.ModeSymlink | 0o777, Link: "README.md"},
		"src":       {Mode: fs.ModeDir | 0o755},
		"src/a.php": {Mode: 0o644, Data: "<?php\n"},
	}

	got, err := e.f.ResolveGit(ctx, component, rec)
	if err != nil {
		t.Fatalf("ResolveGit: %v", err)
	}
	if got != commit1 {
		t.Fatalf("ResolveGit = %q, want %q", got, commit1)
	}
	ct, err := e.f.CommitTime(ctx, url, commit1)
	if err != nil || ct != date1 {
		t.Errorf("CommitTime = %d, %v; want %d", ct, err, date1)
	}
	id, err := e.f.Materialize(ctx, component, rec, pinOf(commit1))
	if err != nil {
		t.Fatalf("Materialize: %v", err)
	}
	if id != "git-"+commit1 {
		t.Errorf("id = %q, want git-%s", id, commit1)
	}
	e.checkSource(t, id, "", v1)
	fi, err := os.Stat(e.store.Path(cache.SrcRel(id) + "/README.md"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.ModTime().Unix() != date1 {
		t.Errorf("README.md mtime = %d, want the commit time %d", fi.ModTime().Unix(), date1)
	}

	// A second commit moves the ref; the old pin stays usable.
	repo.write("README.md", "hello again\n", 0o644)
	repo.write("NEWS", "news\n", 0o644)
	repo.run(date2, "add", "-A")
	repo.run(date2, "commit", "--quiet", "-m", "second")
	commit2 := repo.run(date2, "rev-parse", "HEAD")
	v2 := map[string]node{}
	for k, v := range v1 {
		v2[k] = v
	}
	v2["README.md"] = node{Mode: 0o644, Data: "hello again\n"}
	v2["NEWS"] = node{Mode: 0o644, Data: "news\n"}

	got, err = e.f.ResolveGit(ctx, component, rec)
	if err != nil || got != commit2 {
		t.Fatalf("ResolveGit after a second commit = %q, %v; want %q", got, err, commit2)
	}
	if ct, err := e.f.CommitTime(ctx, url, commit2); err != nil || ct != date2 {
		t.Errorf("CommitTime(second) = %d, %v; want %d", ct, err, date2)
	}
	if _, err := e.f.Materialize(ctx, component, rec, pinOf(commit1)); err != nil {
		t.Errorf("Materialize of the old pin: %v", err)
	}
	id2, err := e.f.Materialize(ctx, component, rec, pinOf(commit2))
	if err != nil {
		t.Fatalf("Materialize of the new pin: %v", err)
	}
	e.checkSource(t, id2, "", v2)

	t.Run("old pin into an empty store", func(t *testing.T) {
		// The mirror is new, so the old commit has to come from fetching the moved ref.
		f := newEnv(t)
		id, err := f.f.Materialize(ctx, component, rec, pinOf(commit1))
		if err != nil {
			t.Fatalf("Materialize: %v", err)
		}
		f.checkSource(t, id, "", v1)
	})
	t.Run("offline with an unknown commit", func(t *testing.T) {
		f := newEnv(t)
		f.f.Offline = true
		before := f.snapshot(t)
		id, err := f.f.Materialize(ctx, component, rec, pinOf(commit2))
		checkSourceError(t, err, url, commit2, "--offline")
		if !errors.Is(err, source.ErrOffline) {
			t.Errorf("errors.Is(err, ErrOffline) = false for %v", err)
		}
		f.checkNothingKept(t, id, before)

		_, err = f.f.ResolveGit(ctx, component, rec)
		checkSourceError(t, err, url, `"main"`)
		if !errors.Is(err, source.ErrOffline) {
			t.Errorf("ResolveGit offline: errors.Is(err, ErrOffline) = false for %v", err)
		}
	})
	t.Run("offline with the commit in the mirror", func(t *testing.T) {
		// e's mirror holds both commits; a fresh unpack must not need the network.
		if err := os.RemoveAll(e.store.Path(cache.SrcRel("git-" + commit1))); err != nil {
			t.Fatal(err)
		}
		f := *e.f
		f.Offline = true
		id, err := f.Materialize(ctx, component, rec, pinOf(commit1))
		if err != nil {
			t.Fatalf("Materialize: %v", err)
		}
		e.checkSource(t, id, "", v1)
	})
	t.Run("unknown ref", func(t *testing.T) {
		f := newEnv(t)
		bad := rec
		bad.Ref = "no-such-branch"
		_, err := f.f.ResolveGit(ctx, component, bad)
		checkSourceError(t, err, url, `"no-such-branch"`)
	})
	t.Run("commit not on the ref", func(t *testing.T) {
		f := newEnv(t)
		missing := strings.Repeat("0123456789", 4)
		before := f.snapshot(t)
		id, err := f.f.Materialize(ctx, component, rec, pinOf(missing))
		checkSourceError(t, err, url, missing, "not reachable")
		f.checkNothingKept(t, id, before)
	})
	t.Run("short commit", func(t *testing.T) {
		f := newEnv(t)
		_, err := f.f.Materialize(ctx, component, rec, pinOf(commit1[:12]))
		checkSourceError(t, err, url, "not a full commit id")
	})
}

func TestID(t *testing.T) {
	t.Parallel()
	hex64 := strings.Repeat("ab", 32)
	tests := []struct {
		name    string
		src     lock.Source
		want    string
		wantErr string
	}{
		{"tarball", lock.Source{Kind: spec.Tarball, SHA256: hex64}, "tarball-" + hex64, ""},
		{"git", lock.Source{Kind: spec.Git, Commit: hex64[:40]}, "git-" + hex64[:40], ""},
		{"git sha256", lock.Source{Kind: spec.Git, Commit: hex64}, "git-" + hex64, ""},
		{"dir", lock.Source{Kind: spec.Dir, SHA256: "sha256:" + hex64}, "dir-" + hex64, ""},
		{"bundled", lock.Source{Kind: spec.Bundled, SHA256: hex64}, "", "no cache identity"},
		{"tarball upper case", lock.Source{Kind: spec.Tarball, SHA256: strings.ToUpper(hex64)}, "", "not a SHA-256"},
		{"tarball empty", lock.Source{Kind: spec.Tarball}, "", "not a SHA-256"},
		{"git short", lock.Source{Kind: spec.Git, Commit: hex64[:12]}, "", "not a full commit id"},
		{"dir without prefix", lock.Source{Kind: spec.Dir, SHA256: hex64}, "", "not a tree digest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := source.ID(tc.src)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ID = %q, %v; want an error mentioning %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ID (-want +got):\n%s", diff)
			}
		})
	}
}

// Download takes whatever the URL gives, retrying a transient failure, and never goes out
// offline.
func TestDownload(t *testing.T) {
	t.Parallel()
	body := []byte("a release\n")
	srv := newServer(t, map[string]func(int, http.ResponseWriter, *http.Request){
		"/r.tar.gz": func(n int, w http.ResponseWriter, r *http.Request) {
			if n == 1 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write(body)
		},
	})
	for _, tc := range []struct {
		name    string
		offline bool
		path    string
		err     string
	}{
		{name: "online", path: "/r.tar.gz"},
		{name: "offline", offline: true, path: "/r.tar.gz", err: "--offline forbids downloading it"},
		{name: "missing", path: "/none.tar.gz", err: "404"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := cache.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			f := &source.Fetcher{Store: st, Offline: tc.offline, Backoff: time.Millisecond}
			sha, err := f.Download(context.Background(), srv.URL+tc.path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), srv.URL+tc.path) {
					t.Fatalf("error %v, want one naming the URL and saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(body)
			if sha != hex.EncodeToString(sum[:]) || !st.HasBlob(sha) {
				t.Errorf("sha256 %s, not the body's, or not in the store", sha)
			}
		})
	}
}

func TestRead(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/ok.json":
			fmt.Fprint(w, `{"packages": {}}`)
		case "/boom.json":
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "ok.json"), []byte(`{"packages": {}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	f := &source.Fetcher{}
	tests := []struct {
		url      string
		want     string
		notFound bool
		err      string
	}{
		{url: srv.URL + "/ok.json", want: `{"packages": {}}`},
		{url: srv.URL + "/missing.json", notFound: true, err: "HTTP 404"},
		{url: srv.URL + "/boom.json", err: "HTTP 500"},
		{url: "file://" + dir + "/ok.json", want: `{"packages": {}}`},
		{url: "file://" + dir + "/missing.json", notFound: true, err: "missing.json"},
	}
	for _, tc := range tests {
		got, err := f.Read(context.Background(), tc.url)
		if string(got) != tc.want || errors.Is(err, source.ErrNotFound) != tc.notFound || (tc.err == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("Read(%s) = %q, %v; want %q, not found %v, error containing %q", tc.url, got, err, tc.want, tc.notFound, tc.err)
		}
	}
	off := &source.Fetcher{Offline: true}
	if _, err := off.Read(context.Background(), srv.URL+"/ok.json"); !errors.Is(err, source.ErrOffline) {
		t.Errorf("offline Read: %v", err)
	}
}
