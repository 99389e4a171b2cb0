//go:build e2e

package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mwedition/mwedition/internal/lock"
)

// removeLockKeepingDebianBases replaces the project's lock with one holding only its
// Debian bases: a base is pinned from an archive that moves with every point release and
// security update, so a lock made afresh keeps the committed pins rather than resolving
// them again, and needs no network for them.
func removeLockKeepingDebianBases(t *testing.T, dir string) {
	t.Helper()
	p := filepath.Join(dir, lock.FileName)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	lf, err := lock.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	out, err := (lock.File{Version: lf.Version, Components: []lock.Component{}}).WithDebianBases(lf.DebianBases).Encode()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, string(out))
}

var debSHA = regexp.MustCompile(`^[0-9a-f]{64}$`)

// TestLockDebianBase locks a small debian_base against the real deb.debian.org: apt
// (through mmdebstrap) resolves PHP's CLI and what it needs, every package is pinned with
// its version and sha256 and lands in the cache; a second lock, offline, keeps the pins;
// a changed block is a stale lock naming the base.
func TestLockDebianBase(t *testing.T) {
	dir := smallEditionProject(t, "small", "Small", `output "image" { base = "debian:small" }`)
	writeFile(t, filepath.Join(dir, "recipes/debian.hcl"), `debian_base "small" {
  source "http://deb.debian.org/debian" { suites = ["bookworm", "bookworm-updates"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = ["php-cli", "php-intl"]
}
`)
	os.Remove(filepath.Join(dir, lock.FileName))
	cacheDir := seededCache(t)
	start := time.Now()
	r := run(t, dir, cacheDir, "lock")
	if r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	t.Logf("cold lock: %s; %s", time.Since(start).Round(time.Millisecond), lastLine(r.stdout))
	lf := readLock(t, dir)
	if len(lf.DebianBases) != 1 || lf.DebianBases[0].Name != "small" {
		t.Fatalf("lock's Debian bases: %+v, want the one base", lf.DebianBases)
	}
	base := lf.DebianBases[0]
	byName := map[string]lock.DebPackage{}
	for _, p := range base.Packages {
		if p.Version == "" || !debSHA.MatchString(p.SHA256) || p.Size <= 0 || !strings.HasSuffix(p.Filename, ".deb") {
			t.Errorf("package pinned without version, sha256, size or file: %+v", p)
		}
		if _, err := os.Stat(filepath.Join(cacheDir, "blobs/sha256", p.SHA256)); err != nil {
			t.Errorf("%s %s is not in the cache: %v", p.Name, p.Version, err)
		}
		byName[p.Name] = p
	}
	// What apt installs for php-cli on bookworm: PHP 8.2's CLI and modules, the C library,
	// and the essential set (dpkg, bash) besides.
	for _, want := range []string{"php8.2-cli", "php8.2-intl", "php8.2-common", "libc6", "libicu72", "dpkg", "bash", "apt"} {
		if _, ok := byName[want]; !ok {
			t.Errorf("the base does not pin %s", want)
		}
	}
	if p := byName["php8.2-cli"]; !strings.HasPrefix(p.Version, "8.2.") {
		t.Errorf("php8.2-cli pinned at %q, want 8.2.x", p.Version)
	}
	if _, ok := byName["apache2"]; ok {
		t.Error("apache2 is pinned, but nothing asked for it")
	}
	if len(base.Suites) != 3 || base.Time == 0 || base.Time != maxDate(base.Suites) {
		t.Errorf("suites %+v with time %d: want three, the time the newest Date", base.Suites, base.Time)
	}
	t.Logf("%d packages pinned from %d suites", len(base.Packages), len(base.Suites))

	// Offline, from the cache: the same lock, nothing fetched.
	before, _ := os.ReadFile(filepath.Join(dir, lock.FileName))
	start = time.Now()
	r = run(t, dir, cacheDir, "--offline", "lock")
	if r.code != 0 || !strings.Contains(r.stdout, "editions.lock unchanged") {
		t.Fatalf("offline lock exited %d:\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("warm offline lock: %s", time.Since(start).Round(time.Millisecond))
	after, _ := os.ReadFile(filepath.Join(dir, lock.FileName))
	if string(before) != string(after) {
		t.Error("an offline lock of a fresh base changed editions.lock")
	}
	// The .debs are roots of the cache: gc keeps them.
	if r := run(t, dir, cacheDir, "cache", "gc", "--keep", "0"); r.code != 0 {
		t.Fatalf("cache gc exited %d:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(cacheDir, "blobs/sha256", byName["libc6"].SHA256)); err != nil {
		t.Errorf("cache gc removed a pinned .deb: %v", err)
	}

	// Another package: the lock is stale, and says which base and what changed.
	writeFile(t, filepath.Join(dir, "recipes/debian.hcl"), `debian_base "small" {
  source "http://deb.debian.org/debian" { suites = ["bookworm", "bookworm-updates"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = ["php-cli", "php-intl", "php-xml"]
}
`)
	r = run(t, dir, cacheDir, "validate")
	if r.code == 0 || !strings.Contains(r.stderr, `debian_base "small" changed since it was locked:`) || !strings.Contains(r.stderr, "packages added: php-xml") {
		t.Errorf("validate of a changed base: exit %d\n%s", r.code, r.stderr)
	}
}

func readLock(t *testing.T, dir string) lock.File {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, lock.FileName))
	if err != nil {
		t.Fatal(err)
	}
	var lf lock.File
	if err := json.Unmarshal(b, &lf); err != nil {
		t.Fatal(err)
	}
	return lf
}

func maxDate(ss []lock.DebianSuite) int64 {
	var m int64
	for _, s := range ss {
		m = max(m, s.Date)
	}
	return m
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}
