package autoload

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/semver"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

func file(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }

// syntheticSet is a small library set using every kind of autoload: a
// class map with exclusions, PSR-4 with a fallback directory, PSR-0 with
// underscores, and files autoloads whose order depends on requirements.
func syntheticSet(t testing.TB) []Library {
	t.Helper()
	return []Library{
		{Name: "acme/client", Version: "v1.2.0", Dist: &composer.Dist{Type: "zip",
			URL: "https://repo.example/dist/acme/client/client-v1.2.0.zip", Reference: "0123456789abcdef0123456789abcdef01234567",
			Shasum: "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
			License: []string{"Apache-2.0"}, Require: links(t, "acme/util", "^2.0", "psr/log", "^1.1"),
			Path: "acme/client",
			Autoload: composer.Autoload{Classmap: []string{"src/", "extra/Single.inc"},
				Files: []string{"helpers.php"}, Exclude: []string{"/src/Tests/", "src/**/Fixture*.php"}},
			Tree: fstest.MapFS{
				"composer.json":            file(`{"name":"acme/client"}`),
				"helpers.php":              file("<?php\nfunction acme_client_helper() { return acme_util_version(); }\n"),
				"src/Client.php":           file("<?php\nnamespace Acme\\Client;\n\nclass Client { const NAME = Client::class; }\n"),
				"src/Api/Contract.php":     file("<?php\nnamespace Acme\\Client\\Api;\ninterface Contract {}\nenum Mode: string { case A = 'a'; }\n"),
				"src/Legacy.inc":           file("<?php\ntrait LegacyTrait {}\n"),
				"src/README.md":            file("class NotPHP {}"),
				"src/Tests/ClientTest.php": file("<?php\nclass ClientTest {}\n"),
				"src/Deep/FixtureA.php":    file("<?php\nclass FixtureA {}\n"),
				"extra/Single.inc":         file("<?php\n$o = new class {};\nfinal class Single {}\n"),
			}},
		{Name: "acme/util", Version: "2.0.0", Path: "acme/util", License: []string{"MIT"},
			Autoload: composer.Autoload{
				PSR4:  map[string][]string{"Acme\\Util\\": {"src/", "lib"}, "": {"fallback/"}},
				Files: []string{"bootstrap.php"}},
			Tree: fstest.MapFS{
				"bootstrap.php":        file("<?php\nfunction acme_util_version() { return '2.0.0'; }\n"),
				"src/Str.php":          file("<?php\nnamespace Acme\\Util;\nclass Str {}\n"),
				"lib/Arr.php":          file("<?php\nnamespace Acme\\Util;\nclass Arr {}\n"),
				"fallback/Loose/X.php": file("<?php\nnamespace Loose;\nclass X {}\n"),
			}},
		{Name: "legacy/lib", Version: "0.9.1", Path: "legacy/lib", Type: "library",
			Autoload: composer.Autoload{PSR0: map[string][]string{"Legacy_": {"lib/"}, "Legacy\\Ns\\": {"."}}},
			Tree: fstest.MapFS{
				"lib/Legacy/Old/Thing.php":  file("<?php\nclass Legacy_Old_Thing {}\n"),
				"Legacy/Ns/Under/Score.php": file("<?php\nnamespace Legacy\\Ns;\nclass Under_Score {}\n"),
			}},
	}
}

// links makes require links from name, constraint pairs.
func links(t testing.TB, pairs ...string) []composer.Link {
	t.Helper()
	var out []composer.Link
	for i := 0; i+1 < len(pairs); i += 2 {
		c, err := semver.ParseConstraint(pairs[i+1])
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, composer.Link{Target: pairs[i], Constraint: c})
	}

	return out
}

func TestGenerateGolden(t *testing.T) {
	res, err := Generate(syntheticSet(t), Options{Suffix: SuffixFor("acme wiki")})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join("testdata", "golden")
	if *update {
		if err := os.RemoveAll(dir); err != nil {
			t.Fatal(err)
		}
	}
	var paths []string
	for _, f := range res.Files {
		paths = append(paths, f.Path)
		golden := filepath.Join(dir, filepath.FromSlash(f.Path))
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, f.Data, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (run go test -update to write the golden files)", err)
		}
		if diff := cmp.Diff(string(want), string(f.Data)); diff != "" {
			t.Errorf("%s (-golden +generated):\n%s", f.Path, diff)
		}
	}
	wantPaths := []string{"autoload.php", "composer/ClassLoader.php", "composer/autoload_classmap.php",
		"composer/autoload_files.php", "composer/autoload_namespaces.php", "composer/autoload_psr4.php",
		"composer/autoload_real.php", "composer/autoload_static.php", "composer/installed.json"}
	if diff := cmp.Diff(wantPaths, paths); diff != "" {
		t.Errorf("files (-want +got):\n%s", diff)
	}
	wantClasses := map[string]string{
		"Acme\\Client\\Client":        "acme/client/src/Client.php",
		"Acme\\Client\\Api\\Contract": "acme/client/src/Api/Contract.php",
		"Acme\\Client\\Api\\Mode":     "acme/client/src/Api/Contract.php",
		"LegacyTrait":                 "acme/client/src/Legacy.inc",
		"Single":                      "acme/client/extra/Single.inc",
	}
	if diff := cmp.Diff(wantClasses, res.Classmap); diff != "" {
		t.Errorf("class map (-want +got):\n%s", diff)
	}
}

// TestGenerateReproducible generates from the libraries given in another
// order: map iteration and input order must not show in the output.
func TestGenerateReproducible(t *testing.T) {
	libs := syntheticSet(t)
	a, err := Generate(libs, Options{Suffix: "_x"})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		rev := append([]Library(nil), libs...)
		for l, r := 0, len(rev)-1; l < r; l, r = l+1, r-1 {
			rev[l], rev[r] = rev[r], rev[l]
		}
		b, err := Generate(rev, Options{Suffix: "_x"})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(a.Files, b.Files); diff != "" {
			t.Fatalf("second run differs:\n%s", diff)
		}
	}
	// Every path is built from __DIR__ (or $vendorDir, its parent).
	for _, f := range a.Files {
		if f.Path == "composer/ClassLoader.php" {
			continue // code, no paths
		}
		for _, bad := range []string{"=> '/", "array('/", ", '/"} {
			if bytes.Contains(f.Data, []byte(bad)) {
				t.Errorf("%s holds an absolute path (%q)", f.Path, bad)
			}
		}
	}
}

// TestFilesOrder: a library's files autoloads come after those of the
// libraries it requires, whatever the names say.
func TestFilesOrder(t *testing.T) {
	res, err := Generate(syntheticSet(t), Options{Suffix: "_x"})
	if err != nil {
		t.Fatal(err)
	}
	var files string
	for _, f := range res.Files {
		if f.Path == "composer/autoload_files.php" {
			files = string(f.Data)
		}
	}
	util, client := strings.Index(files, "acme/util/bootstrap.php"), strings.Index(files, "acme/client/helpers.php")
	if util < 0 || client < 0 || util > client {
		t.Errorf("acme/util's bootstrap.php must come before acme/client's helpers.php:\n%s", files)
	}
}

func TestInstalledJSONReadsBack(t *testing.T) {
	res, err := Generate(syntheticSet(t), Options{Suffix: "_x"})
	if err != nil {
		t.Fatal(err)
	}
	var data []byte
	for _, f := range res.Files {
		if f.Path == "composer/installed.json" {
			data = f.Data
		}
	}
	pkgs, err := composer.ParseInstalled("installed.json", data)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pkgs {
		got = append(got, p.Name+" "+p.Version+" "+strings.Join(p.License, ","))
	}
	want := []string{"acme/client v1.2.0 Apache-2.0", "acme/util 2.0.0 MIT", "legacy/lib 0.9.1 "}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("installed.json (-want +got):\n%s", diff)
	}
}

func TestAmbiguous(t *testing.T) {
	libs := []Library{
		{Name: "a/a", Version: "1.0.0", Path: "a/a", Autoload: composer.Autoload{Classmap: []string{"."}},
			Tree: fstest.MapFS{"x.php": file("<?php class Dup {}"), "y.php": file("<?php class Dup {}")}},
	}
	res, err := Generate(libs, Options{Suffix: "_x"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Dup: kept a/a/x.php, ignored a/a/y.php"}
	if diff := cmp.Diff(want, res.Ambiguous); diff != "" {
		t.Errorf("ambiguous (-want +got):\n%s", diff)
	}
}

func TestGenerateErrors(t *testing.T) {
	tree := fstest.MapFS{"src/A.php": file("<?php class A {}"), "f.php": file("<?php")}
	lib := func(path string, a composer.Autoload) Library {
		return Library{Name: "acme/lib", Version: "1.0.0", Path: path, Autoload: a, Tree: tree}
	}
	tests := []struct {
		name    string
		libs    []Library
		suffix  string
		wantErr string
	}{
		{"suffix with a dash", nil, "a-b", `autoloader suffix "a-b": want letters, digits and _ only`},
		{"empty suffix", nil, "", `autoloader suffix "": want letters, digits and _ only`},
		{"library twice", []Library{lib("a", composer.Autoload{}), lib("b", composer.Autoload{})}, "_x",
			"composer library acme/lib is given twice"},
		{"install path escaping", []Library{lib("../x", composer.Autoload{})}, "_x",
			`composer library acme/lib: install path "../x": must be a clean relative path under the autoloader's directory`},
		{"unclean install path", []Library{lib("a/./b", composer.Autoload{})}, "_x",
			`composer library acme/lib: install path "a/./b": must be a clean relative path`},
		{"install path is the root", []Library{lib(".", composer.Autoload{})}, "_x",
			`composer library acme/lib: install path "."`},
		{"no name", []Library{{Path: "x"}}, "_x", `a composer library installed at "x" has no name`},
		{"absolute install path", []Library{lib("/srv/x", composer.Autoload{})}, "_x",
			`composer library acme/lib: install path "/srv/x"`},
		{"missing files autoload", []Library{lib("a", composer.Autoload{Files: []string{"boot.php"}})}, "_x",
			`composer library acme/lib: autoload files "boot.php": no such file in a`},
		{"files autoload is a directory", []Library{lib("a", composer.Autoload{Files: []string{"src"}})}, "_x",
			`composer library acme/lib: autoload files "src": no such file in a`},
		{"missing classmap path", []Library{lib("a", composer.Autoload{Classmap: []string{"lib/"}})}, "_x",
			`composer library acme/lib: autoload classmap "lib/": not a file nor a directory of the library`},
		{"classmap outside the library", []Library{lib("a", composer.Autoload{Classmap: []string{"../other"}})}, "_x",
			`composer library acme/lib: autoload classmap "../other": leaves the library's directory`},
		{"PSR-4 prefix without separator", []Library{lib("a", composer.Autoload{PSR4: map[string][]string{"Acme": {"src/"}}})}, "_x",
			`composer library acme/lib: autoload psr-4 "Acme": a PSR-4 prefix must end with a namespace separator`},
		{"absolute PSR-0 directory", []Library{lib("a", composer.Autoload{PSR0: map[string][]string{"Acme": {"/srv/src"}}})}, "_x",
			`composer library acme/lib: autoload psr-0 "Acme": "/srv/src": an absolute path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Generate(tt.libs, Options{Suffix: tt.suffix})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Generate() error = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestSuffixFor(t *testing.T) {
	for in, want := range map[string]string{"enterprise": "_mwedition_enterprise", "acme wiki-2": "_mwedition_acme_wiki_2", "ü": "_mwedition___"} {
		if got := SuffixFor(in); got != want {
			t.Errorf("SuffixFor(%q) = %q, want %q", in, got, want)
		}
	}
}
