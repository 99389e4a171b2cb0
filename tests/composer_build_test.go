//go:build e2e

package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
)

// runtimeLibraries are what OpenIDConnect pulls in at runtime; composer/installers, a
// plugin, is resolved but never shipped.
var runtimeLibraries = []string{"jumbojett/openid-connect-php", "paragonie/constant_time_encoding", "paragonie/random_compat", "phpseclib/phpseclib"}

// The composer libraries' acceptance test: the enterprise edition with single sign-on
// (PluggableAuth, OpenIDConnect, Lockdown from their git bundles), locked against the
// static repository served over HTTP on 127.0.0.1, is built as packages, tarballs and
// images. Installed with apt-get from a signed repository in the Debian root, and unpacked
// from its image, MediaWiki's own bootstrap finds the libraries' classes and Special:Version
// lists the extensions. The SBOM names the libraries; a second build runs nothing; a newer
// tag of one library rebuilds only what holds it.
func TestComposerBuild(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the composer build test needs root (chroot, unshare, umoci): run `make e2e` as root")
	}
	for _, tool := range []string{"git", "umoci", "unshare"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	start := time.Now()
	logf := func(format string, args ...any) {
		t.Helper()
		t.Logf("%s: "+format, append([]any{time.Since(start).Round(time.Second)}, args...)...)
	}
	base := bookwormRoot(t, corpusCache(t))
	s := ssoProject(t, true)
	onlyEnterprise(t, s.dir)
	if r := run(t, s.dir, s.cacheDir, "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	logf("locked against %s", s.repoURL)

	out := filepath.Join(t.TempDir(), "out")
	build := func() []event {
		t.Helper()
		r := run(t, s.dir, s.cacheDir, "--offline", "--json", "build", "--format", "deb,tarball,image", "--image-base", "rootfs:"+base, "--out", out)
		if r.code != 0 {
			t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
		}
		return events(t, r.stdout)
	}
	evs := build()
	logf("built: %+v", evs[len(evs)-1])
	again := build()
	if last := again[len(again)-1]; last.Event != "built" || last.Executed != 0 {
		t.Errorf("a second build: %+v, want 0 actions executed", last)
	}
	logf("rebuilt: nothing to do")
	checkLibrarySBOM(t, s.dir, filepath.Join(out, "sbom/enterprise.spdx.json"))
	checkTarball(t, filepath.Join(out, "tarballs/mediawiki-enterprise-"+nextEditionVersion+".tar.gz"))

	checkInstalledFromApt(t, s, base, out)
	logf("installed with apt-get and checked")
	checkInImage(t, out)
	logf("image unpacked and checked")

	// A newer random_compat: its package, segment and layer, the autoloader, and what the
	// edition itself made; no other library or extension.
	updateRandomCompat(t, s)
	var ran []string
	for _, e := range build() {
		if e.Event == "finished" {
			ran = append(ran, e.Action)
		}
	}
	sort.Strings(ran)
	logf("bumped paragonie/random_compat: %d actions", len(ran))
	if diff := cmp.Diff(bumpActions, ran); diff != "" {
		t.Errorf("actions a newer paragonie/random_compat ran (-want +got):\n%s", diff)
	}
}

// bumpActions are the actions a newer paragonie/random_compat runs: its package, its two
// tarball segments, its layer and the list of composer libraries its tree ships (its tree
// was made by lock); enterprise's autoloader, tree, meta-package, tarballs, image and
// documents; and out/. The tree of no other library or extension is touched. The other
// editions' documents are made again because their provenance names the whole
// editions.lock by its sha256, and that changed.
var bumpActions = []string{
	"autoload/enterprise",
	"deb/edition/enterprise",
	"deb/library/paragonie/random_compat",
	"edition/enterprise",
	"image/enterprise",
	"layer/library/paragonie/random_compat",
	"libraries/library/paragonie/random_compat",
	"publish",
	"sbom/core",
	"sbom/enterprise",
	"sbom/knowledge-base",
	"tar.gz/edition/enterprise",
	"tar.gz/mediawiki-1.39.17/library/paragonie/random_compat",
	"tar.xz/edition/enterprise",
	"tar.xz/mediawiki-1.39.17/library/paragonie/random_compat",
}

// onlyEnterprise drops the other editions' output blocks: they share every component with
// enterprise, and building their artifacts too would only cost time.
func onlyEnterprise(t *testing.T, dir string) {
	t.Helper()
	outputs := regexp.MustCompile(`(?m)^  output "[a-z]+" \{[^}\n]*\}\n`)
	for _, e := range []string{"core", "knowledge-base"} {
		p := filepath.Join(dir, "editions", e+".hcl")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !outputs.Match(b) {
			t.Fatalf("%s has no output block to drop", p)
		}
		writeFile(t, p, outputs.ReplaceAllString(string(b), ""))
	}
}

func setVersion(t *testing.T, p, version string) {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !editionVersion.Match(b) {
		t.Fatalf("%s has no version to bump", p)
	}
	writeFile(t, p, string(editionVersion.ReplaceAll(b, []byte(`${1} "`+version+`"`))))
}

// updateRandomCompat publishes a newer random_compat in the static repository, bumps the
// edition and locks the library again.
func updateRandomCompat(t *testing.T, s ssoSetup) {
	t.Helper()
	tagNewerRandomCompat(t, s)
	s.publishRepo(t)
	// ssoProject moved enterprise to nextEditionVersion (1.39.17.3): one more.
	setVersion(t, filepath.Join(s.dir, "editions/enterprise.hcl"), "1.39.17.4")
	if r := run(t, s.dir, s.cacheDir, "--quiet", "lock", "--update", "paragonie/random_compat"); r.code != 0 {
		t.Fatalf("lock --update exited %d:\n%s", r.code, r.stderr)
	}
	lf, err := lock.Read(s.dir)
	if err != nil {
		t.Fatal(err)
	}
	got := ""
	for _, l := range lf.Libraries {
		if l.Name == "paragonie/random_compat" {
			got = l.Version
		}
	}
	if got != "v9.99.101" {
		t.Fatalf("lock --update paragonie/random_compat locked %q, want v9.99.101", got)
	}
}

// tagNewerRandomCompat commits a change to random_compat's newest release in the clone the
// static repository is built from, and tags it v9.99.101.
func tagNewerRandomCompat(t *testing.T, s ssoSetup) {
	t.Helper()
	clones, _ := filepath.Glob(filepath.Join(s.work, "git/git/*"))
	var bare string
	for _, c := range clones {
		if out, err := exec.Command("git", "--git-dir", c, "rev-parse", "--verify", "-q", "v9.99.100^{commit}").Output(); err == nil && len(out) > 0 {
			bare = c
		}
	}
	if bare == "" {
		t.Fatalf("no clone under %s has random_compat's tag v9.99.100", filepath.Join(s.work, "git/git"))
	}
	wt := filepath.Join(s.work, "random_compat")
	script := `set -e
git clone -q --branch v9.99.100 "$1" "$2" 2>/dev/null
cd "$2"
echo '// A later release, made by the composer build test.' >> lib/random.php
git -c user.name=test -c user.email=test@example.org commit -qam 'A newer release'
git tag v9.99.101
git push -q origin v9.99.101`
	cmd := exec.Command("sh", "-c", script, "sh", bare, wt)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_DATE=2025-12-01T00:00:00Z", "GIT_COMMITTER_DATE=2025-12-01T00:00:00Z")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("tagging random_compat v9.99.101: %v\n%s", err, out)
	}
}

// checkLibrarySBOM reads the edition's SPDX document: each runtime library at its locked
// version, with a licence and its pkg:composer purl; composer/installers absent.
func checkLibrarySBOM(t *testing.T, proj, path string) {
	t.Helper()
	var doc struct {
		Packages []struct {
			Name, VersionInfo, LicenseDeclared string
			ExternalRefs                       []struct{ ReferenceType, ReferenceLocator string }
		}
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	lf, err := lock.Read(proj)
	if err != nil {
		t.Fatal(err)
	}
	locked, sums := map[string]string{}, map[string]string{}
	for _, l := range lf.Libraries {
		locked[l.Name], sums[l.Name] = l.Version, l.Source.SHA256
	}
	got := map[string]string{}
	for _, p := range doc.Packages {
		for _, r := range p.ExternalRefs {
			if r.ReferenceType != "purl" || !strings.HasPrefix(r.ReferenceLocator, "pkg:composer/") {
				continue
			}
			// The qualifiers name the dist archive: its sha256 and where it came from.
			purl, qualifiers, _ := strings.Cut(r.ReferenceLocator, "?")
			name, _, _ := strings.Cut(strings.TrimPrefix(purl, "pkg:composer/"), "@")
			if _, ok := locked[name]; !ok {
				continue
			}
			got[name] = p.VersionInfo + " " + p.LicenseDeclared + " " + purl
			if !strings.Contains(qualifiers, "checksum=sha256%3A"+sums[name]) {
				t.Errorf("%s's purl does not carry its archive's sha256 %s: %s", name, sums[name], r.ReferenceLocator)
			}
		}
	}
	want := map[string]string{}
	for _, name := range runtimeLibraries {
		v := locked[name]
		want[name] = v + " " + libraryLicences[name] + " pkg:composer/" + name + "@" + v
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("composer libraries in %s (-want +got):\n%s", path, diff)
	}
}

// checkTarball lists the edition's release tarball: the libraries and the autoloader are
// in vendor-libs/, beside core's vendor/.
func checkTarball(t *testing.T, path string) {
	t.Helper()
	names := map[string]bool{}
	for _, n := range strings.Split(command(t, "tar", "-tzf", path), "\n") {
		names[n] = true
	}
	want := []string{"mediawiki-1.39.17/vendor-libs/autoload.php", "mediawiki-1.39.17/vendor/autoload.php", "mediawiki-1.39.17/EditionSettings.php"}
	for _, name := range runtimeLibraries {
		want = append(want, "mediawiki-1.39.17/vendor-libs/"+name+"/composer.json")
	}
	for _, w := range want {
		if !names[w] {
			t.Errorf("%s lacks %s", filepath.Base(path), w)
		}
	}
}

// libraryLicences are the SPDX licences the libraries' composer.json declare.
var libraryLicences = map[string]string{
	"jumbojett/openid-connect-php":     "Apache-2.0",
	"paragonie/constant_time_encoding": "MIT",
	"paragonie/random_compat":          "MIT",
	"phpseclib/phpseclib":              "MIT",
}

// classesScript runs through maintenance/eval.php: MediaWiki's bootstrap with the
// LocalSettings.php that includes the edition's settings.
const classesScript = `echo json_encode( [ class_exists( 'Jumbojett\OpenIDConnectClient' ), class_exists( 'phpseclib3\Crypt\RSA' ) ] ) . "\n";`

// installAndCheck installs MediaWiki on SQLite in r, includes the edition's settings as the
// README says, and checks the libraries' classes and Special:Version.
func installAndCheck(t *testing.T, r root, settings string) {
	t.Helper()
	port := freePort(t)
	r.run(t, "sh", "-ec", `cd /usr/share/mediawiki
mkdir -p /var/lib/mediawiki/data
php maintenance/install.php --dbtype sqlite --dbpath /var/lib/mediawiki/data \
	--confpath /etc/mediawiki --server http://127.0.0.1:`+port+` --scriptpath "" \
	--pass composer-test-password "Composer Wiki" Admin
echo 'require_once "`+settings+`";' >> /etc/mediawiki/LocalSettings.php
php maintenance/update.php --quick
chown -R www-data: /var/lib/mediawiki/data`)
	cmd := r.command("sh", "-c", `cd /usr/share/mediawiki && php maintenance/eval.php`)
	cmd.Stdin = strings.NewReader(classesScript)
	b, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(b), "[true,true]") {
		t.Errorf("through eval.php, class_exists(Jumbojett\\OpenIDConnectClient, phpseclib3\\Crypt\\RSA) is not [true,true] (%v):\n%s", err, tail(string(b)))
	}
	srv := r.serve(t, port)
	// OpenIDConnect's extension.json names it "OpenID Connect": Special:Version's row id
	// has the name as an HTML id.
	srv.wantVersions(t, map[string]string{"PluggableAuth": "", "OpenID_Connect": "", "Lockdown": ""})
	srv.stop()
}

// checkInstalledFromApt publishes out/deb into a signed apt repository in a fresh root,
// installs the edition's meta-package from it and checks MediaWiki.
func checkInstalledFromApt(t *testing.T, s ssoSetup, base, out string) {
	t.Helper()
	priv, _, fpr := releaseKey(t)
	r := unpackRoot(t, base)
	res := run(t, s.dir, s.cacheDir, "--json", "publish", "--apt", r.path(repoInRoot), "--out", out, "--sign-key", priv, "--sign-fingerprint", fpr)
	if res.code != 0 {
		t.Fatalf("publish exited %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	r.copyIn(t, filepath.Join(r.path(repoInRoot), "mwedition-archive-keyring.asc"), keyInRoot)
	writeFile(t, r.path(listInRoot), "deb [signed-by="+keyInRoot+"] file://"+repoInRoot+" "+shippedSuite+" main\n")
	r.aptUpdate(t, listInRoot)
	r.run(t, "apt-get", "install", "-y", "mediawiki-edition-enterprise")
	for _, name := range runtimeLibraries {
		pkg := "mediawiki-lib-" + strings.NewReplacer("/", "-", "_", "-").Replace(name)
		if r.status(t, pkg) != "installed" {
			t.Errorf("%s is not installed", pkg)
		}
		r.wantPresent(t, "/usr/share/mediawiki/vendor-libs/"+name+"/composer.json")
	}
	r.wantPresent(t, "/usr/share/mediawiki/vendor-libs/autoload.php")
	installAndCheck(t, r, editionConf)
}

// checkInImage unpacks the edition's image with umoci and checks MediaWiki in it.
func checkInImage(t *testing.T, out string) {
	t.Helper()
	rt := root{filepath.Join(t.TempDir(), "rootfs")}
	if o, err := exec.Command("umoci", "raw", "unpack", "--image", filepath.Join(out, "oci")+":enterprise-1.39", rt.dir).CombinedOutput(); err != nil {
		t.Fatalf("umoci raw unpack: %v\n%s", err, o)
	}
	rt.wantPresent(t, "/usr/share/mediawiki/vendor-libs/autoload.php", "/usr/share/mediawiki/vendor-libs/jumbojett/openid-connect-php/composer.json")
	installAndCheck(t, rt, "$IP/EditionSettings.php")
}
