package build_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

var releaseDate = time.Date(2026, 7, 11, 10, 16, 37, 0, time.UTC)

// debianArchive is a one-suite archive served over HTTP, signed by a test key, with the
// .debs given (name -> bytes) at version 1, architecture amd64.
type debianArchive struct {
	dir, url, keyring string
	sha               map[string]string
}

func newDebianArchive(t *testing.T, project string, debs map[string]string) debianArchive {
	t.Helper()
	a := debianArchive{dir: t.TempDir(), sha: map[string]string{}}
	var index strings.Builder
	for name, body := range debs {
		file := fmt.Sprintf("pool/main/%s/%s_1_amd64.deb", name[:1], name)
		writeBytes(t, filepath.Join(a.dir, file), []byte(body))
		sum := sha256.Sum256([]byte(body))
		a.sha[name] = hex.EncodeToString(sum[:])
		fmt.Fprintf(&index, "Package: %s\nVersion: 1\nArchitecture: amd64\nFilename: %s\nSize: %d\nSHA256: %s\n\n", name, file, len(body), a.sha[name])
	}
	var xzBuf bytes.Buffer
	w, err := xz.NewWriter(&xzBuf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte(index.String()))
	w.Close()
	sum := sha256.Sum256(xzBuf.Bytes())
	h := hex.EncodeToString(sum[:])
	// Only the by-hash copy exists: the lock must fetch the index by its hash.
	writeBytes(t, filepath.Join(a.dir, "dists/bookworm/main/binary-amd64/by-hash/SHA256", h), xzBuf.Bytes())
	rel := fmt.Sprintf("Origin: Debian\nCodename: bookworm\nDate: %s\nAcquire-By-Hash: yes\nSHA256:\n %s %d main/binary-amd64/Packages.xz\n",
		releaseDate.Format(time.RFC1123), h, xzBuf.Len())
	k := signaturetest.Keys(t)[0]
	s, err := signature.NewSigner(k.Priv, nil, k.Fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.Clearsign([]byte(rel), releaseDate)
	if err != nil {
		t.Fatal(err)
	}
	writeBytes(t, filepath.Join(a.dir, "dists/bookworm/InRelease"), msg)
	writeBytes(t, filepath.Join(project, "recipes/keys/archive.asc"), k.Pub)
	srv := httptest.NewServer(http.FileServer(http.Dir(a.dir)))
	t.Cleanup(srv.Close)
	a.url = srv.URL
	return a
}

func writeBytes(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// fakeApt answers every resolution with the packages given, at version 1.
func fakeApt(names ...string) build.DebianResolver {
	return func(_ context.Context, req build.AptRequest) ([]build.AptInstall, error) {
		if len(req.Mirror) != 1 || req.Mirror[0].Suite != "bookworm" {
			return nil, fmt.Errorf("mirror %v, want the one suite", req.Mirror)
		}
		if _, err := os.Stat(filepath.Join(req.Mirror[0].Dir, "dists/bookworm/main/binary-amd64/Packages.xz")); err != nil {
			return nil, err
		}
		var out []build.AptInstall
		for _, n := range names {
			out = append(out, build.AptInstall{Name: n, Version: "1", Architecture: "amd64"})
		}
		return out, nil
	}
}

func debianSet(t *testing.T, a debianArchive, packages string) spec.Set {
	t.Helper()
	src := fmt.Sprintf(`debian_base "b" {
  source %q { suites = ["bookworm"] }
  packages = [%s]
  keyring  = "keys/archive.asc"
}
`, a.url, packages)
	set, _, diags := load.Sources([]load.Source{{Name: "recipes/debian.hcl", Bytes: []byte(src)}}, mapFS{"recipes/keys/archive.asc": true})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return set
}

type mapFS map[string]bool

func (m mapFS) Exists(name string) bool { return m[name] }

func debianOptions(t *testing.T, root string, resolver build.DebianResolver) build.Options {
	t.Helper()
	st, err := cache.Open(filepath.Join(t.TempDir(), "cache"))
	if err != nil {
		t.Fatal(err)
	}
	return build.Options{Root: root, Jobs: 2, DebianResolver: resolver, Now: func() time.Time { return releaseDate.Add(time.Hour) },
		Fetcher: &source.Fetcher{Store: st, Root: root, Retries: 1, Now: func() time.Time { return releaseDate.Add(time.Hour) }}}
}

// TestLockDebianBase locks a base against a signed archive: apt's choice (faked) is
// pinned from the verified index, each .deb is fetched into the cache, and the base's
// time is the Release's Date.
func TestLockDebianBase(t *testing.T) {
	root := t.TempDir()
	a := newDebianArchive(t, root, map[string]string{"libc6": "libc6 bytes", "php8.2-cli": "php bytes", "unused": "x"})
	o := debianOptions(t, root, fakeApt("libc6", "php8.2-cli"))
	lf, _, diags, err := build.Lock(context.Background(), o, debianSet(t, a, `"php-cli"`), lock.File{}, nil)
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	pkg := func(name string) lock.DebPackage {
		return lock.DebPackage{Name: name, Version: "1", Architecture: "amd64", Archive: a.url, Suite: "bookworm",
			Filename: fmt.Sprintf("pool/main/%s/%s_1_amd64.deb", name[:1], name), Size: int64(len(name) + 6), SHA256: a.sha[name]}
	}
	set := debianSet(t, a, `"php-cli"`)
	b, _ := set.DebianBase("b")
	want := []lock.DebianBase{{Name: "b", Recipe: lock.DebianRecipe(b, nil), Time: releaseDate.Unix(), Requested: []string{"php-cli"},
		Keyring: "recipes/keys/archive.asc", Suites: []lock.DebianSuite{{Archive: a.url, Suite: "bookworm", Date: releaseDate.Unix(),
			Signer: signaturetest.Keys(t)[0].Fingerprint}},
		Packages: []lock.DebPackage{pkg("libc6"), pkg("php8.2-cli")}}}
	want[0].Packages[1].Size = int64(len("php bytes"))
	want[0].Packages[0].Size = int64(len("libc6 bytes"))
	if diff := cmp.Diff(want, lf.DebianBases); diff != "" {
		t.Errorf("locked bases (-want +got):\n%s", diff)
	}
	for _, p := range lf.DebianBases[0].Packages {
		if !o.Fetcher.Store.HasBlob(p.SHA256) {
			t.Errorf("%s is not in the cache", p.Name)
		}
	}
	roots := strings.Join(build.CacheRoots(set, lf), "\n")
	if !strings.Contains(roots, a.sha["libc6"]) {
		t.Errorf("cache roots do not keep libc6's .deb:\n%s", roots)
	}

	// Fresh: apt is not asked again, unless the base is named with --update.
	o.DebianResolver = fakeApt("libc6")
	kept, _, diags, err := build.Lock(context.Background(), o, set, lf, nil)
	if err != nil || diags.HasErrors() || len(kept.DebianBases[0].Packages) != 2 {
		t.Fatalf("fresh lock: %v %v, %d packages, want the 2 pinned", err, diags, len(kept.DebianBases[0].Packages))
	}
	moved, _, diags, err := build.Lock(context.Background(), o, set, lf, []string{"debian:b"})
	if err != nil || diags.HasErrors() || len(moved.DebianBases[0].Packages) != 1 {
		t.Fatalf("lock --update debian:b: %v %v, %d packages, want apt's new choice", err, diags, len(moved.DebianBases[0].Packages))
	}
	if _, _, _, err := build.Lock(context.Background(), o, set, lf, []string{"debian:c"}); err == nil || !strings.Contains(err.Error(), "--update debian:c: no recipe declares") {
		t.Errorf("lock --update debian:c: %v, want an error naming it", err)
	}

	// Fresh, offline, with the archive gone: nothing is fetched, the pins stay.
	os.RemoveAll(a.dir)
	o.Fetcher.Offline = true
	again, _, diags, err := build.Lock(context.Background(), o, set, lf, nil)
	if err != nil || diags.HasErrors() {
		t.Fatal(err, diags)
	}
	if diff := cmp.Diff(lf.DebianBases, again.DebianBases); diff != "" {
		t.Errorf("a fresh lock moved (-was +now):\n%s", diff)
	}
}

// TestLockDebianBaseErrors checks that what cannot be pinned is an error naming the base,
// the suite and the package.
func TestLockDebianBaseErrors(t *testing.T) {
	tests := []struct {
		name     string
		apt      []string
		tamper   string // a .deb whose bytes on the archive change after the index was signed
		fresh    bool   // lock again from a lock whose .debs the cache lost
		gone     string // ... and which the archive no longer has
		wantErrs []string
	}{
		{name: "apt chose an unlisted package", apt: []string{"libc6", "ghost"},
			wantErrs: []string{`debian_base "b": apt chose packages that no verified index lists: ghost 1 (amd64)`}},
		{name: "tampered .deb", apt: []string{"libc6"}, tamper: "libc6",
			wantErrs: []string{`debian_base "b": suite bookworm of `, `: package libc6 1: `, "the file is corrupt or was replaced upstream"}},
		{name: "pinned .deb gone", apt: []string{"libc6"}, fresh: true, gone: "libc6",
			wantErrs: []string{`package libc6 1: libc6_1_amd64.deb is gone from the archive`, "run `mwedition lock --update debian:b`"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			a := newDebianArchive(t, root, map[string]string{"libc6": "libc6 bytes"})
			set := debianSet(t, a, `"libc6"`)
			o := debianOptions(t, root, fakeApt(tc.apt...))
			prev := lock.File{}
			if tc.fresh {
				lf, _, diags, err := build.Lock(context.Background(), o, set, lock.File{}, nil)
				if err != nil || diags.HasErrors() {
					t.Fatal(err, diags)
				}
				prev = lf
				o = debianOptions(t, root, fakeApt(tc.apt...)) // an empty cache
			}
			if tc.tamper != "" {
				writeBytes(t, filepath.Join(a.dir, fmt.Sprintf("pool/main/%s/%s_1_amd64.deb", tc.tamper[:1], tc.tamper)), []byte("evil bytes!"))
			}
			if tc.gone != "" {
				os.Remove(filepath.Join(a.dir, fmt.Sprintf("pool/main/%s/%s_1_amd64.deb", tc.gone[:1], tc.gone)))
			}
			_, _, diags, err := build.Lock(context.Background(), o, set, prev, nil)
			got := fmt.Sprint(err, diags)
			if !diags.HasErrors() {
				t.Fatalf("no error diagnostic; got %s", got)
			}
			for _, w := range tc.wantErrs {
				if !strings.Contains(got, w) {
					t.Errorf("error %q\ndoes not contain %q", got, w)
				}
			}
		})
	}
}
