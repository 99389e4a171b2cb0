//go:build e2e

package tests

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/signature"
)

// Rows for publish safety (issue 15, item 3: a repository publishes only what keeps its
// promises to users) and armor (item 10: every armored output verifies under gpgv and
// gpg --verify). Their out/ directories are small builds made here with the project's
// package writers, signed or not; tests/armor_test.go checks the armor of a real build.

func init() {
	addCLIRows(
		cliRow{
			item: "publish safety", name: "dnf refuses unsigned packages",
			setup: packagesOut(nil),
			args:  []string{"publish", "--out", "{dir}/out", "--dnf", "{dir}/dnf", "--sign-key", "{key}", "--sign-fingerprint", "{fpr}"},
			code:  1,
			stderr: []string{
				"2 of the packages the repository would list are not signed by its key {fpr}, and its .repo file says gpgcheck=1: dnf would refuse to install them:",
				"\n  {dir}/out/rpm/mediawiki-core-1.39.17-1.noarch.rpm: not signed\n",
				"\n  {dir}/out/rpm/mediawiki-extension-probe-1.0-1.noarch.rpm: not signed\n",
				"sign the packages when building them, with the repository's key: mwedition build --format rpm --sign-key {key} --sign-fingerprint {fpr}; then publish again",
			},
			check: nothingServed("dnf"),
		},
		cliRow{
			item: "publish safety", name: "dnf refuses packages signed by another key",
			setup: packagesOut(func(t *testing.T) armorKey { return newArmorKey(t) }),
			args:  []string{"publish", "--out", "{dir}/out", "--dnf", "{dir}/dnf", "--sign-key", "{key}"},
			code:  1,
			stderr: []string{
				"\n  {dir}/out/rpm/mediawiki-core-1.39.17-1.noarch.rpm: signed by key {otherid}, not the repository's\n",
				"mwedition build --format rpm --sign-key {key} --sign-fingerprint {fpr}",
			},
			check: nothingServed("dnf"),
		},
		cliRow{
			item: "publish safety", name: "dnf publishes packages signed with its key",
			setup: packagesOut(func(t *testing.T) armorKey { return armorKey{} }),
			args:  []string{"--json", "publish", "--out", "{dir}/out", "--dnf", "{dir}/dnf", "--sign-key", "{key}", "--sign-fingerprint", "{fpr}"},
			json:  map[string]any{"event": "published", "format": "dnf", "packages": 2},
			check: func(t *testing.T, dir string, _ result) {
				// rpm, given only the repository's key, finds every listed package signed by it.
				db := t.TempDir()
				command(t, "rpmkeys", "--dbpath", db, "--import", filepath.Join(dir, "dnf/RPM-GPG-KEY-mwedition"))
				pool, _ := filepath.Glob(filepath.Join(dir, "dnf/pool/*.rpm"))
				if len(pool) != 2 {
					t.Fatalf("the pool holds %v, want 2 packages", pool)
				}
				for _, p := range pool {
					if out := command(t, "rpmkeys", "--dbpath", db, "--checksig", p); !strings.HasSuffix(strings.TrimSpace(out), "digests signatures OK") {
						t.Errorf("rpmkeys --checksig %s: %s", p, out)
					}
				}
			},
		},
		cliRow{
			item: "publish safety", name: "apt refuses a key its users do not hold",
			setup: servedWithAnotherKey("--apt"),
			args:  []string{"publish", "--out", "{dir}/out", "--apt", "{dir}/repo", "--sign-key", "{key}"},
			code:  1,
			stderr: []string{
				"apt repository {dir}/repo: the repository is signed with key {otherfpr} (its mwedition-archive-keyring.asc, which users name in Signed-By), not with the key given, {fpr}: every user's apt-get update would fail with NO_PUBKEY",
				"to change keys, publish into a new directory and have users fetch its key",
			},
		},
		cliRow{
			item: "publish safety", name: "apt refuses, so dnf is not published either",
			setup:  servedWithAnotherKey("--apt"),
			args:   []string{"publish", "--out", "{dir}/out", "--dnf", "{dir}/dnf", "--apt", "{dir}/repo", "--sign-key", "{key}"},
			code:   1,
			stderr: []string{"the repository is signed with key {otherfpr}"},
			check:  nothingServed("dnf"),
		},
		cliRow{
			item: "publish safety", name: "dnf refuses a key its users do not hold",
			setup: servedWithAnotherKey("--dnf"),
			args:  []string{"publish", "--out", "{dir}/out", "--dnf", "{dir}/repo", "--sign-key", "{key}"},
			code:  1,
			stderr: []string{
				"dnf repository {dir}/repo: the repository is signed with key {otherfpr} (its RPM-GPG-KEY-mwedition, which the .repo file's gpgkey names and users imported), not with the key given, {fpr}",
			},
		},
		cliRow{
			item: "armor", name: "apt InRelease, Release.gpg and key verify under gpgv and gpg",
			setup: packagesOut(func(t *testing.T) armorKey { return armorKey{} }),
			args:  []string{"publish", "--out", "{dir}/out", "--apt", "{dir}/apt", "--sign-key", "{key}"},
			check: func(t *testing.T, dir string, _ result) {
				rel := filepath.Join(dir, "apt/dists/stable") // no project, no line: the default suite
				key := filepath.Join(dir, "apt/mwedition-archive-keyring.asc")
				gpgVerifies(t, key, filepath.Join(rel, "InRelease"), "")
				gpgVerifies(t, key, filepath.Join(rel, "Release.gpg"), filepath.Join(rel, "Release"))
			},
		},
		cliRow{
			item: "armor", name: "dnf repomd.xml.asc and key verify under gpgv and gpg",
			setup: packagesOut(func(t *testing.T) armorKey { return armorKey{} }),
			args:  []string{"publish", "--out", "{dir}/out", "--dnf", "{dir}/dnf", "--sign-key", "{key}"},
			check: func(t *testing.T, dir string, _ result) {
				md := filepath.Join(dir, "dnf/repodata/repomd.xml")
				gpgVerifies(t, filepath.Join(dir, "dnf/RPM-GPG-KEY-mwedition"), md+".asc", md)
			},
		},
	)
}

// armorKey is a release key made with gpg: its armored private key file, fingerprint and
// long key ID. The zero armorKey in packagesOut stands for the row's own key.
type armorKey struct{ priv, fpr, id string }

func newArmorKey(t *testing.T) armorKey {
	t.Helper()
	priv, _, fpr := releaseKey(t)
	return armorKey{priv, fpr, fpr[24:]}
}

// packagesOut makes a row's key ({key}, {fpr}) and an out/ directory holding a .deb and
// an .rpm of core and of one extension. signedBy chooses who signs the .rpm files: nil
// leaves them unsigned, a zero armorKey is the row's key, another key is {other...}.
func packagesOut(signedBy func(t *testing.T) armorKey) func(t *testing.T, dir, cache string) map[string]string {
	return func(t *testing.T, dir, _ string) map[string]string {
		k := newArmorKey(t)
		vars := map[string]string{"{key}": k.priv, "{fpr}": k.fpr}
		var signer *signature.Signer
		if signedBy != nil {
			s := signedBy(t)
			if s.priv == "" {
				s = k
			}
			vars["{otherid}"] = s.id
			signer = signerOf(t, s)
		}
		writePackages(t, filepath.Join(dir, "out"), signer, "1.0")
		return vars
	}
}

// servedWithAnotherKey serves a repository (--apt or --dnf) at {dir}/repo signed with one
// key ({otherfpr}) and makes the row's key ({key}, {fpr}) and packages signed with it.
func servedWithAnotherKey(flag string) func(t *testing.T, dir, cache string) map[string]string {
	return func(t *testing.T, dir, cache string) map[string]string {
		first, k := newArmorKey(t), newArmorKey(t)
		old := filepath.Join(t.TempDir(), "out")
		writePackages(t, old, signerOf(t, first), "1.0")
		if r := run(t, dir, cache, "publish", "--out", old, flag, filepath.Join(dir, "repo"), "--sign-key", first.priv); r.code != 0 {
			t.Fatalf("the first publish exited %d:\n%s", r.code, r.stderr)
		}
		writePackages(t, filepath.Join(dir, "out"), signerOf(t, k), "1.1")
		return map[string]string{"{key}": k.priv, "{fpr}": k.fpr, "{otherfpr}": first.fpr}
	}
}

func signerOf(t *testing.T, k armorKey) *signature.Signer {
	t.Helper()
	b, err := os.ReadFile(k.priv)
	if err != nil {
		t.Fatal(err)
	}
	s, err := signature.NewSigner(b, nil, k.fpr)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// writePackages writes out/manifest.json and the .deb and .rpm of core and an extension at
// version (the extension's), the .rpm files signed by signer unless it is nil.
func writePackages(t *testing.T, out string, signer *signature.Signer, version string) {
	t.Helper()
	for _, d := range []string{"deb", "rpm"} {
		if err := os.MkdirAll(filepath.Join(out, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(out, "manifest.json"), "{}\n")
	mtime := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, p := range []pack.Package{
		{Name: "mediawiki-core", Version: "1.39.17", Summary: "core stand-in", License: "GPL-2.0-or-later", Maintainer: "mwedition tests <tests@mwedition.example.org>", MTime: mtime},
		{Name: "mediawiki-extension-probe", Version: version, Summary: "probe stand-in", License: "GPL-2.0-or-later", Maintainer: "mwedition tests <tests@mwedition.example.org>", MTime: mtime},
	} {
		var deb, rpm bytes.Buffer
		if err := pack.Deb(context.Background(), p, nil, &deb); err != nil {
			t.Fatal(err)
		}
		if err := pack.RPM(context.Background(), p, nil, &rpm, signer); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(out, "deb", pack.DebFileName(p)), deb.String())
		writeFile(t, filepath.Join(out, "rpm", pack.RPMFileName(p)), rpm.String())
	}
}

// nothingServed checks that a refused publish served no metadata at {dir}/sub.
func nothingServed(sub string) func(t *testing.T, dir string, r result) {
	return func(t *testing.T, dir string, _ result) {
		for _, p := range []string{"repodata", "dists", "pool"} {
			if _, err := os.Stat(filepath.Join(dir, sub, p)); err == nil {
				t.Errorf("the refused publish made %s/%s", sub, p)
			}
		}
	}
}

// gpgVerifies checks an armored signature (cleartext if data is "") with the armored
// public key file users are given, as a mirror script would: gpg --import then
// gpg --verify, and gpgv with the key unarmored. Each must exit 0, find a good signature
// and print no complaint about the armor.
func gpgVerifies(t *testing.T, key, sig, data string) {
	t.Helper()
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil {
		t.Fatal(err)
	}
	gpgRun := func(name string, args ...string) string {
		t.Helper()
		cmd := exec.Command(name, args...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		out, err := cmd.CombinedOutput()
		if err != nil || strings.Contains(string(out), "invalid") || strings.Contains(string(out), "CRC") {
			t.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	gpgRun("gpg", "--homedir", home, "--batch", "--import", key)
	keyring := filepath.Join(home, "users.gpg")
	gpgRun("gpg", "--homedir", home, "--batch", "--yes", "--output", keyring, "--dearmor", key)
	files := []string{sig}
	if data != "" {
		files = append(files, data)
	}
	for _, out := range []string{
		gpgRun("gpg", append([]string{"--homedir", home, "--batch", "--verify"}, files...)...),
		gpgRun("gpgv", append([]string{"--homedir", home, "--keyring", keyring}, files...)...),
	} {
		if !strings.Contains(out, "Good signature") {
			t.Errorf("%s: no good signature:\n%s", sig, out)
		}
	}
}
