package debroot

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
)

// The hook runs as mmdebstrap runs it, on a root holding what mmdebstrap copies from the
// host: afterwards the root names the locked archives and nothing of the host.
func TestCustomizeHook(t *testing.T) {
	root := t.TempDir()
	for _, f := range []string{"etc/resolv.conf", "etc/hostname", "etc/apt/apt.conf.d/99mmdebstrap", "etc/apt/sources.list"} {
		if err := os.MkdirAll(filepath.Join(root, filepath.Dir(f)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, f), []byte("from the host\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b := lock.DebianBase{Name: "web", Suites: []lock.DebianSuite{
		{Archive: "http://deb.debian.org/debian", Suite: "bookworm"},
		{Archive: "http://deb.debian.org/debian-security", Suite: "bookworm-security"},
		{Archive: "http://archive.example.org/it's", Suite: "odd"},
	}}
	if out, err := exec.Command("sh", "-c", customizeHook(b), "exec", root).CombinedOutput(); err != nil {
		t.Fatalf("hook: %v\n%s", err, out)
	}
	var left []string
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			rel, _ := filepath.Rel(root, p)
			left = append(left, rel)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"etc/apt/sources.list"}, left); d != "" {
		t.Errorf("files left (-want +got):\n%s", d)
	}
	got, _ := os.ReadFile(filepath.Join(root, "etc/apt/sources.list"))
	want := "deb http://deb.debian.org/debian bookworm main\ndeb http://deb.debian.org/debian-security bookworm-security main\ndeb http://archive.example.org/it's odd main\n"
	if d := cmp.Diff(want, string(got)); d != "" {
		t.Errorf("sources.list (-want +got):\n%s", d)
	}
}

func TestArchitecture(t *testing.T) {
	for _, tc := range []struct {
		name  string
		archs []string
		want  string
	}{
		{"amd64 and all", []string{"all", "amd64", "all"}, "amd64"},
		{"two", []string{"amd64", "arm64"}, "debian base web: packages of two architectures (amd64, arm64); a root has one"},
		{"all only", []string{"all"}, "debian base web: every package is Architecture: all; the root's architecture is unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := lock.DebianBase{Name: "web"}
			for _, a := range tc.archs {
				b.Packages = append(b.Packages, lock.DebPackage{Name: "p", Architecture: a})
			}
			got, err := architecture(b)
			if err != nil {
				got = err.Error()
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestRemoveWork(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "work")
	if err := os.MkdirAll(filepath.Join(dir, "repo"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := RemoveWork(dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s is still there: %v", dir, err)
	}
}

func TestMountedBelow(t *testing.T) {
	const info = `22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
90 22 0:5 / /srv/cache/tmp/debroot-1/mmdebstrap.x/proc rw - proc proc rw
91 22 0:6 / /srv/cache/tmp/debroot-12 rw - tmpfs tmpfs rw
`
	for dir, want := range map[string]string{
		"/srv/cache/tmp/debroot-1":  "/srv/cache/tmp/debroot-1/mmdebstrap.x/proc",
		"/srv/cache/tmp/debroot-12": "/srv/cache/tmp/debroot-12",
		"/srv/cache/tmp/debroot-2":  "",
	} {
		if got := mountedBelow(info, dir); got != want {
			t.Errorf("mountedBelow(%s) = %q, want %q", dir, got, want)
		}
	}
}
