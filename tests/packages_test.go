//go:build e2e

package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	rpmutils "github.com/sassoftware/go-rpmutils"
)

// releaseKey makes an OpenPGP key with gpg, as a release manager would: the armored private
// key, the armored public key and the fingerprint.
func releaseKey(t *testing.T) (priv, pub, fpr string) {
	t.Helper()
	home := t.TempDir()
	gpg := func(args ...string) []byte {
		cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", ""}, args...)...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("gpg %v: %v\n%s", args, err, out)
		}
		return out
	}
	gpg("--quick-gen-key", "Release Manager <release@mwedition.example.org>", "rsa3072", "sign", "never")
	for _, l := range strings.Split(string(gpg("--with-colons", "--list-secret-keys")), "\n") {
		if f := strings.Split(l, ":"); f[0] == "fpr" {
			fpr = f[9]
			break
		}
	}
	priv, pub = filepath.Join(home, "release.key"), filepath.Join(home, "release.asc")
	os.WriteFile(priv, gpg("--armor", "--export-secret-keys", fpr), 0o600)
	os.WriteFile(pub, gpg("--armor", "--export", fpr), 0o644)
	return priv, pub, fpr
}

func sha256File(t *testing.T, p string) string {
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

// packages maps each package file name in dir to its sha256.
func packages(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		out[e.Name()] = sha256File(t, filepath.Join(dir, e.Name()))
	}
	return out
}

// command runs a tool and returns its standard output; its warnings (rpm's NOKEY, Debian's
// "use alien" notice) go to standard error and are shown only when it fails.
func command(t *testing.T, name string, args ...string) string {
	t.Helper()
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out, stderr.Bytes())
	}
	return string(out)
}

// TestPackagesRealTree builds every .deb and .rpm of the three editions from the real
// release twice, each time from a cold cache, and checks them with dpkg, lintian and rpm.
func TestPackagesRealTree(t *testing.T) {
	// Own caches and output directories; mostly single-threaded tools (lintian, rpmlint,
	// xz, mmdebstrap): they overlap with the other tests on CI's two cores.
	t.Parallel()
	for _, tool := range []string{"gpg", "dpkg-deb", "lintian", "rpm", "rpmlint"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	priv, pub, fpr := releaseKey(t)
	dir := project(t)
	outs := []string{t.TempDir(), t.TempDir()}
	for _, out := range outs {
		r := run(t, dir, seededCache(t), "--offline", "-q", "build", "--out", out, "--format", "deb,rpm",
			"--sign-key", priv, "--sign-fingerprint", fpr)
		if r.code != 0 {
			t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
		}
	}
	debDir, rpmDir := filepath.Join(outs[0], "deb"), filepath.Join(outs[0], "rpm")
	debs, rpms := packages(t, debDir), packages(t, rpmDir)
	// 34 components and 3 editions, each once per format.
	if len(debs) != 37 || len(rpms) != 37 {
		t.Fatalf("%d .deb and %d .rpm files, want 37 of each", len(debs), len(rpms))
	}
	t.Run("reproducible", func(t *testing.T) {
		for _, f := range []string{"deb", "rpm"} {
			if diff := cmp.Diff(packages(t, filepath.Join(outs[0], f)), packages(t, filepath.Join(outs[1], f))); diff != "" {
				t.Errorf("%s packages differ between two cold builds (-first +second):\n%s", f, diff)
			}
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		r := run(t, dir, seededCache(t), "--offline", "build", "--out", t.TempDir(), "--format", "rpm",
			"--sign-key", priv, "--sign-fingerprint", strings.Repeat("AB", 20))
		if r.code == 0 || !strings.Contains(r.stderr, "but packages are to be signed by ABAB") {
			t.Errorf("a key with another fingerprint: exit %d, %s", r.code, r.stderr)
		}
		r = run(t, dir, seededCache(t), "--offline", "build", "--out", t.TempDir(), "--format", "rpm", "--sign-key", pub)
		if r.code == 0 || !strings.Contains(r.stderr, "this is a public key") {
			t.Errorf("a public key: exit %d, %s", r.code, r.stderr)
		}
	})
	t.Run("deb", func(t *testing.T) { checkDebs(t, debDir, debs) })
	t.Run("rpm", func(t *testing.T) { checkRPMs(t, rpmDir, rpms, pub) })
}

func checkDebs(t *testing.T, dir string, debs map[string]string) {
	core := filepath.Join(dir, "mediawiki-core_"+shippedCoreVersion+"-1_all.deb")
	field := func(deb, name string) string {
		return strings.TrimSpace(command(t, "dpkg-deb", "--field", deb, name))
	}
	for name := range debs {
		deb := filepath.Join(dir, name)
		if a := field(deb, "Architecture"); a != "all" {
			t.Errorf("%s: Architecture %s", name, a)
		}
		listing := command(t, "dpkg-deb", "--contents", deb)
		for _, l := range strings.Split(strings.TrimSpace(listing), "\n") {
			f := strings.Fields(l)
			if len(f) < 6 || f[1] != "root/root" {
				t.Errorf("%s: entry not owned by root/root: %s", name, l)
			}
			if strings.HasPrefix(f[5], "./var/www") || f[5] == "./etc/mediawiki/LocalSettings.php" {
				t.Errorf("%s ships %s", name, f[5])
			}
		}
	}
	info := t.TempDir()
	command(t, "dpkg-deb", "--control", core, info)
	conffiles, _ := os.ReadFile(filepath.Join(info, "conffiles"))
	if diff := cmp.Diff("/etc/apache2/conf-available/mediawiki-core.conf\n/etc/default/mediawiki\n", string(conffiles)); diff != "" {
		t.Errorf("core's conffiles (-want +got):\n%s", diff)
	}
	if md5, err := os.ReadFile(filepath.Join(info, "md5sums")); err != nil || !bytes.Contains(md5, []byte("  usr/share/mediawiki/includes/Defines.php\n")) {
		t.Errorf("core's md5sums lack includes/Defines.php (%v)", err)
	}
	for _, s := range []string{"postinst", "prerm", "postrm"} {
		if _, err := os.Stat(filepath.Join(info, s)); err != nil {
			t.Errorf("core has no %s: %v", s, err)
		}
	}
	listing := command(t, "dpkg-deb", "--contents", core)
	for _, want := range []string{
		"./usr/share/mediawiki/LocalSettings.php -> /etc/mediawiki/LocalSettings.php",
		"./usr/share/mediawiki/images -> /var/lib/mediawiki/images",
		"./usr/share/doc/mediawiki-core/copyright",
		"./usr/share/doc/mediawiki-core/changelog.Debian.gz",
	} {
		if !strings.Contains(listing, want) {
			t.Errorf("core does not ship %s", want)
		}
	}
	if strings.Contains(listing, "./usr/share/mediawiki/images/") {
		t.Error("core ships files below images/, which is the admin's upload directory")
	}
	for _, want := range []string{"php-cli", "apache2 | httpd", "php-intl", "php-xml", "php (>= 2:"} {
		if !strings.Contains(field(core, "Depends"), want) {
			t.Errorf("core's Depends lack %q: %s", want, field(core, "Depends"))
		}
	}

	ed := filepath.Join(dir, "mediawiki-edition-enterprise_"+shippedEditionVersion+"-1_all.deb")
	deps := field(ed, "Depends")
	for _, want := range []string{"mediawiki-core (= " + shippedCoreVersion + "-1)", "mediawiki-extension-scribunto (= 1.39.17-1)", "mediawiki-skin-vector (= 1.0.0+mw1.39.17-1)"} {
		if !strings.Contains(deps, want) {
			t.Errorf("enterprise's Depends lack %q: %s", want, deps)
		}
	}
	if strings.Contains(deps, "mediawiki-extension-math") {
		t.Errorf("enterprise depends on Math, which it removes: %s", deps)
	}
	// One edition at a time; and none beside Debian's own mediawiki package, which every
	// package of ours conflicts with (core and skins also replace it).
	for f, want := range map[string]string{"Provides": "mediawiki-edition", "Conflicts": "mediawiki-edition, mediawiki", "Replaces": "mediawiki-edition"} {
		if v := field(ed, f); v != want {
			t.Errorf("enterprise's %s is %q, want %q", f, v, want)
		}
	}
	for f, want := range map[string]string{"Conflicts": "mediawiki, mediawiki-classes", "Replaces": "mediawiki, mediawiki-classes"} {
		if v := field(core, f); v != want {
			t.Errorf("core's %s is %q, want %q", f, v, want)
		}
	}
	// OATHAuth takes the fifth security patch through core's source: its version says so.
	if _, ok := debs["mediawiki-extension-oathauth_0.5.0+mw1.39.17+p1-1_all.deb"]; !ok {
		t.Error("no mediawiki-extension-oathauth_0.5.0+mw1.39.17+p1-1_all.deb: OATHAuth's patch does not show in its version")
	}
	// Scribunto's prebuilt Lua binaries are gone; scripts keep their executable bit only with
	// the interpreter as a dependency.
	scrib := filepath.Join(dir, "mediawiki-extension-scribunto_1.39.17-1_all.deb")
	if l := command(t, "dpkg-deb", "--contents", scrib); strings.Contains(l, "LuaStandalone/binaries") {
		t.Error("Scribunto's package holds prebuilt binaries")
	}
	if d := field(scrib, "Depends"); !strings.Contains(d, "php-cli") {
		t.Errorf("Scribunto ships PHP scripts but does not depend on php-cli: %s", d)
	}

	// lintian over every package at once: no errors, and no warnings outside the allowlist.
	files := make([]string, 0, len(debs))
	for name := range debs {
		files = append(files, filepath.Join(dir, name))
	}
	sort.Strings(files)
	allow, _ := filepath.Abs(filepath.Join("testdata", "lintian-allow"))
	cmd := exec.Command("lintian", append([]string{"--fail-on", "error,warning", "--tag-display-limit", "0", "--suppress-tags-from-file", allow}, files...)...)
	out, err := cmd.CombinedOutput()
	t.Logf("lintian:\n%s", out)
	if err != nil {
		t.Errorf("lintian found errors or warnings outside tests/testdata/lintian-allow (%v)", err)
	}
	if regexp.MustCompile(`(?m)^E: `).Match(out) {
		t.Error("lintian reported errors")
	}
}

func checkRPMs(t *testing.T, dir string, rpms map[string]string, pub string) {
	names := make([]string, 0, len(rpms))
	for n := range rpms {
		names = append(names, filepath.Join(dir, n))
	}
	sort.Strings(names)
	core := filepath.Join(dir, "mediawiki-core-"+shippedCoreVersion+"-1.noarch.rpm")

	// rpm -K against a scratch database holding only the release key.
	db := t.TempDir()
	command(t, "rpm", "--dbpath", db, "--import", pub)
	for _, f := range names {
		out := command(t, "rpm", "--dbpath", db, "-K", f)
		if !strings.HasSuffix(strings.TrimSpace(out), "digests signatures OK") {
			t.Errorf("rpm -K %s: %s", filepath.Base(f), out)
		}
	}
	// rpmlint over every package at once, checking signatures against the same database
	// (named in the ~/.rpmmacros of a scratch HOME).
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".rpmmacros"), []byte("%_dbpath "+db+"\n"), 0o644)
	allow, _ := filepath.Abs(filepath.Join("testdata", "rpmlint.toml"))
	lint := exec.Command("rpmlint", append([]string{"--config", allow}, names...)...)
	lint.Env = append(os.Environ(), "HOME="+home)
	lint.Dir = t.TempDir()
	out, _ := lint.CombinedOutput()
	t.Logf("rpmlint:\n%s", out)
	if m := regexp.MustCompile(`(\d+) errors?, (\d+) warnings?`).FindSubmatch(out); m == nil || string(m[1]) != "0" || string(m[2]) != "0" {
		t.Errorf("rpmlint found errors or warnings outside tests/testdata/rpmlint.toml")
	}

	info := command(t, "rpm", "-qpi", core)
	for _, re := range []string{`Name *: mediawiki-core\n`, `Architecture: noarch\n`, `Signature *: RSA/SHA256, .*Key ID [0-9a-f]{16}\n`, `Build Host *: mwedition\n`} {
		if !regexp.MustCompile(re).MatchString(info) {
			t.Errorf("rpm -qpi core does not match %q:\n%s", re, info)
		}
	}
	if c := command(t, "rpm", "-qpc", core); c != "/etc/httpd/conf.d/mediawiki-core.conf\n/etc/sysconfig/mediawiki\n" {
		t.Errorf("core's config files: %q", c)
	}
	listing := command(t, "rpm", "-qplv", core)
	for _, l := range strings.Split(strings.TrimSpace(listing), "\n") {
		f := strings.Fields(l)
		if len(f) < 9 || f[2] != "root" || f[3] != "root" {
			t.Errorf("core: entry not owned by root: %s", l)
		}
		if m := f[0]; m != "drwxr-xr-x" && m != "-rw-r--r--" && m != "-rwxr-xr-x" && m != "lrwxrwxrwx" {
			t.Errorf("core: unexpected mode %s", l)
		}
	}
	reqs := command(t, "rpm", "-qpR", core)
	for _, want := range []string{"php(language) >= 7.4.3", "php-intl", "php(httpd)"} {
		if !strings.Contains(reqs, want) {
			t.Errorf("core's requirements lack %q:\n%s", want, reqs)
		}
	}

	// go-rpmutils reads every header, checks the signature header's digests and the
	// header's payload digest (SHA-256 of the compressed payload that follows the header).
	for _, f := range names {
		base := filepath.Base(f)
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		r, err := rpmutils.ReadRpm(fh)
		if err != nil {
			t.Errorf("go-rpmutils: %s: %v", base, err)
			continue
		}
		if nevra, err := r.Header.GetNEVRA(); err != nil || nevra.Arch != "noarch" {
			t.Errorf("%s: NEVRA %v, %v", base, nevra, err)
		}
		want, err := r.Header.GetStrings(rpmutils.PAYLOADDIGEST)
		h := sha256.New()
		if _, cerr := io.Copy(h, fh); err != nil || cerr != nil || len(want) != 1 || want[0] != hex.EncodeToString(h.Sum(nil)) {
			t.Errorf("%s: payload digest %v does not match the payload (%v, %v)", base, want, err, cerr)
		}
		if _, err := fh.Seek(0, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		if _, sigs, err := rpmutils.Verify(fh, nil); err != nil || len(sigs) == 0 {
			t.Errorf("go-rpmutils: %s: %d signatures, %v", base, len(sigs), err)
		}
	}

	// Install one edition and every component into a scratch root (the editions conflict
	// with each other). Only PHP, the web server, the recipes' system packages and what an
	// empty root lacks may be missing;
	// every dependency between our packages must be met.
	install := slices.DeleteFunc(slices.Clone(names), func(f string) bool {
		b := filepath.Base(f)
		return strings.HasPrefix(b, "mediawiki-edition-") && !strings.HasPrefix(b, "mediawiki-edition-knowledge-base-")
	})
	root := t.TempDir()
	test := exec.Command("rpm", append([]string{"--root", root, "--test", "-i"}, install...)...)
	out, _ = test.CombinedOutput()
	for _, l := range strings.Split(string(out), "\n") {
		l = strings.TrimSpace(l)
		req, _, ok := strings.Cut(l, " is needed by ")
		if !ok {
			if strings.Contains(l, "conflicts with") {
				t.Errorf("rpm --root: %s", l)
			}
			continue
		}
		if !regexp.MustCompile(`^(php|/bin/sh|/usr/bin/runuser|python3|httpd|compat-lua|ghostscript|poppler-utils|ImageMagick)`).MatchString(req) {
			t.Errorf("rpm --root: unmet dependency outside PHP and the base system: %s", l)
		}
	}
	// Scripts need a shell the scratch root does not have; file placement is what is checked.
	command(t, "rpm", append([]string{"--root", root, "-i", "--nodeps", "--noscripts"}, install...)...)
	for _, p := range []string{"usr/share/mediawiki/includes/Defines.php", "usr/share/mediawiki/extensions/Cite/extension.json",
		"etc/httpd/conf.d/mediawiki-core.conf", "etc/mediawiki/EditionSettings.php", "var/lib/mediawiki/images"} {
		if _, err := os.Lstat(filepath.Join(root, p)); err != nil {
			t.Errorf("after rpm --root -i: %v", err)
		}
	}
	if v := command(t, "rpm", "--root", root, "-Va", "--nodeps", "--nomtime"); strings.TrimSpace(v) != "" {
		t.Errorf("rpm -Va after installing:\n%s", v)
	}
	installed := strings.Fields(command(t, "rpm", "--root", root, "-qa", "--qf", "%{NAME}\n"))
	if len(installed) != len(install) || !slices.Contains(installed, "mediawiki-edition-knowledge-base") {
		t.Errorf("rpm -qa in the root: %d packages, want %d", len(installed), len(install))
	}
}
