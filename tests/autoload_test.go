//go:build e2e

package tests

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/composer/autoload"
	"github.com/mwedition/mwedition/internal/composer/composertest"
	"github.com/mwedition/mwedition/internal/semver"
)

// autoloadTags keeps the static repository small: OpenIDConnect's pin and
// the recent tags of what it pulls in.
var autoloadTags = map[string]func(string) bool{
	"OpenID-Connect-PHP":     func(tag string) bool { return tag == "v1.0.2" },
	"phpseclib":              func(tag string) bool { return strings.HasPrefix(tag, "3.0.5") },
	"constant_time_encoding": func(tag string) bool { return strings.HasPrefix(tag, "v2.7") || strings.HasPrefix(tag, "v3.") },
	"random_compat":          func(tag string) bool { return strings.HasPrefix(tag, "v9.") || strings.HasPrefix(tag, "v2.0.2") },
}

// TestAutoload resolves jumbojett/openid-connect-php 1.0.2 against a static
// repository built from the libraries' real tags, installs the chosen dists
// under a vendor-libs root, generates the autoloader there, and has PHP
// load classes through it, alone and after MediaWiki 1.39.17's own vendor
// autoloader. It lets Debian's composer 2.5.5 dump the autoloader of the
// same tree and compares the maps, holds Scan to composer's parser on
// every PHP file of the set, and checks that two installs in different
// places give the same bytes.
func TestAutoload(t *testing.T) {
	for _, tool := range []string{"composer", "php", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	work := t.TempDir()
	if d := os.Getenv("MWEDITION_AUTOLOAD_KEEP"); d != "" {
		work = d // to look at the trees after a failure
	}
	libs := resolveAutoloadSet(t, gitCorpus(t), work)
	var names []string
	for _, l := range libs {
		names = append(names, l.Name+" "+l.Version)
	}
	t.Logf("installing: %s", strings.Join(names, ", "))

	root := filepath.Join(work, "a", "vendor-libs")
	res := installAndGenerate(t, libs, root)
	other := installAndGenerate(t, libs, filepath.Join(work, "b", "elsewhere", "vendor-libs"))
	if diff := cmp.Diff(res.Files, other.Files); diff != "" {
		t.Errorf("the autoloader differs between two installs of the same set:\n%s", diff)
	}
	if len(res.Ambiguous) != 0 {
		t.Errorf("ambiguous classes: %v", res.Ambiguous)
	}

	t.Run("PHP loads the libraries", func(t *testing.T) { checkPHPLoads(t, root) })
	t.Run("same maps as composer 2.5.5", func(t *testing.T) {
		compareWithComposer(t, root, filepath.Join(work, "composer"), autoload.SuffixFor("enterprise"),
			[]string{"jumbojett/openid-connect-php"})
	})
	t.Run("Scan agrees with composer's PhpFileParser", func(t *testing.T) { compareScan(t, root) })
	t.Run("beside MediaWiki's own vendor", func(t *testing.T) { checkBesideCore(t, root, filepath.Join(work, "mediawiki")) })
}

// resolveAutoloadSet builds the repository, resolves as an edition would
// (core's vendor, PHP 8.2) and returns the runtime libraries.
func resolveAutoloadSet(t *testing.T, corpus, work string) []composer.Library {
	t.Helper()
	repo := filepath.Join(work, "repo")
	var gitLibs []composertest.Library
	for bundle, tags := range autoloadTags {
		gitLibs = append(gitLibs, composertest.Library{Git: filepath.Join(corpus, bundle+".bundle"), Tags: tags})
	}
	ctx := context.Background()
	if _, err := composertest.Build(ctx, composertest.Options{Dir: repo, BaseURL: "file://" + repo}, gitLibs...); err != nil {
		t.Fatal(err)
	}
	core, coreRoot := coreVendor(t)
	c, err := semver.ParseConstraint("1.0.2")
	if err != nil {
		t.Fatal(err)
	}
	out, err := composer.Resolve(ctx, composer.Input{
		Core: core, CoreRoot: coreRoot, CoreFile: "vendor/composer/installed.json",
		Platform: map[string]string{"php": "8.2.7", "composer-plugin-api": composer.ComposerPluginAPI, "composer-runtime-api": composer.ComposerRuntimeAPI},
		Catalogs: []composer.Catalog{composer.NewRepository("file://"+repo, composertest.Fetch)},
		Require: []composer.Requirement{{Link: composer.Link{Target: "jumbojett/openid-connect-php", Constraint: c},
			By: "extension OpenIDConnect"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	libs := out.Runtime()
	if len(libs) != 4 {
		t.Fatalf("%d runtime libraries, want 4: %v", len(libs), libs)
	}
	return libs
}

// installAndGenerate unpacks each dist into root/<vendor>/<name>, then
// generates the autoloader and writes it into root.
func installAndGenerate(t *testing.T, libs []composer.Library, root string) autoload.Result {
	t.Helper()
	var in []autoload.Library
	for _, l := range libs {
		dir := filepath.Join(root, filepath.FromSlash(l.Name))
		unzipDist(t, strings.TrimPrefix(l.Dist.URL, "file://"), dir)
		in = append(in, autoload.Library{Name: l.Name, Version: l.Version, Dist: l.Dist,
			Type: l.Type, License: l.License, Require: l.Require, Path: l.Name, Autoload: l.Autoload,
			Tree: os.DirFS(dir)})
	}
	res, err := autoload.Generate(in, autoload.Options{Suffix: autoload.SuffixFor("enterprise")})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, res.Files)
	return res
}

func writeFiles(t *testing.T, root string, files []autoload.File) {
	t.Helper()
	for _, f := range files {
		p := filepath.Join(root, filepath.FromSlash(f.Path))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, f.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// unzipDist extracts a dist zip without its single top directory, as
// composer does.
func unzipDist(t *testing.T, zipPath, dir string) {
	t.Helper()
	zr, err := zip.OpenReader(zipPath)
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		_, rel, ok := strings.Cut(f.Name, "/")
		if !ok || rel == "" || strings.HasSuffix(rel, "/") || strings.Contains(rel, "..") {
			continue
		}
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// loadScript requires the generated autoload.php and reports what a
// MediaWiki request would rely on.
const loadScript = `
$root = realpath($argv[1]);
$loader = require $root . '/autoload.php';
$filesFirst = get_included_files();
$report = array(
    'openid' => class_exists('Jumbojett\\OpenIDConnectClient'),
    'rsa' => class_exists('phpseclib3\\Crypt\\RSA'),
    'product' => (new \phpseclib3\Math\BigInteger(6))->multiply(new \phpseclib3\Math\BigInteger(7))->toString(),
    'base64url' => \ParagonIE\ConstantTime\Base64UrlSafe::encodeUnpadded("\xfb\xff"),
    'missing' => class_exists('Jumbojett\\NoSuchClass'),
    'files' => array_keys($GLOBALS['__composer_autoload_files']),
    'again' => (require $root . '/autoload.php') === $loader,
);
// What autoload.php included by itself, then what the class lookups did.
foreach (array('included' => $filesFirst, 'loaded' => get_included_files()) as $key => $files) {
    $report[$key] = array();
    foreach ($files as $f) {
        if (strpos($f, $root . '/') === 0) {
            $report[$key][] = substr($f, strlen($root) + 1);
        }
    }
}
echo json_encode($report);
`

type loadReport struct {
	OpenID, RSA, Missing, Again bool
	Product, Base64URL          string
	Files, Included, Loaded     []string
}

func checkPHPLoads(t *testing.T, root string) {
	out, err := exec.Command("php", "-d", "display_errors=stderr", "-r", loadScript, root).Output()
	if err != nil {
		t.Fatalf("php: %v\n%s", err, stderrOf(err))
	}
	var got loadReport
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("php printed %q: %v", out, err)
	}
	t.Logf("php: %s", out)
	if !got.OpenID || !got.RSA || got.Missing || !got.Again {
		t.Errorf("class_exists: Jumbojett\\OpenIDConnectClient %v, phpseclib3\\Crypt\\RSA %v (want both true); "+
			"Jumbojett\\NoSuchClass %v (want false); second require gives the same loader: %v", got.OpenID, got.RSA, got.Missing, got.Again)
	}
	if got.Product != "42" || got.Base64URL != "-_8" {
		t.Errorf("6*7 = %q (want 42), base64url(fb ff) = %q (want -_8)", got.Product, got.Base64URL)
	}
	// phpseclib's files autoload (the only one of the set: random_compat
	// 9.99 is empty on PHP 7+) ran once, before any class was asked for.
	if !contains(got.Included, "phpseclib/phpseclib/phpseclib/bootstrap.php") || len(got.Files) != 1 {
		t.Errorf("autoload.php included %v and recorded %v, want phpseclib's bootstrap.php", got.Included, got.Files)
	}
	for _, f := range []string{"jumbojett/openid-connect-php/src/OpenIDConnectClient.php", "phpseclib/phpseclib/phpseclib/Crypt/RSA.php",
		"paragonie/constant_time_encoding/src/Base64UrlSafe.php"} {
		if contains(got.Included, f) || !contains(got.Loaded, f) {
			t.Errorf("%s: want it loaded on demand, not before; loaded %v", f, got.Loaded)
		}
	}
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}

// mapsScript prints a loader's maps with every path relative to the root
// it was generated for; with a class name as second argument, also the
// maps of that static class, which the loader actually uses.
const mapsScript = `
$root = realpath($argv[1]);
$rel = function ($p) use ($root) {
    $r = realpath($p);
    return $r === false ? 'missing:' . $p : substr($r, strlen($root) + 1);
};
$norm = function ($map, $list) use ($rel) {
    $out = array();
    foreach ($map as $k => $v) {
        $v = is_array($v) ? array_map($rel, $v) : $rel($v);
        if ($list) {
            $out[] = $k . ' ' . $v;
        } else {
            $out[$k] = $v;
        }
    }
    return $list ? $out : (object) $out;
};
$out = array();
foreach (array('psr4' => 'psr4', 'namespaces' => 'psr0', 'classmap' => 'classMap') as $file => $prop) {
    $out[$prop] = $norm(require $root . "/composer/autoload_$file.php", false);
}
$out['files'] = $norm(require $root . '/composer/autoload_files.php', true);
if (isset($argv[2])) {
    require $root . '/composer/autoload_static.php';
    $static = get_class_vars($argv[2]);
    $out['static'] = array('psr4' => $norm($static['psr4'], false), 'psr0' => $norm($static['psr0'], false),
        'classMap' => $norm($static['classMap'], false), 'files' => $norm($static['files'], true));
}
echo json_encode($out);
`

type loaderMaps struct {
	PSR4, PSR0 map[string][]string
	ClassMap   map[string]string
	Files      []string
	Static     *loaderMaps `json:",omitempty"`
}

func readMaps(t *testing.T, root string, staticClass ...string) loaderMaps {
	t.Helper()
	out, err := exec.Command("php", append([]string{"-d", "display_errors=stderr", "-r", mapsScript, root}, staticClass...)...).Output()
	if err != nil {
		t.Fatalf("php: %v\n%s", err, stderrOf(err))
	}
	var m loaderMaps
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("php printed %q: %v", out, err)
	}
	return m
}

// compareWithComposer copies the installed tree, with mwedition's
// installed.json, to dir/vendor, has composer dump its own (non-optimized)
// autoloader there from that installed.json, and compares composer's maps
// with mwedition's: same class map, prefixes, directories and files
// autoloads with the same keys in the same order.
func compareWithComposer(t *testing.T, root, dir, suffix string, rootRequires []string) {
	vendor := filepath.Join(dir, "vendor")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("cp", "-a", root, vendor).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v\n%s", err, out)
	}
	// Without --dev, composer loads only what the root requires, directly
	// or through the require links of installed.json.
	require := map[string]string{}
	for _, name := range rootRequires {
		require[name] = "*"
	}
	manifest, err := json.Marshal(map[string]any{"name": "mwedition/autoload-check", "require": require,
		"config": map[string]string{"autoloader-suffix": "check"}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "composer.json"), manifest, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("composer", "dump-autoload", "--no-plugins", "--no-scripts", "--no-interaction")
	cmd.Dir = dir
	home := filepath.Join(dir, ".composer-home")
	cmd.Env = []string{"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=" + home, "COMPOSER_HOME=" + home,
		"COMPOSER_CACHE_DIR=" + filepath.Join(dir, ".composer-cache"), "COMPOSER_NO_INTERACTION=1",
		"COMPOSER_ALLOW_SUPERUSER=1", "COMPOSER_DISABLE_NETWORK=1", "LC_ALL=C"}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("composer dump-autoload: %v\n%s", err, out)
	} else {
		t.Logf("composer dump-autoload: %s", bytes.TrimSpace(out))
	}
	theirs := readMaps(t, vendor)
	// composer always maps its own InstalledVersions class, which an
	// edition's loader does not ship.
	delete(theirs.ClassMap, `Composer\InstalledVersions`)
	mine := readMaps(t, root, "MWEditionStaticInit"+suffix)
	static := *mine.Static
	mine.Static = nil
	if diff := cmp.Diff(theirs, mine); diff != "" {
		t.Errorf("mwedition's autoloader differs from composer's (-composer +mwedition):\n%s", diff)
	}
	if diff := cmp.Diff(mine, static); diff != "" {
		t.Errorf("autoload_static.php differs from the autoload_*.php arrays (-arrays +static):\n%s", diff)
	}
	t.Logf("%d classes mapped, %d PSR-4 prefixes, %d files autoloads, as composer", len(mine.ClassMap), len(mine.PSR4), len(mine.Files))
}

// parseScript prints what composer's own parser (Debian's
// php-composer-class-map-generator) finds in each file named on stdin.
const parseScript = `
require '/usr/share/php/Composer/autoload.php';
$out = array();
foreach (explode("\n", trim(stream_get_contents(STDIN))) as $file) {
    $classes = \Composer\ClassMapGenerator\PhpFileParser::findClasses($file);
    sort($classes);
    $out[$file] = $classes;
}
echo json_encode($out);
`

// compareScan runs Scan and composer's PhpFileParser on every PHP file of
// the installed libraries, tests and all, and compares what they find.
func compareScan(t *testing.T, root string) {
	mine := map[string][]string{}
	var list []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !(strings.HasSuffix(p, ".php") || strings.HasSuffix(p, ".inc")) {
			return err
		}
		if strings.HasPrefix(p, filepath.Join(root, "composer")+"/") {
			return nil // the generated loader
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		found := autoload.Scan(src)
		if found == nil {
			found = []string{}
		}
		sort.Strings(found)
		mine[p] = found
		list = append(list, p)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("php", "-d", "display_errors=stderr", "-r", parseScript)
	cmd.Stdin = strings.NewReader(strings.Join(list, "\n"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("php: %v\n%s", err, stderrOf(err))
	}
	theirs := map[string][]string{}
	if err := json.Unmarshal(out, &theirs); err != nil {
		t.Fatalf("php printed %q: %v", out, err)
	}
	if diff := cmp.Diff(theirs, mine); diff != "" {
		t.Errorf("Scan differs from composer's PhpFileParser (-composer +Scan):\n%s", diff)
	}
	classes := 0
	for _, c := range mine {
		classes += len(c)
	}
	if classes == 0 {
		t.Fatal("no class found at all: nothing was compared")
	}
	t.Logf("%d PHP files scanned alike, declaring %d classes, interfaces, traits and enums", len(list), classes)
}

// syntheticLibs uses what the real set does not: PSR-0 with underscores,
// a PSR-4 fallback and two directories for one prefix, class map
// exclusions and .inc files, and a files autoload that needs another
// library's files autoload first although its name sorts before it.
var syntheticLibs = []struct {
	name, require, autoload string
	files                   map[string]string
}{
	{"acme/client", `{"acme/util": "^2.0"}`,
		`{"classmap": ["src/", "extra/Single.inc"], "files": ["helpers.php"], "exclude-from-classmap": ["/src/Tests/", "src/**/Fixture*.php"]}`,
		map[string]string{
			"helpers.php":              "<?php\n$GLOBALS['acme_seen'] = acme_util_version();\nfunction acme_client_helper() { return 'client+' . acme_util_version(); }\n",
			"src/Client.php":           "<?php\nnamespace Acme\\Client;\n\nclass Client { const NAME = Client::class; }\n",
			"src/Api/Contract.php":     "<?php\nnamespace Acme\\Client\\Api;\ninterface Contract {}\nenum Mode: string { case A = 'a'; }\n",
			"src/Legacy.inc":           "<?php\ntrait LegacyTrait {}\n",
			"src/Tests/ClientTest.php": "<?php\nclass ClientTest {}\n",
			"src/Deep/FixtureA.php":    "<?php\nclass FixtureA {}\n",
			"extra/Single.inc":         "<?php\n$o = new class {};\nfinal class Single {}\n",
		}},
	{"acme/util", `{}`, `{"psr-4": {"Acme\\Util\\": ["src/", "lib"], "": "fallback/"}, "files": ["bootstrap.php"]}`,
		map[string]string{
			"bootstrap.php":        "<?php\nfunction acme_util_version() { return '2.0.0'; }\n",
			"src/Str.php":          "<?php\nnamespace Acme\\Util;\nclass Str {}\n",
			"lib/Arr.php":          "<?php\nnamespace Acme\\Util;\nclass Arr {}\n",
			"fallback/Loose/X.php": "<?php\nnamespace Loose;\nclass X {}\n",
		}},
	{"legacy/lib", `{}`, `{"psr-0": {"Legacy_": "lib/", "Legacy\\Ns\\": ""}}`,
		map[string]string{
			"lib/Legacy/Old/Thing.php":  "<?php\nclass Legacy_Old_Thing {}\n",
			"Legacy/Ns/Under/Score.php": "<?php\nnamespace Legacy\\Ns;\nclass Under_Score {}\n",
		}},
}

const syntheticScript = `
$root = realpath($argv[1]);
require $root . '/autoload.php';
echo json_encode(array(
    'found' => array(
        class_exists('Acme\\Client\\Client'), interface_exists('Acme\\Client\\Api\\Contract'),
        enum_exists('Acme\\Client\\Api\\Mode'), trait_exists('LegacyTrait'), class_exists('Single'),
        class_exists('Acme\\Util\\Str'), class_exists('Acme\\Util\\Arr'), class_exists('Loose\\X'),
        class_exists('Legacy_Old_Thing'), class_exists('Legacy\\Ns\\Under_Score'),
    ),
    'excluded' => array(class_exists('ClientTest'), class_exists('FixtureA')),
    'seen' => $GLOBALS['acme_seen'],
    'helper' => acme_client_helper(),
));
`

// TestAutoloadSynthetic writes the synthetic libraries, generates their
// autoloader, has PHP load every kind of class through it, and compares
// the maps with composer's for the same tree.
func TestAutoloadSynthetic(t *testing.T) {
	for _, tool := range []string{"composer", "php"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	work := t.TempDir()
	root := filepath.Join(work, "vendor-libs")
	var in []autoload.Library
	for _, l := range syntheticLibs {
		dir := filepath.Join(root, l.name)
		manifest := `{"name": "` + l.name + `", "version": "1.0.0", "require": ` + l.require + `, "autoload": ` + l.autoload + `}`
		l.files["composer.json"] = manifest
		for name, data := range l.files {
			p := filepath.Join(dir, filepath.FromSlash(name))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		pkg, err := composer.ParseManifest(l.name+"/composer.json", []byte(manifest))
		if err != nil {
			t.Fatal(err)
		}
		in = append(in, autoload.Library{Name: pkg.Name, Version: pkg.Version, Require: pkg.Require,
			Path: l.name, Autoload: pkg.Autoload, Tree: os.DirFS(dir)})
	}
	res, err := autoload.Generate(in, autoload.Options{Suffix: "_synthetic"})
	if err != nil {
		t.Fatal(err)
	}
	writeFiles(t, root, res.Files)

	out, err := exec.Command("php", "-d", "display_errors=stderr", "-r", syntheticScript, root).Output()
	if err != nil {
		t.Fatalf("php: %v\n%s", err, stderrOf(err))
	}
	want := `{"found":[true,true,true,true,true,true,true,true,true,true],"excluded":[false,false],"seen":"2.0.0","helper":"client+2.0.0"}`
	if string(out) != want {
		t.Errorf("php printed\n%s\nwant\n%s", out, want)
	}
	compareWithComposer(t, root, filepath.Join(work, "composer"), "_synthetic", []string{"acme/client", "legacy/lib"})
}

// TestScanMediaWiki holds Scan to composer's PhpFileParser on every PHP file
// of the MediaWiki 1.39.17 release (core, its vendor/ and bundled
// extensions: some 7000 files).
func TestScanMediaWiki(t *testing.T) {
	if _, err := exec.LookPath("php"); err != nil {
		t.Fatal("php is not installed: run `make deps`")
	}
	root := t.TempDir()
	extractMediaWiki(t, root, func(name string) bool { return strings.HasSuffix(name, ".php") })
	compareScan(t, root)
}

// extractMediaWiki writes the files of the MediaWiki 1.39.17 release that
// keep chooses (by their name in the tarball) under root.
func extractMediaWiki(t *testing.T, root string, keep func(name string) bool) {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusCache(t), "blobs/sha256", mediawikiSHA))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Typeflag != tar.TypeReg || !keep(h.Name) || strings.Contains(h.Name, "..") {
			continue
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(root, filepath.FromSlash(h.Name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// besideCoreScript loads MediaWiki's vendor/autoload.php first, as
// MediaWiki does, then the edition's, as its settings file does.
const besideCoreScript = `
require $argv[1] . '/vendor/autoload.php';
$ours = require $argv[2] . '/autoload.php';
$loaders = array();
foreach (spl_autoload_functions() as $f) {
    $loaders[] = is_array($f) && is_object($f[0]) ? get_class($f[0]) : 'other';
}
echo json_encode(array(
    'core' => class_exists('Wikimedia\\Assert\\Assert'),
    'openid' => class_exists('Jumbojett\\OpenIDConnectClient'),
    'rsa' => class_exists('phpseclib3\\Crypt\\RSA'),
    'loader' => get_class($ours),
    'loaders' => $loaders,
));
`

// checkBesideCore runs the edition's loader after MediaWiki 1.39.17's
// vendor autoloader (its PHP files from the release tarball): both find
// their classes, core's loader stays first, and the two loader classes
// do not collide.
func checkBesideCore(t *testing.T, root, mw string) {
	extractMediaWiki(t, mw, func(name string) bool {
		return strings.HasPrefix(name, "mediawiki-1.39.17/vendor/") && strings.HasSuffix(name, ".php")
	})
	out, err := exec.Command("php", "-d", "display_errors=stderr", "-r", besideCoreScript,
		filepath.Join(mw, "mediawiki-1.39.17"), root).Output()
	if err != nil {
		t.Fatalf("php: %v\n%s", err, stderrOf(err))
	}
	want := `{"core":true,"openid":true,"rsa":true,"loader":"MWEdition\\Autoload\\ClassLoader",` +
		`"loaders":["Composer\\Autoload\\ClassLoader","MWEdition\\Autoload\\ClassLoader"]}`
	if string(out) != want {
		t.Errorf("php printed\n%s\nwant\n%s", out, want)
	}
}
