//go:build e2e

package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mwedition/mwedition/internal/composer"
)

// composerUpdate runs Debian's composer in dir on a root that requires the
// extensions, each a path repository holding its REL1_39 composer.json, so
// that composer merges their requirements as composer-merge-plugin would
// (every constraint must hold), then returns composer.lock's libraries.
func composerUpdate(t *testing.T, dir, extDir, repoURL string, tc oracleCase, exts map[string]composer.Package) (map[string]lockedLibrary, error) {
	t.Helper()
	writeOracleRoot(t, dir, extDir, repoURL, tc, exts)
	args := []string{"update", "--no-dev", "--no-scripts", "--no-audit", "--no-progress", "--no-interaction",
		"--ignore-platform-req=ext-*", "--ignore-platform-req=lib-*"}
	if !tc.plugins {
		args = append(args, "--no-plugins")
	}
	cmd := exec.Command("composer", args...)
	cmd.Dir = dir
	// Nothing of the host's composer configuration, cache or network.
	home := filepath.Join(dir, ".composer-home")
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "COMPOSER_HOME=" + home,
		"COMPOSER_CACHE_DIR=" + filepath.Join(dir, ".composer-cache"), "COMPOSER_NO_INTERACTION=1",
		"COMPOSER_ALLOW_SUPERUSER=1", "COMPOSER_DISABLE_NETWORK=1", "LC_ALL=C"}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("composer update: %w\n%s", err, out.String())
	}
	t.Logf("composer update:\n%s", out.String())
	got := readComposerLock(t, filepath.Join(dir, "composer.lock"))
	checkVendor(t, dir, got)
	checkPlacement(t, dir, tc.plugins, exts)
	return got, nil
}

// writeOracleRoot writes the root composer.json: the extensions as path
// packages, the case's own requirements, the static repository and nothing
// else, the case's PHP as the platform.
func writeOracleRoot(t *testing.T, dir, extDir, repoURL string, tc oracleCase, exts map[string]composer.Package) {
	t.Helper()
	var repos []any
	require := map[string]string{}
	for name, p := range exts {
		if p.Name == "" {
			continue // Lockdown has no package name, and requires nothing
		}
		require[p.Name] = "*"
		repos = append(repos, map[string]any{"type": "path", "url": filepath.Join(extDir, name),
			"options": map[string]any{"symlink": false, "versions": map[string]string{p.Name: "1.0.0"}}})
	}
	for name, c := range tc.require {
		require[name] = c
	}
	minStability := tc.minStability
	if minStability == "" {
		minStability = "stable"
	}
	repos = append(repos, map[string]any{"type": "composer", "url": repoURL}, map[string]any{"packagist.org": false})
	root := map[string]any{
		"name": "mwedition/composer-oracle", "require": require, "repositories": repos,
		"minimum-stability": minStability,
		"config": map[string]any{
			"platform":          map[string]string{"php": tc.php},
			"allow-plugins":     map[string]bool{"composer/installers": true},
			"autoloader-suffix": "mwedition",
			"secure-http":       false, // the HTTP case serves on 127.0.0.1
		},
	}
	b, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "composer.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// readComposerLock returns the libraries of a composer.lock, without the
// path packages (the extensions).
func readComposerLock(t *testing.T, path string) map[string]lockedLibrary {
	t.Helper()
	lock, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var l struct {
		Packages []struct {
			Name, Version, Type string
			Dist                struct{ Type, Reference, Shasum string }
		}
	}
	if err := json.Unmarshal(lock, &l); err != nil {
		t.Fatalf("composer.lock: %v", err)
	}
	got := map[string]lockedLibrary{}
	for _, p := range l.Packages {
		if p.Dist.Type != "path" {
			got[p.Name] = lockedLibrary{Version: p.Version, Type: p.Type, Reference: p.Dist.Reference, Shasum: p.Dist.Shasum}
		}
	}
	return got
}

// checkVendor checks that composer unpacked the dists, and that the
// installed.json it wrote reads back with the same versions.
func checkVendor(t *testing.T, dir string, locked map[string]lockedLibrary) {
	t.Helper()
	for _, f := range []string{
		"vendor/jumbojett/openid-connect-php/src/OpenIDConnectClient.php",
		"vendor/phpseclib/phpseclib/phpseclib/Crypt/RSA.php",
	} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("composer did not install %s: %v", f, err)
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, "vendor/composer/installed.json"))
	if err != nil {
		t.Fatal(err)
	}
	installed, err := composer.ParseInstalled("installed.json", data)
	if err != nil {
		t.Fatal(err)
	}
	var mismatches []string
	for _, p := range installed {
		if l, ok := locked[p.Name]; ok && l.Version != p.Version {
			mismatches = append(mismatches, p.Name+" "+p.Version+" != "+l.Version)
		}
	}
	if len(mismatches) > 0 {
		t.Errorf("installed.json disagrees with composer.lock: %s", strings.Join(mismatches, "; "))
	}
}

// checkPlacement checks composer.MediaWikiPath against composer/installers
// itself: with plugins, each extension lands where MediaWikiPath says;
// without, under vendor/ like any package.
func checkPlacement(t *testing.T, dir string, plugins bool, exts map[string]composer.Package) {
	t.Helper()
	for _, p := range exts {
		if p.Name == "" {
			continue
		}
		want := filepath.Join("vendor", p.Name)
		if plugins {
			want = composer.MediaWikiPath(p)
		}
		if _, err := os.Stat(filepath.Join(dir, want, "composer.json")); err != nil {
			t.Errorf("composer did not place %s at %s (plugins %v): %v", p.Name, want, plugins, err)
		}
	}
}
