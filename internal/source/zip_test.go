package source_test

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"io/fs"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/spec"
)

// zipOf writes ents as a zip archive, the way GitHub's zipballs and `git archive
// --format=zip` store them: directories end in "/", symlinks hold their target as data.
func zipOf(t *testing.T, ents []tent) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range ents {
		fh := &zip.FileHeader{Name: e.name, Method: zip.Deflate, Modified: tarTime}
		mode := fs.FileMode(e.mode).Perm()
		body := e.body
		switch e.typ {
		case tar.TypeDir:
			fh.Method, mode = zip.Store, mode|fs.ModeDir
		case tar.TypeSymlink:
			mode, body = fs.ModeSymlink|0o777, e.link
		}
		if mode.Perm() == 0 {
			mode |= 0o644
		}
		fh.SetMode(mode)
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatalf("zip entry %q: %v", e.name, err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// A zip dist, pinned as a tarball source, unpacks to the same tree as the same files in a
// tarball, modification times included.
func TestMaterializeZip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	zb := zipOf(t, release())
	rec := spec.Source{Kind: spec.Tarball, URL: e.serve(t, "pkg-1.0.zip", zb), SHA256: sha(zb)}
	before := e.snapshot(t)

	id, err := e.f.Materialize(context.Background(), component, rec, pin(rec))
	if err != nil {
		t.Fatalf("Materialize: %v", err)
	}
	if want := "tarball-" + rec.SHA256; id != want {
		t.Errorf("id = %q, want %q", id, want)
	}
	e.checkSource(t, id, "pkg-1.0", releaseFiles)
	if diff := cmp.Diff(before, e.snapshot(t)); diff != "" {
		t.Errorf("files outside the store changed (-before +after):\n%s", diff)
	}

	tgz := tarGz(t, release())
	trec := spec.Source{Kind: spec.Tarball, URL: e.serve(t, "pkg-1.0.tar.gz", tgz), SHA256: sha(tgz)}
	tid, err := e.f.Materialize(context.Background(), component, trec, pin(trec))
	if err != nil {
		t.Fatalf("Materialize the tarball: %v", err)
	}
	withTimes := func(id string) map[string]node {
		got := listTree(t, e.store.Path(cache.SrcRel(id)), true)
		// Directories without an entry of their own are stamped when they are made, and
		// symlinks when they are made: neither archive decides their times.
		for _, implicit := range []string{".", "pkg-1.0/lib", "pkg-1.0/lib/deep"} {
			delete(got, implicit)
		}
		link := got["pkg-1.0/README.link"]
		link.MTime = 0
		got["pkg-1.0/README.link"] = link
		return got
	}
	if diff := cmp.Diff(withTimes(tid), withTimes(id)); diff != "" {
		t.Errorf("zip and tarball unpack differently (-tarball +zip):\n%s", diff)
	}
}

func TestMaterializeRefusesBadZips(t *testing.T) {
	t.Parallel()
	serveZip := func(t *testing.T, e *env, zb []byte) spec.Source {
		return spec.Source{Kind: spec.Tarball, URL: e.serve(t, "pkg.zip", zb), SHA256: sha(zb)}
	}
	tests := []struct {
		name    string
		prepare func(t *testing.T, e *env) spec.Source
		wants   []string
	}{
		{"corrupt cached blob", func(t *testing.T, e *env) spec.Source {
			zb := zipOf(t, release())
			rec := serveZip(t, e, zb)
			if _, _, err := e.store.AddBlob(bytes.NewReader(zb), rec.SHA256); err != nil {
				t.Fatal(err)
			}
			// The disk rots after the blob was stored: still a zip, no longer the pinned bytes.
			blob := e.store.Path(cache.BlobRel(rec.SHA256))
			rotten := bytes.Clone(zb)
			rotten[len(rotten)/2] ^= 0x5a
			if err := os.Chmod(blob, 0o644); err != nil {
				t.Fatal(err)
			}
			writeFile(t, blob, rotten, 0o444)
			return rec
		}, []string{"the cache is corrupt", "not the pinned", cache.BlobRel("")}},
		{"zip slip", func(t *testing.T, e *env) spec.Source {
			return serveZip(t, e, zipOf(t, []tent{{name: "pkg/ok", body: "ok\n"}, {name: "../evil", body: "evil\n"}}))
		}, []string{"unpacking: ", `"../evil"`, "escapes the archive root"}},
		{"symlink escaping", func(t *testing.T, e *env) spec.Source {
			return serveZip(t, e, zipOf(t, []tent{{name: "link", typ: tar.TypeSymlink, link: "../../outside"}}))
		}, []string{"unpacking: ", `"link"`, "symlink target escapes"}},
		{"corrupt zip pinned as it is", func(t *testing.T, e *env) spec.Source {
			zb := zipOf(t, []tent{{name: "pkg/a", body: "hello, this is the data\n"}})
			// The first entry's data follows its 30-byte local header, name and extra field.
			start := 30 + int(binary.LittleEndian.Uint16(zb[26:])) + int(binary.LittleEndian.Uint16(zb[28:]))
			zb[start+4] ^= 0x5a
			return serveZip(t, e, zb)
		}, []string{"unpacking: ", `"pkg/a"`, "data does not match its header"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			rec := tc.prepare(t, e)
			before := e.snapshot(t)
			_, err := e.f.Materialize(context.Background(), component, rec, pin(rec))
			checkSourceError(t, err, rec.URL, tc.wants...)
			e.checkNothingKept(t, "tarball-"+rec.SHA256, before)
		})
	}
}
