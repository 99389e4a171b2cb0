package scaffold

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2/hclwrite"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
	"github.com/mwedition/mwedition/internal/source"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// releaseTar is a gzip-compressed tarball laid out like a MediaWiki release.
func releaseTar(t *testing.T, files map[string]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, n := range sortedKeys(files) {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(files[n]))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	return buf.Bytes()
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

const defines = "<?php\ndefine( 'MW_VERSION', '1.43.1' );\n"

func release143() map[string]string {
	return map[string]string{
		"mediawiki-1.43.1/includes/Defines.php":                       defines,
		"mediawiki-1.43.1/extensions/README":                          "readme",
		"mediawiki-1.43.1/extensions/Cite/extension.json":             "{}",
		"mediawiki-1.43.1/extensions/Cite/lib/A.class":                "\xca\xfe\xba\xbe\x00\x00\x00\x34java",
		"mediawiki-1.43.1/extensions/Lua/extension.json":              "{}",
		"mediawiki-1.43.1/extensions/Lua/engine/binaries/linux/lua":   "\x7fELF\x02\x01\x01",
		"mediawiki-1.43.1/extensions/Lua/engine/binaries/mac/lua":     "\xca\xfe\xba\xbe\x00\x00\x00\x02",
		"mediawiki-1.43.1/extensions/Lua/engine/binaries/win/lua.exe": "MZ\x90\x00",
		"mediawiki-1.43.1/extensions/Lua/engine/binaries/README":      "prebuilt",
		"mediawiki-1.43.1/extensions/Tools/extension.json":            "{}",
		"mediawiki-1.43.1/extensions/Tools/a/tool":                    "\xcf\xfa\xed\xfe\x07",
		"mediawiki-1.43.1/extensions/Tools/b/tool":                    "\x7fELF",
		"mediawiki-1.43.1/extensions/Tools/run.py":                    "#!/usr/bin/python3\n",
		"mediawiki-1.43.1/extensions/NoManifest/x.php":                "<?php",
		"mediawiki-1.43.1/skins/Vector/skin.json":                     "{}",
		"mediawiki-1.43.1/skins/Vector/extension.json":                "{}",
		"mediawiki-1.43.1/skins/Timeless/skin.json":                   "{}",
	}
}

func TestInspect(t *testing.T) {
	noDefines := release143()
	delete(noDefines, "mediawiki-1.43.1/includes/Defines.php")
	for _, tc := range []struct {
		name    string
		tarball []byte
		want    Contents
		err     string
	}{
		{name: "release", tarball: releaseTar(t, release143()), want: Contents{
			Version: "1.43.1",
			Extensions: []Bundled{
				{Name: "Cite"},
				{Name: "Lua", Exclude: []string{"engine/binaries"}, Executables: 3},
				{Name: "Tools", Exclude: []string{"a/tool", "b/tool"}, Executables: 2},
			},
			Skins: []Bundled{{Name: "Timeless"}, {Name: "Vector"}},
		}},
		{name: "not gzip", tarball: []byte("PK\x03\x04 a zip"), err: "not a gzip-compressed tarball"},
		{name: "not MediaWiki", tarball: releaseTar(t, noDefines), err: "no MW_VERSION in includes/Defines.php"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Inspect(bytes.NewReader(tc.tarball))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// project143 is a project as init makes it for the 1.43.1 sample release.
func project143(t *testing.T) Project {
	c, err := Inspect(bytes.NewReader(releaseTar(t, release143())))
	if err != nil {
		t.Fatal(err)
	}
	r, err := ReleaseOf("1.43.1")
	if err != nil {
		t.Fatal(err)
	}
	r.SHA256 = strings.Repeat("ab", 32)
	return Project{Core: "mediawiki", Release: r, Keyring: MediaWikiKeys, Contents: c, Edition: "intranet",
		Title: "Intranet wiki", Formats: []string{"deb", "rpm", "tarball", "image"}}
}

// TestFiles holds the rendered manifests to golden files, checks that they are formatted as
// hclwrite formats them, and that they load without a diagnostic.
func TestFiles(t *testing.T) {
	p := project143(t)
	for _, f := range p.Files() {
		if f.Path == KeyringPath {
			if !bytes.Equal(f.Bytes, MediaWikiKeys) {
				t.Errorf("%s is not the keyring", f.Path)
			}
			continue
		}
		if got := hclwrite.Format(f.Bytes); !bytes.Equal(got, f.Bytes) {
			t.Errorf("%s is not formatted:\n%s", f.Path, cmp.Diff(string(got), string(f.Bytes)))
		}
		golden := filepath.Join("testdata", "intranet", filepath.FromSlash(f.Path))
		if *update {
			os.MkdirAll(filepath.Dir(golden), 0o755)
			if err := os.WriteFile(golden, f.Bytes, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to write it)", err)
		}
		if diff := cmp.Diff(string(want), string(f.Bytes)); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", f.Path, golden, diff)
		}
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}

func TestReleaseOf(t *testing.T) {
	for _, tc := range []struct{ version, url, err string }{
		{"1.39.17", "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz", ""},
		{"1.43.1", "https://releases.wikimedia.org/mediawiki/1.43/mediawiki-1.43.1.tar.gz", ""},
		{"1.39", "", "not a MediaWiki release version"},
		{"1.43.0-rc.0", "", "not a MediaWiki release version"},
		{"../1.39.17", "", "not a MediaWiki release version"},
	} {
		r, err := ReleaseOf(tc.version)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s: error %v, want %q", tc.version, err, tc.err)
			}
			continue
		}
		if err != nil || r.URL != tc.url || r.Signature != tc.url+".sig" {
			t.Errorf("%s: %+v, %v; want %s", tc.version, r, err, tc.url)
		}
	}
}

// The keys init writes are the shipped project's.
func TestMediaWikiKeysAreTheShippedOnes(t *testing.T) {
	shipped, err := os.ReadFile("../../recipes/keys/mediawiki-release.asc")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shipped, MediaWikiKeys) {
		t.Error("internal/scaffold/keys/mediawiki-release.asc differs from recipes/keys/mediawiki-release.asc: copy the shipped keys")
	}
	if _, err := signature.ReadKeyring(bytes.NewReader(MediaWikiKeys)); err != nil {
		t.Error(err)
	}
}

func TestWriteRefusesAnExistingProject(t *testing.T) {
	files := []File{{"recipes/core.hcl", []byte("core")}, {KeyringPath, []byte("keys")}, {"editions/main.hcl", []byte("e")}}
	for _, tc := range []struct {
		name, existing string // existing: a file already there, relative to the directory
	}{
		{"empty directory", ""},
		{"lock", "editions.lock"},
		{"another recipe", "recipes/mine.hcl"},
		{"another edition", "editions/other.hcl"},
		{"the keyring", KeyringPath},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "new")
			if tc.existing != "" {
				p := filepath.Join(dir, tc.existing)
				os.MkdirAll(filepath.Dir(p), 0o755)
				os.WriteFile(p, []byte("mine"), 0o644)
			}
			err := Write(dir, files)
			if tc.existing == "" {
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range files {
					if b, _ := os.ReadFile(filepath.Join(dir, f.Path)); !bytes.Equal(b, f.Bytes) {
						t.Errorf("%s holds %q", f.Path, b)
					}
				}
				return
			}
			var ee *ExistsError
			if !errors.As(err, &ee) || ee.Path != filepath.Join(dir, tc.existing) {
				t.Fatalf("error %v, want one naming %s", err, tc.existing)
			}
			if b, _ := os.ReadFile(filepath.Join(dir, tc.existing)); string(b) != "mine" {
				t.Errorf("%s was replaced", tc.existing)
			}
		})
	}
}

// fakeNet answers requests from a map of URL to body, as releases.wikimedia.org would, and
// counts them.
type fakeNet struct {
	bodies map[string][]byte
	gets   int
}

func (n *fakeNet) RoundTrip(r *http.Request) (*http.Response, error) {
	n.gets++
	b, ok := n.bodies[r.URL.String()]
	if !ok {
		return &http.Response{StatusCode: 404, Status: "404 Not Found", Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
	return &http.Response{StatusCode: 200, Status: "200 OK", Body: io.NopCloser(bytes.NewReader(b)), Request: r}, nil
}

func TestPin(t *testing.T) {
	keys := signaturetest.Keys(t)
	tarball := releaseTar(t, release143())
	sign := func(k signaturetest.Key) []byte {
		s, err := signature.NewSigner(k.Priv, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.DetachArmored(bytes.NewReader(tarball), keys[0].Created.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	good, bad := sign(keys[0]), sign(keys[1])
	r, _ := ReleaseOf("1.43.1")
	r2, _ := ReleaseOf("1.43.2")
	for _, tc := range []struct {
		name    string
		release Release
		sha     string // given as --sha256
		offline bool
		cached  map[string][]byte // URL -> what the cache recorded it gives
		net     map[string][]byte // URL -> what the network gives
		err     string
		gets    int
	}{
		{name: "recorded in the cache", release: r, offline: true, cached: map[string][]byte{r.URL: tarball, r.Signature: good}},
		{name: "sha256 given", release: r, offline: true, sha: sha(tarball), cached: map[string][]byte{"x": tarball, r.Signature: good}},
		{name: "downloaded", release: r, net: map[string][]byte{r.URL: tarball, r.Signature: good}, gets: 2},
		{name: "offline with nothing cached", release: r, offline: true,
			err: "the cache has no copy of " + r.URL + ", and --offline forbids downloading it: add the tarball with `mwedition cache add --url"},
		{name: "offline without the signature", release: r, offline: true, cached: map[string][]byte{r.URL: tarball},
			err: "the cache has no copy of the release signature " + r.Signature},
		{name: "signed by another key", release: r, net: map[string][]byte{r.URL: tarball, r.Signature: bad}, gets: 2,
			err: "does not verify against its signature " + r.Signature + " with the release keys"},
		{name: "another release", release: r2, sha: sha(tarball), cached: map[string][]byte{"x": tarball, r2.Signature: good},
			err: "is MediaWiki 1.43.1, not 1.43.2"},
		{name: "not found", release: r, net: map[string][]byte{}, gets: 1, err: "HTTP 404 Not Found; where releases.wikimedia.org cannot be reached, add a copy of the tarball with `mwedition cache add --url " + r.URL},
		{name: "sha256 given, offline, not cached", release: r, offline: true, sha: sha(tarball),
			err: "the cache has no file with sha256 " + sha(tarball) + ", and --offline forbids downloading " + r.URL},
		{name: "sha256 given, downloaded", release: r, sha: sha(tarball), net: map[string][]byte{r.URL: tarball, r.Signature: good}, gets: 2},
		{name: "sha256 given, other bytes downloaded", release: r, sha: strings.Repeat("0", 64), net: map[string][]byte{r.URL: tarball}, gets: 1,
			err: "gave a file with sha256 " + sha(tarball) + ", not the " + strings.Repeat("0", 64) + " given with --sha256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st, err := cache.Open(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			for u, b := range tc.cached {
				got, _, err := st.AddBlob(bytes.NewReader(b), "")
				if err != nil {
					t.Fatal(err)
				}
				st.SetURLBlob(u, got)
			}
			net := &fakeNet{bodies: tc.net}
			f := &source.Fetcher{Store: st, Offline: tc.offline, Client: &http.Client{Transport: net}, Retries: 1}
			rel := tc.release
			rel.SHA256 = tc.sha
			p, err := Pin(context.Background(), f, rel, keys[0].Pub, keys[0].Created.Add(24*time.Hour))
			if net.gets != tc.gets {
				t.Errorf("%d requests, want %d", net.gets, tc.gets)
			}
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want one saying %q", err, tc.err)
				}
				if got, ok := st.URLBlob(rel.URL); ok && tc.cached[rel.URL] == nil {
					t.Errorf("a release that failed is recorded as what %s gives (%s)", rel.URL, got)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Release.SHA256 != sha(tarball) || p.SignedBy != keys[0].Fingerprint || p.Contents.Version != "1.43.1" || p.Downloaded != (tc.gets > 0) {
				t.Errorf("pinned %+v", p)
			}
			if got, ok := st.URLBlob(r.URL); !ok || got != sha(tarball) {
				t.Errorf("the cache does not record %s as giving the release", r.URL)
			}
		})
	}
}

func sha(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
