package apt

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/repo"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

var (
	signerOnce sync.Once
	signer     *signature.Signer
	signerErr  error
)

// testSigner is a throwaway RSA key made once per test binary.
func testSigner(t *testing.T) *signature.Signer {
	t.Helper()
	signerOnce.Do(func() {
		created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		e, err := openpgp.NewEntity("mwedition test", "test only", "release@mwedition.example.org",
			&packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048, Time: func() time.Time { return created }})
		if err != nil {
			signerErr = err
			return
		}
		var b bytes.Buffer
		w, _ := armor.Encode(&b, openpgp.PrivateKeyType, nil)
		if err := e.SerializePrivate(w, nil); err != nil {
			signerErr = err
			return
		}
		w.Close()
		signer, signerErr = signature.NewSigner(b.Bytes(), nil, "")
	})
	if signerErr != nil {
		t.Fatal(signerErr)
	}
	return signer
}

// deb writes a small package into dir and returns its path.
func deb(t *testing.T, dir, name, version, content string) string {
	t.Helper()
	p := pack.Package{
		Name: name, Version: version, Summary: "test package " + name, Description: "A package for the apt tests.\n\nIt holds one file.",
		License: "GPL-2.0-or-later", Maintainer: "mwedition <packages@mwedition.example.org>",
		MTime:   time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC),
		Depends: []string{"mediawiki-core (>= 1.39)"},
		Extra:   []pack.File{{Path: "/usr/share/" + name + "/file", Type: fstree.File, Content: []byte(content)}},
	}
	if version == "2.0" {
		p.MTime = p.MTime.Add(24 * time.Hour)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, pack.DebFileName(p))
	var b bytes.Buffer
	if err := pack.Deb(context.Background(), p, nil, &b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

func options(t *testing.T) Options {
	return Options{Signer: testSigner(t), Codename: "mwedition"}
}

// metaFiles reads every metadata file a client can reach (dists/ and the key).
func metaFiles(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, top := range []string{"dists", DefaultKeyFile} {
		root, err := filepath.EvalSymlinks(filepath.Join(dir, top))
		if err != nil {
			t.Fatal(err)
		}
		filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if err == nil && d.Type().IsRegular() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(root, p)
				out[filepath.ToSlash(filepath.Join(top, rel))] = string(b)
			}
			return nil
		})
	}
	return out
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestPublishRepository(t *testing.T) {
	src := t.TempDir()
	debs := []string{deb(t, src, "mediawiki-core", "1.39.17", "core"), deb(t, src, "mediawiki-extension-cite", "1.0", "cite")}
	dir := filepath.Join(t.TempDir(), "repo")
	res, err := Publish(context.Background(), dir, debs, options(t))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"mediawiki-core 1.39.17-1", "mediawiki-extension-cite 1.0-1"}, res.New); diff != "" {
		t.Errorf("new packages (-want +got):\n%s", diff)
	}
	if want := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC); !res.Date.Equal(want) {
		t.Errorf("Date %v, want the newest package's time %v", res.Date, want)
	}
	files := metaFiles(t, dir)
	golden(t, "Packages", []byte(files["dists/stable/main/binary-all/Packages"]))
	golden(t, "Release", []byte(files["dists/stable/Release"]))

	// Every index is listed in the Release with its size and digest, and served by hash;
	// the compressed ones decompress to the plain one.
	plain := files["dists/stable/main/binary-all/Packages"]
	for _, name := range []string{"Packages", "Packages.gz", "Packages.xz"} {
		data := files["dists/stable/main/binary-all/"+name]
		sum := sha256Hex([]byte(data))
		if line := " " + sum + " " + itoa(len(data)) + " main/binary-all/" + name + "\n"; !strings.Contains(files["dists/stable/Release"], line) {
			t.Errorf("Release does not list %q", line)
		}
		if files["dists/stable/main/binary-all/by-hash/SHA256/"+sum] != data {
			t.Errorf("%s is not served by hash", name)
		}
		var r io.Reader = strings.NewReader(data)
		switch {
		case strings.HasSuffix(name, ".gz"):
			z, err := gzip.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			// As gzip -n: no name (flags 0), MTIME 0, best compression (2), Unix (3).
			if hdr := []byte(data[3:10]); !bytes.Equal(hdr, []byte{0, 0, 0, 0, 0, 2, 3}) {
				t.Errorf("Packages.gz header flags, time, extra flags and OS: %v", hdr)
			}
			r = z
		case strings.HasSuffix(name, ".xz"):
			z, err := xz.NewReader(r)
			if err != nil {
				t.Fatal(err)
			}
			r = z
		}
		if b, err := io.ReadAll(r); err != nil || string(b) != plain {
			t.Errorf("%s does not decompress to Packages: %v", name, err)
		}
	}

	// The signatures verify with the exported key.
	ring, err := openpgp.ReadArmoredKeyRing(strings.NewReader(files[DefaultKeyFile]))
	if err != nil {
		t.Fatal(err)
	}
	release := files["dists/stable/Release"]
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, strings.NewReader(release), strings.NewReader(files["dists/stable/Release.gpg"]), nil); err != nil {
		t.Errorf("Release.gpg: %v", err)
	}
	b, _ := clearsign.Decode([]byte(files["dists/stable/InRelease"]))
	if b == nil {
		t.Fatal("InRelease is not clearsigned")
	}
	if _, err := b.VerifySignature(ring, nil); err != nil {
		t.Errorf("InRelease: %v", err)
	}
	if strings.TrimSuffix(string(b.Plaintext), "\n") != strings.TrimSuffix(release, "\n") {
		t.Errorf("InRelease signs\n%s\nnot the Release\n%s", b.Plaintext, release)
	}

	// The same packages into another repository, or again into this one: the same bytes.
	other := filepath.Join(t.TempDir(), "repo")
	if _, err := Publish(context.Background(), other, debs, options(t)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(files, metaFiles(t, other)); diff != "" {
		t.Errorf("two repositories from the same packages differ (-one +other):\n%s", diff)
	}
	res, err = Publish(context.Background(), dir, debs, options(t))
	if err != nil {
		t.Fatal(err)
	}
	if !res.Unchanged || len(res.New) != 0 {
		t.Errorf("publishing the same packages again: unchanged %v, new %v", res.Unchanged, res.New)
	}
}

func TestPublishKeepsNewestVersions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	opt := options(t)
	opt.Keep = 2
	var last Result
	for i, v := range []string{"1.0", "1.1", "2.0", "1.2"} {
		src := filepath.Join(t.TempDir(), v)
		debs := []string{deb(t, src, "mediawiki-core", "1.39.17", "core"), deb(t, src, "mediawiki-extension-probe", v, "probe "+v)}
		res, err := Publish(context.Background(), dir, debs, opt)
		if err != nil {
			t.Fatalf("publish %d: %v", i+1, err)
		}
		last = res
	}
	// 1.2 came last but is older than 2.0: the newest two are 2.0 and 1.2.
	if diff := cmp.Diff([]string{"mediawiki-core 1.39.17-1", "mediawiki-extension-probe 1.2-1", "mediawiki-extension-probe 2.0-1"}, last.Packages); diff != "" {
		t.Errorf("packages offered (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"mediawiki-extension-probe 1.1-1"}, last.Dropped); diff != "" {
		t.Errorf("dropped (-want +got):\n%s", diff)
	}
	// The Date never goes back: 2.0's time stays though 1.2 is older.
	if want := time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC); !last.Date.Equal(want) {
		t.Errorf("Date %v, want %v", last.Date, want)
	}
	idx := metaFiles(t, dir)["dists/stable/main/binary-all/Packages"]
	if strings.Count(idx, "Package: mediawiki-extension-probe\n") != 2 || strings.Index(idx, "Version: 1.2-1") > strings.Index(idx, "Version: 2.0-1") {
		t.Errorf("Packages does not list probe 1.2 then 2.0:\n%s", idx)
	}
}

func TestPublishRefusesChangedPackages(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := Publish(context.Background(), dir, []string{deb(t, t.TempDir(), "mediawiki-core", "1.39.17", "core")}, options(t)); err != nil {
		t.Fatal(err)
	}
	rebuilt := deb(t, t.TempDir(), "mediawiki-core", "1.39.17", "other bytes")
	_, err := Publish(context.Background(), dir, []string{rebuilt}, options(t))
	if err == nil || !strings.Contains(err.Error(), "already published with other bytes") {
		t.Errorf("publishing other bytes as the same version: %v", err)
	}
	if _, err := Publish(context.Background(), dir, []string{rebuilt}, Options{}); err == nil || !strings.Contains(err.Error(), "must be signed") {
		t.Errorf("publishing without a key: %v", err)
	}
	notDeb := filepath.Join(t.TempDir(), "x.deb")
	os.WriteFile(notDeb, []byte("not a deb"), 0o644)
	if _, err := Publish(context.Background(), dir, []string{notDeb}, options(t)); err == nil || !strings.Contains(err.Error(), "not a .deb") {
		t.Errorf("publishing a file that is not a .deb: %v", err)
	}
}

func TestValidUntil(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	opt := options(t)
	opt.Date = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	opt.ValidFor = 7 * 24 * time.Hour
	if _, err := Publish(context.Background(), dir, []string{deb(t, t.TempDir(), "mediawiki-core", "1.39.17", "core")}, opt); err != nil {
		t.Fatal(err)
	}
	rel := metaFiles(t, dir)["dists/stable/Release"]
	for _, want := range []string{"\nDate: Fri, 02 Jan 2026 03:04:05 UTC\n", "\nValid-Until: Fri, 09 Jan 2026 03:04:05 UTC\n", "\nCodename: mwedition\n"} {
		if !strings.Contains(rel, want) {
			t.Errorf("Release lacks %q:\n%s", want, rel)
		}
	}
}

func TestCompareVersions(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"1.0", "1.0", 0},
		{"1.0", "1.1", -1},
		{"1.10", "1.9", 1},
		{"1.0~rc1", "1.0", -1},
		{"1.0~rc1", "1.0~rc2", -1},
		{"1.0", "1.0+mw1.39.17", -1},
		{"1.39.17-1", "1.39.17-2", -1},
		{"1:1.0-1", "2.0-1", 1},
		{"1.0a", "1.0", 1},
		{"1.0a", "1.0+", -1},
		{"1.0-1", "1.0", 1},
		{"001.0", "1.0", 0},
		{"1.6.0+mw1.39.17-1", "1.6.0+mw1.39.18-1", -1},
	} {
		if got := compareVersions(tc.a, tc.b); got != tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := compareVersions(tc.b, tc.a); got != -tc.want {
			t.Errorf("compareVersions(%q, %q) = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func itoa(n int) string { return strconv.Itoa(n) }

func TestPublishRefusesReleasesAptWouldRefuse(t *testing.T) {
	debs := []string{deb(t, t.TempDir(), "mediawiki-core", "1.39.17", "core")} // dated 2025-12-01
	for _, tc := range []struct {
		name     string
		now      time.Time
		validFor time.Duration
		want     string
	}{
		{"future", time.Date(2025, 11, 30, 0, 0, 0, 0, time.UTC), 0, "in the future"},
		{"expired", time.Date(2025, 12, 9, 0, 0, 0, 0, time.UTC), 7 * 24 * time.Hour, "already past"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			opt := options(t)
			opt.Now, opt.ValidFor = tc.now, tc.validFor
			if _, err := Publish(context.Background(), dir, debs, opt); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Publish: %v, want an error saying %q", err, tc.want)
			}
			if _, err := os.Lstat(filepath.Join(dir, "dists")); err == nil {
				t.Error("the refused Release was published")
			}
		})
	}
}

// TestPublishRefusesWhatTheReleaseDoesNotHold: the Release lists Architecture all only, and
// users' Signed-By names the served key file; a publish that would break either is refused
// before anything is written.
func TestPublishRefusesWhatTheReleaseDoesNotHold(t *testing.T) {
	ctx := context.Background()
	core := deb(t, t.TempDir(), "mediawiki-core", "1.39.17", "core")

	t.Run("another key", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "repo")
		if _, err := Publish(ctx, dir, []string{core}, options(t)); err != nil {
			t.Fatal(err)
		}
		before := metaFiles(t, dir)
		other, err := signature.NewSigner(signaturetest.Keys(t)[1].Priv, nil, "")
		if err != nil {
			t.Fatal(err)
		}
		opt := options(t)
		opt.Signer = other
		_, err = Publish(ctx, dir, []string{deb(t, t.TempDir(), "mediawiki-skin-vector", "1.0", "vector")}, opt)
		want := &repo.KeyChangeError{Dir: dir, KeyFile: DefaultKeyFile, Served: []string{testSigner(t).Fingerprint()}, Given: other.Fingerprint(),
			Names: "which users name in Signed-By", Consequence: "every user's apt-get update would fail with NO_PUBKEY"}
		if diff := cmp.Diff(error(want), err); diff != "" {
			t.Errorf("Publish error (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(before, metaFiles(t, dir)); diff != "" {
			t.Errorf("the refused publish changed the metadata (-before +after):\n%s", diff)
		}
	})

	t.Run("architecture", func(t *testing.T) {
		if _, err := exec.LookPath("dpkg-deb"); err != nil {
			t.Fatal("dpkg-deb is not installed: run `make deps`")
		}
		var amd64 []string
		for _, name := range []string{"php-probe", "lua-probe"} {
			root := filepath.Join(t.TempDir(), name)
			os.MkdirAll(filepath.Join(root, "DEBIAN"), 0o755)
			os.WriteFile(filepath.Join(root, "DEBIAN/control"), []byte("Package: "+name+"\nVersion: 1.0\nArchitecture: amd64\nMaintainer: mwedition <packages@mwedition.example.org>\nDescription: a compiled probe\n"), 0o644)
			f := root + "_1.0_amd64.deb"
			if out, err := exec.Command("dpkg-deb", "--root-owner-group", "-Zgzip", "--build", root, f).CombinedOutput(); err != nil {
				t.Fatalf("dpkg-deb: %v\n%s", err, out)
			}
			amd64 = append(amd64, f)
		}
		dir := filepath.Join(t.TempDir(), "repo")
		_, err := Publish(ctx, dir, append([]string{core}, amd64...), options(t))
		want := "2 packages are not Architecture: all, the one architecture the repository's Release lists, so apt would not see them:\n  " +
			amd64[0] + ": Architecture: amd64\n  " + amd64[1] + ": Architecture: amd64"
		if err == nil || err.Error() != want {
			t.Errorf("Publish: %v\nwant: %s", err, want)
		}
		if _, err := os.Lstat(filepath.Join(dir, "dists")); err == nil {
			t.Error("the refused packages were published")
		}
	})
}

// Two release lines published into one repository, one suite each: publishing one line, many
// times over, leaves the other's suite as it was served, and its package files in the pool.
func TestPublishKeepsOtherSuites(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	opt := options(t)
	opt.Suite, opt.Generations = "1.39", 2
	old := deb(t, filepath.Join(t.TempDir(), "a"), "mediawiki-core", "1.39.17", "core 1.39")
	if _, err := Publish(context.Background(), dir, []string{old}, opt); err != nil {
		t.Fatal(err)
	}
	before := metaFiles(t, dir)
	opt.Suite = "1.43"
	for i := range 4 { // more publishes than the generations kept
		v := "1.43." + itoa(9+i)
		if _, err := Publish(context.Background(), dir, []string{deb(t, filepath.Join(t.TempDir(), v), "mediawiki-core", v, "core "+v)}, opt); err != nil {
			t.Fatalf("publish %s: %v", v, err)
		}
	}
	after := metaFiles(t, dir)
	for p, b := range before {
		if strings.HasPrefix(p, "dists/1.39/") && after[p] != b {
			t.Errorf("%s changed or is gone after publishing suite 1.43", p)
		}
	}
	if !strings.Contains(after["dists/1.43/main/binary-all/Packages"], "Version: 1.43.12-1") {
		t.Error("suite 1.43 does not offer the last publish")
	}
	if _, err := os.Stat(filepath.Join(dir, "pool/main/m/mediawiki-core/mediawiki-core_1.39.17-1_all.deb")); err != nil {
		t.Errorf("suite 1.39's package left the pool: %v", err)
	}
}
