//go:build e2e

package tests

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The Debian lifecycle acceptance test: the packages of a small edition are installed with
// apt-get into a Debian bookworm root that mmdebstrap made, MediaWiki is installed on SQLite and
// serves its Main Page, the admin edits conffiles and uploads a file, the edition is upgraded
// to a build where one extension was bumped, then removed and purged.
//
// It needs root (chroot, unshare) and mmdebstrap (`make deps`). The root is built once, as a
// tarball next to the mwedition cache, and unpacked afresh for every run.

// rootPackages are installed into the root when it is made: what the packages depend on (PHP
// and a web server, from Debian), plus php-sqlite3, the database driver the admin picks. The
// install then downloads nothing, and the cached root works offline.
var rootPackages = []string{"apache2", "libapache2-mod-php", "php", "php-cli", "php-curl", "php-intl", "php-mbstring", "php-sqlite3", "php-xml"}

var rootSources = []string{
	"deb http://deb.debian.org/debian bookworm main",
	"deb http://deb.debian.org/debian bookworm-updates main",
	"deb http://deb.debian.org/debian-security bookworm-security main",
}

const (
	probe        = "LifecycleProbe"
	probePackage = "mediawiki-extension-lifecycleprobe"
	edition      = "mediawiki-edition-lifecycle"
	adminPass    = "lifecycle-test-password"
	localConf    = "/etc/mediawiki/LocalSettings.php"
	apacheConf   = "/etc/apache2/conf-available/mediawiki-core.conf"
	apacheLink   = "/etc/apache2/conf-enabled/mediawiki-core.conf" // a2enconf's
	defaultsConf = "/etc/default/mediawiki"
	editionConf  = "/etc/mediawiki/EditionSettings.php"
	upload       = "/var/lib/mediawiki/images/lifecycle-upload.txt"
)

func TestDebianLifecycle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the lifecycle test needs root (chroot, unshare): run `make e2e` as root")
	}
	start := time.Now()
	cacheDir := corpusCache(t)
	tarball := bookwormRoot(t, cacheDir)

	// Two builds of one project: the second bumps only the probe extension (and so the
	// edition, whose meta-package depends on exact versions). A nonce in the probe's
	// description and the edition's title makes their packages new to the cache on every run,
	// so the second build's work is the same on a warm cache as on a cold one.
	nonce := fmt.Sprintf("run %d", time.Now().UnixNano())
	proj := lifecycleProject(t, nonce)
	out1 := filepath.Join(t.TempDir(), "out1")
	lockAndBuild(t, proj, cacheDir, out1)
	writeProbe(t, proj, "1.0.1", nonce, time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC))
	setEditionVersion(t, proj, "1.39.17.2")
	out2 := filepath.Join(t.TempDir(), "out2")
	ran := lockAndBuild(t, proj, cacheDir, out2)
	checkOnlyBumpedRebuilt(t, filepath.Join(out1, "deb"), filepath.Join(out2, "deb"), ran)
	t.Logf("%s: packages built", time.Since(start).Round(time.Second))

	r := unpackRoot(t, tarball)
	v1 := r.addDebs(t, filepath.Join(out1, "deb"), "/debs1")
	v2 := r.addDebs(t, filepath.Join(out2, "deb"), "/debs2")
	t.Logf("%s: root unpacked", time.Since(start).Round(time.Second))

	// Install, the way an admin would: the edition's packages from local files, the rest
	// (nothing, with the root as made) from Debian.
	r.run(t, append([]string{"apt-get", "install", "-y"}, v1...)...)
	if got := r.version(t, probePackage); got != "1.0.0-1" {
		t.Fatalf("%s installed at %q, want 1.0.0-1", probePackage, got)
	}
	// The layout the core package promises: code in /usr/share/mediawiki, state reached through
	// symlinks into /var/lib/mediawiki, LocalSettings.php through /etc (dangling until written).
	for link, target := range map[string]string{
		"/usr/share/mediawiki/LocalSettings.php":   localConf,
		"/usr/share/mediawiki/images":              "/var/lib/mediawiki/images",
		"/usr/share/mediawiki/EditionSettings.php": editionConf,
	} {
		if got, err := os.Readlink(r.path(link)); err != nil || got != target {
			t.Errorf("%s -> %q (%v), want -> %s", link, got, err, target)
		}
	}
	if _, err := os.Lstat(r.path(apacheLink)); err != nil {
		t.Errorf("mediawiki-core did not enable its Apache snippet: %v", err)
	}

	// MediaWiki's own installer on SQLite, run by the admin as root; then the database is the
	// web user's, and LocalSettings.php includes the edition's settings.
	port := freePort(t)
	r.run(t, "sh", "-ec", `mkdir -p /var/lib/mediawiki/data
php /usr/share/mediawiki/maintenance/install.php --dbtype sqlite --dbpath /var/lib/mediawiki/data \
	--confpath /etc/mediawiki --server http://127.0.0.1:`+port+` --scriptpath "" \
	--pass `+adminPass+` "Lifecycle Wiki" Admin
chown -R www-data: /var/lib/mediawiki/data
echo 'require_once "`+editionConf+`";' >> `+localConf)
	t.Logf("%s: MediaWiki installed", time.Since(start).Round(time.Second))
	srv := r.serve(t, port)
	srv.wantPage(t, "Main_Page", "MediaWiki has been installed")
	srv.wantVersions(t, map[string]string{probe: "1.0.0", "Poem": "", "Vector": ""})

	// The admin's changes: an edited conffile that does not change between builds (the Apache
	// snippet), one that turns on update.php after upgrades, and an upload.
	r.run(t, "sh", "-ec", `echo '# local edit by the lifecycle test' >> `+apacheConf+`
sed -i 's/^MEDIAWIKI_UPDATE=no$/MEDIAWIKI_UPDATE=yes/' `+defaultsConf+`
grep -q '^MEDIAWIKI_UPDATE=yes$' `+defaultsConf+`
runuser -u www-data -- sh -c 'echo uploaded > `+upload+`'`)
	srv.wantFile(t, "/images/lifecycle-upload.txt", "uploaded\n")
	srv.stop()
	checkJobRunner(t, r) // with no server: web requests run jobs too
	t.Logf("%s: job queue drained by the service's command", time.Since(start).Round(time.Second))
	edited := map[string]string{apacheConf: r.sha256(t, apacheConf), defaultsConf: r.sha256(t, defaultsConf)}
	localSum := r.sha256(t, localConf)

	// Upgrade, as a non-interactive admin does: keep edited conffiles, take unedited ones.
	logStart := r.size(t, "/var/log/dpkg.log")
	out := r.run(t, append([]string{"apt-get", "install", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold"}, v2...)...)
	t.Logf("%s: upgraded", time.Since(start).Round(time.Second))
	if !strings.Contains(out, "mediawiki: running maintenance/update.php") || strings.Contains(out, "update.php failed") {
		t.Errorf("upgrade did not run update.php successfully, though %s says MEDIAWIKI_UPDATE=yes:\n%s", defaultsConf, tail(out))
	}
	wantUpgrades := []string{
		edition + ":all 1.39.17.1-1 1.39.17.2-1",
		probePackage + ":all 1.0.0-1 1.0.1-1",
	}
	if diff := cmp.Diff(wantUpgrades, r.dpkgUpgrades(t, logStart)); diff != "" {
		t.Errorf("packages the upgrade replaced (-want +got):\n%s", diff)
	}
	for f, sum := range edited {
		if got := r.sha256(t, f); got != sum {
			t.Errorf("upgrade changed the edited conffile %s", f)
		}
	}
	if got := r.sha256(t, localConf); got != localSum {
		t.Errorf("upgrade changed %s", localConf)
	}
	r.wantContent(t, upload, "uploaded\n")
	// Edited conffiles the new packages do not change need no decision: no .dpkg-dist or
	// .dpkg-old files.
	for _, dir := range []string{"/etc/mediawiki", "/etc/apache2/conf-available", "/etc/default"} {
		if m, _ := filepath.Glob(r.path(dir + "/*.dpkg-*")); len(m) > 0 {
			t.Errorf("the upgrade left %v", m)
		}
	}
	// The edition's settings file was not edited: the new one replaces it.
	if b := r.read(t, editionConf); !strings.Contains(b, "1.39.17.2") {
		t.Errorf("%s after the upgrade is not the new edition's:\n%s", editionConf, b)
	}
	srv = r.serve(t, port)
	srv.wantPage(t, "Main_Page", "MediaWiki has been installed")
	srv.wantVersions(t, map[string]string{probe: "1.0.1"})
	srv.wantFile(t, "/images/lifecycle-upload.txt", "uploaded\n")
	srv.stop()

	// Remove: the code goes; conffiles stay, with the edits (dpkg state "rc" for the packages
	// that have conffiles, not-installed for the others); so do uploads and LocalSettings.php.
	pkgs := r.installed(t)
	conffiles := map[string][]string{}
	for _, p := range pkgs {
		conffiles[p] = r.conffiles(t, p)
	}
	if diff := cmp.Diff([]string{apacheConf, defaultsConf}, conffiles["mediawiki-core"]); diff != "" {
		t.Errorf("mediawiki-core conffiles (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{editionConf}, conffiles[edition]); diff != "" {
		t.Errorf("%s conffiles (-want +got):\n%s", edition, diff)
	}
	r.run(t, append([]string{"apt-get", "remove", "-y"}, pkgs...)...)
	for _, p := range pkgs {
		want := "not-installed"
		if len(conffiles[p]) > 0 {
			want = "config-files"
		}
		if got := r.status(t, p); got != want {
			t.Errorf("after remove, %s is %s, want %s", p, got, want)
		}
	}
	r.wantGone(t, "/usr/share/mediawiki", apacheLink, jobService, jobTimer, "/usr/sbin/mediawiki-run-jobs")
	for f, sum := range edited {
		if got := r.sha256(t, f); got != sum {
			t.Errorf("after remove, the edited conffile %s is not as the admin left it", f)
		}
	}
	r.wantPresent(t, editionConf)
	if got := r.sha256(t, localConf); got != localSum {
		t.Errorf("remove changed %s", localConf)
	}
	r.wantContent(t, upload, "uploaded\n")

	// Purge: dpkg deletes the conffiles and forgets the packages; core's postrm deletes the
	// caches. What the admin made stays, as Debian policy has dpkg and maintainer scripts
	// leave what they did not create: LocalSettings.php, the uploads and the database.
	r.run(t, append([]string{"apt-get", "purge", "-y"}, pkgs...)...)
	for _, p := range pkgs {
		if got := r.status(t, p); got != "not-installed" {
			t.Errorf("after purge, %s is %s", p, got)
		}
	}
	r.wantGone(t, apacheConf, defaultsConf, editionConf, "/var/lib/mediawiki/cache", "/var/cache/mediawiki")
	if got := r.sha256(t, localConf); got != localSum {
		t.Errorf("purge changed %s", localConf)
	}
	r.wantContent(t, upload, "uploaded\n")
	r.wantPresent(t, "/var/lib/mediawiki/data/my_wiki.sqlite")
	t.Logf("%s: removed and purged", time.Since(start).Round(time.Second))
}

// bookwormRoot returns a tarball of a Debian bookworm root made by mmdebstrap, cached beside
// the mwedition cache under a name derived from how it is made.
func bookwormRoot(t *testing.T, cacheDir string) string {
	t.Helper()
	if _, err := exec.LookPath("mmdebstrap"); err != nil {
		t.Fatal("mmdebstrap is not installed: run `make deps` (it is in the Makefile's DEPS)")
	}
	args := []string{"--variant=apt", "--format=tar", "--include=" + strings.Join(rootPackages, ","),
		// Keep the package lists, so apt-get can still resolve from Debian inside the root.
		"--skip=cleanup/apt/lists"}
	h := sha256.Sum256([]byte(strings.Join(append(args, rootSources...), "\n")))
	dir := filepath.Join(filepath.Dir(cacheDir), "rootfs")
	tarball := filepath.Join(dir, "bookworm-"+hex.EncodeToString(h[:8])+".tar")
	if _, err := os.Stat(tarball); err == nil {
		return tarball
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	tmp := fmt.Sprintf("%s.%d.tmp", tarball, os.Getpid())
	defer os.Remove(tmp)
	start := time.Now()
	cmd := exec.Command("mmdebstrap", append(append(args, "bookworm", tmp), rootSources...)...)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mmdebstrap: %v\n%s", err, tail(string(out)))
	}
	if err := os.Rename(tmp, tarball); err != nil {
		t.Fatal(err)
	}
	t.Logf("made the bookworm root %s in %s", tarball, time.Since(start).Round(time.Second))
	return tarball
}

// lifecycleProject is the shipped project plus LifecycleProbe, an extension from a dir source
// that the test can bump, and the edition "lifecycle" (Vector, Poem and the probe): small, so
// that installing it is quick. The probe is an extension of its own rather than a bundled one
// moved to a dir source, which would put its files back into core's tree.
func lifecycleProject(t *testing.T, nonce string) string {
	t.Helper()
	dir := project(t)
	writeProbe(t, dir, "1.0.0", nonce, time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	f, err := os.OpenFile(filepath.Join(dir, "recipes/extensions.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(f, "\nextension %q {\n  source \"dir\" { path = \"../local/%s\" }\n}\n", probe, probe)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "editions/lifecycle.hcl"), `edition "lifecycle" {
  title      = "Lifecycle Test (`+nonce+`)"
  version    = "1.39.17.1"
  skins      = ["Vector"]
  extensions = ["Poem", "`+probe+`"]
  output "deb" {}
}
`)
	return dir
}

// writeProbe writes the probe extension at a version, with a fixed file time (the
// component's source time).
func writeProbe(t *testing.T, proj, version, description string, mtime time.Time) {
	t.Helper()
	p := filepath.Join(proj, "local", probe, "extension.json")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, fmt.Sprintf(`{
	"name": %q,
	"version": %q,
	"description": %q,
	"license-name": "GPL-2.0-or-later",
	"requires": { "MediaWiki": ">= 1.39.0" },
	"type": "other",
	"manifest_version": 2
}
`, probe, version, description))
	if err := os.Chtimes(p, mtime, mtime); err != nil {
		t.Fatal(err)
	}
}

func setEditionVersion(t *testing.T, proj, version string) {
	t.Helper()
	p := filepath.Join(proj, "editions/lifecycle.hcl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, p, regexp.MustCompile(`version += ("[^"]*"|line\.edition_version)`).ReplaceAllString(string(b), `version = "`+version+`"`))
}

// lockAndBuild locks the probe (the rest keeps its committed pins) and builds the Debian
// packages into out; it returns the package actions that ran rather than came from the cache.
func lockAndBuild(t *testing.T, proj, cacheDir, out string) []string {
	t.Helper()
	if r := run(t, proj, cacheDir, "--offline", "--quiet", "lock", "--update", probe); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := run(t, proj, cacheDir, "--offline", "--json", "build", "--format", "deb", "--out", out)
	if r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	var ran []string
	for _, e := range events(t, r.stdout) {
		if e.Event == "finished" && strings.HasPrefix(e.Kind, "pack.") {
			ran = append(ran, e.Action)
		}
	}
	sort.Strings(ran)
	return ran
}

// checkOnlyBumpedRebuilt: changing one extension rebuilds that extension's package and the
// edition meta-packages holding it, and nothing else.
func checkOnlyBumpedRebuilt(t *testing.T, dir1, dir2 string, ran []string) {
	t.Helper()
	if diff := cmp.Diff([]string{"deb/edition/lifecycle", "deb/extension/" + probe}, ran); diff != "" {
		t.Errorf("package actions the bump ran (-want +got):\n%s", diff)
	}
	before, after := packages(t, dir1), packages(t, dir2)
	if len(before) < 38 {
		t.Fatalf("the first build made %d .deb files, want the 37 shipped ones and the test's", len(before))
	}
	changed := func(m, other map[string]string) []string {
		var out []string
		for name, sum := range m {
			if other[name] != sum {
				out = append(out, name)
			}
		}
		sort.Strings(out)
		return out
	}
	want := []string{edition + "_1.39.17.1-1_all.deb", probePackage + "_1.0.0-1_all.deb"}
	if diff := cmp.Diff(want, changed(before, after)); diff != "" {
		t.Errorf(".deb files the bump replaced (-want +got):\n%s", diff)
	}
	want = []string{edition + "_1.39.17.2-1_all.deb", probePackage + "_1.0.1-1_all.deb"}
	if diff := cmp.Diff(want, changed(after, before)); diff != "" {
		t.Errorf(".deb files the bump added (-want +got):\n%s", diff)
	}
}

// root is an unpacked bookworm root.
type root struct{ dir string }

// unpackRoot unpacks the cached root into a fresh directory, with a policy-rc.d that keeps
// maintainer scripts from starting services.
func unpackRoot(t *testing.T, tarball string) root {
	t.Helper()
	r := root{t.TempDir()}
	if out, err := exec.Command("tar", "--numeric-owner", "-xpf", tarball, "-C", r.dir).CombinedOutput(); err != nil {
		t.Fatalf("unpacking %s: %v\n%s", tarball, err, out)
	}
	if err := os.WriteFile(r.path("/usr/sbin/policy-rc.d"), []byte("#!/bin/sh\nexit 101\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if b, err := os.ReadFile("/etc/resolv.conf"); err == nil {
		os.WriteFile(r.path("/etc/resolv.conf"), b, 0o644)
	}
	return r
}

func (r root) path(p string) string { return filepath.Join(r.dir, p) }

// addDebs copies the lifecycle edition's packages (its meta-package and what it depends on)
// into the root and returns their paths there, as apt-get takes them.
func (r root) addDebs(t *testing.T, from, to string) []string {
	t.Helper()
	metas, _ := filepath.Glob(filepath.Join(from, edition+"_*.deb"))
	if len(metas) != 1 {
		t.Fatalf("%s holds %d %s packages, want 1", from, len(metas), edition)
	}
	out, err := exec.Command("dpkg-deb", "-f", metas[0], "Depends").Output()
	if err != nil {
		t.Fatalf("dpkg-deb -f %s: %v", metas[0], err)
	}
	files := []string{metas[0]}
	for _, rel := range strings.Split(strings.TrimSpace(string(out)), ",") {
		name, _, _ := strings.Cut(strings.TrimSpace(rel), " ")
		m, _ := filepath.Glob(filepath.Join(from, name+"_*.deb"))
		if len(m) != 1 {
			t.Fatalf("%s depends on %s: %d packages of that name in %s", metas[0], name, len(m), from)
		}
		files = append(files, m[0])
	}
	if err := os.MkdirAll(r.path(to), 0o755); err != nil {
		t.Fatal(err)
	}
	var args []string
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(r.path(to+"/"+filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, to+"/"+filepath.Base(f))
	}
	return args
}

// command runs argv inside the root, in mount and PID namespaces of its own: /proc is mounted
// only there, so nothing stays mounted on the host when the command ends (and removing the
// root cannot reach through a mount), and ending the command ends whatever it started. The
// network is the host's, so a server inside listens on the host's 127.0.0.1.
func (r root) command(argv ...string) *exec.Cmd {
	args := []string{"--mount", "--pid", "--fork", "--kill-child", "--mount-proc=" + r.path("/proc"),
		"chroot", r.dir, "/usr/bin/env", "-i", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOME=/root", "LANG=C.UTF-8", "DEBIAN_FRONTEND=noninteractive"}
	return exec.Command("unshare", append(args, argv...)...)
}

// run runs argv in the root and returns its output; failing, it fails the test with it.
func (r root) run(t *testing.T, argv ...string) string {
	t.Helper()
	out, err := r.command(argv...).CombinedOutput()
	if err != nil {
		t.Fatalf("in the root, %s: %v\n%s", strings.Join(argv, " "), err, tail(string(out)))
	}
	return string(out)
}

func (r root) dpkgQuery(t *testing.T, format, pkg string) (string, bool) {
	t.Helper()
	out, err := r.command("dpkg-query", "-W", "-f="+format, pkg).Output()
	return string(out), err == nil
}

// version is a package's installed version.
func (r root) version(t *testing.T, pkg string) string {
	t.Helper()
	v, _ := r.dpkgQuery(t, "${Version}", pkg)
	return v
}

// status is a package's dpkg state: installed, config-files, not-installed...
func (r root) status(t *testing.T, pkg string) string {
	t.Helper()
	s, ok := r.dpkgQuery(t, "${db:Status-Status}", pkg)
	if !ok || s == "" {
		return "not-installed" // dpkg forgot it
	}
	return s
}

// installed lists the installed mediawiki-* packages.
func (r root) installed(t *testing.T) []string {
	t.Helper()
	out, _ := r.dpkgQuery(t, "${db:Status-Status} ${Package}\n", "mediawiki-*")
	var pkgs []string
	for _, l := range strings.Split(out, "\n") {
		if s, p, ok := strings.Cut(l, " "); ok && s == "installed" {
			pkgs = append(pkgs, p)
		}
	}
	return pkgs
}

func (r root) conffiles(t *testing.T, pkg string) []string {
	t.Helper()
	out, _ := r.dpkgQuery(t, "${Conffiles}", pkg)
	var files []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) > 0 {
			files = append(files, f[0])
		}
	}
	sort.Strings(files)
	return files
}

// dpkgUpgrades lists the "upgrade" lines dpkg logged from offset on: package, old, new.
func (r root) dpkgUpgrades(t *testing.T, offset int64) []string {
	t.Helper()
	var out []string
	for _, line := range r.dpkgTransitions(t, offset, "") {
		if rest, ok := strings.CutPrefix(line, "upgrade "); ok {
			out = append(out, rest)
		}
	}
	return out
}

// dpkgTransitions is what dpkg.log says happened after offset to the packages whose names
// start with prefix, sorted: "upgrade pkg:all old new", "remove pkg:all old <none>",
// "install pkg:all <none> new".
func (r root) dpkgTransitions(t *testing.T, offset int64, prefix string) []string {
	t.Helper()
	f, err := os.Open(r.path("/var/log/dpkg.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.Seek(offset, io.SeekStart)
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 2025-12-01 00:00:00 upgrade pkg:all 1.0.0-1 1.0.1-1
		f := strings.Fields(sc.Text())
		if len(f) == 6 && (f[2] == "upgrade" || f[2] == "remove" || f[2] == "install") && strings.HasPrefix(f[3], prefix) {
			out = append(out, strings.Join(f[2:], " "))
		}
	}
	sort.Strings(out)
	return out
}

func (r root) size(t *testing.T, p string) int64 {
	t.Helper()
	fi, err := os.Stat(r.path(p))
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func (r root) read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(r.path(p))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (r root) sha256(t *testing.T, p string) string {
	t.Helper()
	return sha256File(t, r.path(p))
}

func (r root) wantContent(t *testing.T, p, want string) {
	t.Helper()
	b, err := os.ReadFile(r.path(p))
	if err != nil || string(b) != want {
		t.Errorf("%s: %q (%v), want %q", p, b, err, want)
	}
}

func (r root) wantGone(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(r.path(p)); err == nil {
			t.Errorf("%s is still there", p)
		}
	}
}

func (r root) wantPresent(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if _, err := os.Lstat(r.path(p)); err != nil {
			t.Errorf("%s is gone: %v", p, err)
		}
	}
}

// server is PHP's built-in web server inside the root, serving /usr/share/mediawiki as the
// web user.
type server struct {
	cmd  *exec.Cmd
	base string
	log  *bytes.Buffer
}

func (r root) serve(t *testing.T, port string) *server {
	t.Helper()
	s := &server{base: "http://127.0.0.1:" + port, log: &bytes.Buffer{}}
	s.cmd = r.command("runuser", "-u", "www-data", "--", "php", "-S", "127.0.0.1:"+port, "-t", "/usr/share/mediawiki")
	s.start(t, port, func() string { return "php -S did not listen" })
	return s
}

// start starts the server's command and waits until its port takes connections; failed
// says what went wrong, with what the server's own logs hold.
func (s *server) start(t *testing.T, port string, failed func() string) {
	t.Helper()
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s on %s: %v\n%s", failed(), port, err, s.log)
		}
	}
}

// stop ends the server. unshare ignores SIGTERM while it waits for its child, so it is killed;
// --kill-child then kills the namespace's first process, and with it every process in the
// namespace. Stopping twice is harmless.
func (s *server) stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	s.cmd.Process.Kill()
	s.cmd.Wait()
}

func (s *server) get(t *testing.T, path string) string {
	t.Helper()
	c := http.Client{Timeout: 2 * time.Minute} // the first view fills MediaWiki's caches
	resp, err := c.Get(s.base + path)
	if err != nil {
		t.Fatalf("GET %s: %v\nserver log:\n%s", path, err, tail(s.log.String()))
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s\nserver log:\n%s", path, resp.Status, tail(string(b)), tail(s.log.String()))
	}
	return string(b)
}

func (s *server) wantPage(t *testing.T, title, text string) {
	t.Helper()
	if b := s.get(t, "/index.php?title="+title); !strings.Contains(b, text) {
		t.Errorf("%s does not say %q:\n%s", title, text, tail(b))
	}
}

func (s *server) wantFile(t *testing.T, path, want string) {
	t.Helper()
	if got := s.get(t, path); got != want {
		t.Errorf("GET %s: %q, want %q", path, got, want)
	}
}

// wantVersions checks that Special:Version lists each extension or skin, at the version
// given (any, when empty).
func (s *server) wantVersions(t *testing.T, want map[string]string) {
	t.Helper()
	b := s.get(t, "/index.php?title=Special:Version")
	for name, v := range want {
		re := regexp.MustCompile(`<tr class="mw-version-ext" id="mw-version-ext-[a-z]+-` + regexp.QuoteMeta(name) + `">.*?class="mw-version-ext-version">([^<]*)<`)
		m := re.FindStringSubmatch(b)
		switch {
		case m == nil:
			t.Errorf("Special:Version does not list %s", name)
		case v != "" && m[1] != v:
			t.Errorf("Special:Version lists %s at %q, want %s", name, m[1], v)
		}
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	_, port, _ := net.SplitHostPort(l.Addr().String())
	return port
}

func writeFile(t *testing.T, p, content string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// tail keeps the end of long command output, where the error usually is.
func tail(s string) string {
	const max = 8000
	if len(s) > max {
		return "...\n" + s[len(s)-max:]
	}
	return s
}
