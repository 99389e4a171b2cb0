package debroot_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/debroot"
	"github.com/mwedition/mwedition/internal/lock"
)

func sum(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// storeWith is a store holding each body as a blob, and the base pinning them.
func storeWith(t *testing.T, bodies map[string]string) (*cache.Store, lock.DebianBase) {
	t.Helper()
	st, err := cache.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b := lock.DebianBase{Name: "web", Time: clampTime, Suites: []lock.DebianSuite{{Archive: "http://deb.debian.org/debian", Suite: "bookworm"}}}
	for name, body := range bodies {
		sha, n, err := st.AddBlob(strings.NewReader(body), "")
		if err != nil {
			t.Fatal(err)
		}
		b.Packages = append(b.Packages, lock.DebPackage{Name: name, Version: "1:1.0-1", Architecture: "amd64",
			Filename: "pool/main/" + name[:1] + "/" + name + "/" + name + "_1.0-1_amd64.deb", Size: n, SHA256: sha})
	}
	return st, b
}

func TestStage(t *testing.T) {
	st, b := storeWith(t, map[string]string{"apache2": "an apache .deb", "php": "a php .deb"})
	dir := filepath.Join(t.TempDir(), "repo")
	if err := debroot.Stage(st, b, dir); err != nil {
		t.Fatal(err)
	}
	// Staging again over what is there leaves the blobs alone.
	if err := debroot.Stage(st, b, dir); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "php_1.0-1_amd64.deb"))
	if err != nil || string(got) != "a php .deb" {
		t.Errorf("staged php: %q, %v", got, err)
	}
}

func TestStageRefusesTampered(t *testing.T) {
	st, b := storeWith(t, map[string]string{"apache2": "an apache .deb", "php": "a php .deb"})
	var pin lock.DebPackage
	for _, p := range b.Packages {
		if p.Name == "php" {
			pin = p
		}
	}
	tampered := []byte("a php .deb!")
	blob := st.Path(cache.BlobRel(pin.SHA256))
	if err := os.WriteFile(blob, tampered, 0o644); err != nil {
		t.Fatal(err)
	}
	err := debroot.Stage(st, b, filepath.Join(t.TempDir(), "repo"))
	want := "debian base web: package php 1:1.0-1 (amd64): the cached .deb's sha256 is " + sum(tampered) + ", but the lock pins " + pin.SHA256
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant an error saying %q", err, want)
	}
	if err := os.Remove(blob); err != nil {
		t.Fatal(err)
	}
	err = debroot.Stage(st, b, filepath.Join(t.TempDir(), "repo"))
	want = "package php 1:1.0-1 (amd64): its .deb (sha256 " + pin.SHA256 + ") is not in the cache"
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("got %v\nwant an error saying %q", err, want)
	}
}

func TestCheck(t *testing.T) {
	b := lock.DebianBase{Name: "web", Packages: []lock.DebPackage{
		{Name: "apache2", Version: "2.4.62-1~deb12u2", Architecture: "amd64"},
		{Name: "adduser", Version: "3.134", Architecture: "all"},
	}}
	for _, tc := range []struct {
		name string
		inst []debroot.Installed
		want string
	}{
		{"exact", []debroot.Installed{{Name: "adduser", Version: "3.134", Architecture: "all"}, {Name: "apache2", Version: "2.4.62-1~deb12u2", Architecture: "amd64"}}, ""},
		{"other version, extra, missing", []debroot.Installed{{Name: "apache2", Version: "2.4.62-1", Architecture: "amd64"}, {Name: "vim", Version: "9", Architecture: "amd64"}},
			"debian base web: the root does not hold exactly the lock's packages: adduser:all 3.134 is pinned but not installed; apache2:amd64 is installed at 2.4.62-1 but pinned at 2.4.62-1~deb12u2; vim:amd64 9 is installed but not pinned"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := debroot.Check(b, tc.inst)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}
