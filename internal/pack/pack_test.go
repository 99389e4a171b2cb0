package pack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/tarfile"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.sha256")

// dirStore is a Store rooted at a directory, as internal/cache.Store is.
type dirStore string

func (d dirStore) Path(src string) string { return filepath.Join(string(d), filepath.FromSlash(src)) }

// mtime is the fixture's source time.
var mtime = time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC)

const prefix = "/usr/share/mediawiki/extensions/Example"

// longName makes the path longer than a tar header's 100-byte name field.
var longName = "resources/" + strings.Repeat("deeply-nested-", 5) + "/" + strings.Repeat("long-file-name-", 5) + ".js"

// fixtureFiles is the component's source: path → content; a name ending in "*" is executable.
var fixtureFiles = map[string]string{
	"extension.json":            `{"name": "Example", "version": "1.2.3", "manifest_version": 2}` + "\n",
	"COPYING":                   "GNU GENERAL PUBLIC LICENSE\nVersion 2, June 1991\n",
	"README.md":                 "Example extension.\n",
	"includes/Hooks.php":        "<?php\nnamespace MediaWiki\\Extension\\Example;\nclass Hooks {}\n",
	"i18n/en.json":              `{"example-desc": "An example"}` + "\n",
	"i18n/fr.json":              `{"example-desc": "Un exemple édifiant"}` + "\n",
	"i18n/ünïcode.json":         "{}\n",
	"resources/[brackets].js":   "/* a glob character in the name */\n",
	"resources/empty.js":        "",
	"maintenance/rebuild.sh*":   "#!/bin/sh\necho rebuilding\n",
	"maintenance/generate.php*": "#!/usr/bin/php\n<?php echo 1;\n",
}

// fixtureSymlinks are the component's symlinks: path → target.
var fixtureSymlinks = map[string]string{"COPYING.txt": "COPYING"}

func init() { fixtureFiles[longName] = "// long\n" }

// makeStore writes the fixture into a store directory, with host-dependent metadata (modes
// after the current umask, random mtimes) that must not reach a package, and returns the
// store and the scanned tree.
func makeStore(t *testing.T) (dirStore, fstree.Tree) {
	t.Helper()
	root := t.TempDir()
	src := filepath.Join(root, "src", "example")
	for name, content := range fixtureFiles {
		mode := os.FileMode(0o666)
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), 0o777
		}
		p := filepath.Join(src, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
		when := time.Now().Add(-time.Duration(len(name)) * time.Hour)
		if err := os.Chtimes(p, when, when); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range fixtureSymlinks {
		if err := os.Symlink(target, filepath.Join(src, name)); err != nil {
			t.Fatal(err)
		}
	}
	tree, _, err := fstree.Scan(context.Background(), src, fstree.ScanOptions{Src: "src/example", Jobs: 2})
	if err != nil {
		t.Fatal(err)
	}
	return dirStore(root), tree
}

const confPath = "/etc/mediawiki/edition.d/x.php"
const confContent = "<?php\nwfLoadExtension( 'Example' );\n"

// fixture is the package built from the store, for one family.
func fixture(tree fstree.Tree, fam family) Package {
	p := Package{
		Name:        "mediawiki-extension-example",
		Version:     "1.2.3",
		Release:     "1",
		Summary:     "Example extension for MediaWiki",
		Description: "Example shows how an extension is packaged by mwedition.\n\nIt does nothing useful.",
		Homepage:    "https://www.mediawiki.org/wiki/Extension:Example",
		License:     "GPL-2.0-or-later",
		Maintainer:  "mwedition tests <tests@mwedition.example.org>",
		Vendor:      "mwedition",
		Tree:        tree,
		Prefix:      prefix,
		MTime:       mtime,
		Changes:     []string{"Packaged by mwedition from Example 1.2.3."},
		Extra: []File{
			{Path: "/etc/mediawiki/edition.d", Type: fstree.Dir},
			{Path: confPath, Type: fstree.File, Content: []byte(confContent), Conffile: true},
			{Path: "/var/lib/mediawiki/images", Type: fstree.Dir},
		},
	}
	switch fam {
	case debFamily:
		// php-cli: the component has an executable PHP script (lintian: php-script-but-no-php-cli-dep).
		p.Depends = []string{"mediawiki-core (>= 1.39.0~)", "php-cli", "php-intl"}
		p.Recommends = []string{"php-apcu"}
		p.Scripts = Scripts{
			PostInstall: "if [ \"$1\" = configure ]; then\n\tif getent passwd www-data >/dev/null; then chown www-data:www-data /var/lib/mediawiki/images; fi\n\tchmod 0700 /var/lib/mediawiki/images\nfi\n",
			PostRemove:  "if [ \"$1\" = purge ]; then\n\trm -rf /var/lib/mediawiki/images\nfi\n",
		}
		p.Extra = append(p.Extra, DebDocs(p, Copyright{
			Upstream:    "Example",
			Source:      "https://gerrit.wikimedia.org/r/mediawiki/extensions/Example",
			License:     p.License,
			LicenseFile: prefix + "/COPYING",
		})...)
	case rpmFamily:
		p.Depends = []string{"mediawiki-core >= 1.39.0", "php-intl"}
		p.Recommends = []string{"php-pecl-apcu"}
		p.Scripts = Scripts{
			PostInstall: "chown apache:apache /var/lib/mediawiki/images 2>/dev/null || :\nchmod 0700 /var/lib/mediawiki/images\n",
		}
	}
	return p
}

// build packages p in the given format into a file and returns its bytes and path.
func build(t *testing.T, st tarfile.Store, p Package, fam family, signer *signature.Signer) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch fam {
	case debFamily:
		err = Deb(context.Background(), p, st, &buf)
	case rpmFamily:
		err = RPM(context.Background(), p, st, &buf, signer)
	}
	if err != nil {
		t.Fatal(err)
	}
	name := DebFileName(p)
	if fam == rpmFamily {
		name = RPMFileName(p)
	}
	out := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(out, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), out
}

// need fails the test when a tool is missing: tests never skip.
func need(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps` (Debian packages dpkg-dev, lintian, rpm, rpmlint)", tool)
		}
	}
}

// run runs a command with TZ=UTC and LC_ALL=C and returns its output; failure is fatal.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
	return cmd
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// TestReproducible builds each format twice, then again from a store written under another
// umask, in another time zone, working directory and GOMAXPROCS: every build must give the
// same bytes.
func TestReproducible(t *testing.T) {
	for _, fam := range []family{debFamily, rpmFamily} {
		t.Run(string(fam), func(t *testing.T) {
			st, tree := makeStore(t)
			first, _ := build(t, st, fixture(tree, fam), fam, nil)
			second, _ := build(t, st, fixture(tree, fam), fam, nil)
			if !bytes.Equal(first, second) {
				t.Fatalf("two builds differ: %s and %s", sha(first), sha(second))
			}
			t.Run("varied host", func(t *testing.T) {
				old := syscall.Umask(0o077)
				defer syscall.Umask(old)
				t.Setenv("TZ", "Etc/GMT-14")
				local := time.Local
				time.Local = time.FixedZone("GMT+14", 14*3600)
				defer func() { time.Local = local }()
				t.Chdir(t.TempDir())
				defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))

				st2, tree2 := makeStore(t)
				if tree2.Digest() != tree.Digest() {
					t.Fatalf("the tree depends on the umask: %s vs %s", tree2.Digest(), tree.Digest())
				}
				third, _ := build(t, st2, fixture(tree2, fam), fam, nil)
				if !bytes.Equal(first, third) {
					t.Fatalf("the build depends on the host: %s vs %s", sha(first), sha(third))
				}
			})
		})
	}
}

// TestGolden pins the digests of the fixture's packages, so that drift (a dependency or
// toolchain upgrade changing the bytes) is noticed. Run with -update after checking why.
func TestGolden(t *testing.T) {
	st, tree := makeStore(t)
	deb, _ := build(t, st, fixture(tree, debFamily), debFamily, nil)
	rpm, _ := build(t, st, fixture(tree, rpmFamily), rpmFamily, nil)
	got := fmt.Sprintf("deb %s\nrpm %s\n", sha(deb), sha(rpm))
	golden := filepath.Join("testdata", "golden.sha256")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGolden -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("package digests changed (go %s):\ngot:\n%swant:\n%s"+
			"If the change is intended (a dependency or toolchain upgrade), run go test -run TestGolden -update.",
			runtime.Version(), got, want)
	}
}

func TestRejects(t *testing.T) {
	st, tree := makeStore(t)
	for name, tc := range map[string]struct {
		mod  func(*Package)
		want string
	}{
		"upper-case name":    {func(p *Package) { p.Name = "MediaWiki" }, "name"},
		"version with space": {func(p *Package) { p.Version = "1.2 3" }, "version"},
		"no maintainer":      {func(p *Package) { p.Maintainer = "" }, "maintainer"},
		"field injection":    {func(p *Package) { p.Homepage = "https://x\nEssential: yes" }, "homepage"},
		"no license":         {func(p *Package) { p.License = "" }, "license"},
		"zero mtime":         {func(p *Package) { p.MTime = time.Time{} }, "mtime"},
		"relative prefix":    {func(p *Package) { p.Prefix = "usr/share" }, "prefix"},
		"two relations":      {func(p *Package) { p.Depends = []string{"a, b"} }, "one relation"},
		"etc not conffile": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "/etc/mediawiki/y.php", Type: fstree.File})
		}, "must be a conffile"},
		"conffile outside etc": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "/usr/share/y", Type: fstree.File, Conffile: true})
		}, "only files under /etc"},
		"var www": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "/var/www/html/index.php", Type: fstree.File})
		}, "/var/www"},
		"LocalSettings": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "/etc/mediawiki/LocalSettings.php", Type: fstree.File, Conffile: true})
		}, "never shipped"},
		"collision with tree": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: prefix + "/README.md", Type: fstree.File})
		}, "given twice"},
		"below a file": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: prefix + "/README.md/x", Type: fstree.File})
		}, "parent"},
		"odd mode": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "/usr/share/x", Type: fstree.File, Mode: 0o600})
		}, "0644 or 0755"},
		"setuid": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "/usr/share/x", Type: fstree.File, Mode: 0o755 | os.ModeSetuid})
		}, "permission bits only"},
		"relative extra": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "usr/share/x", Type: fstree.File})
		}, "absolute"},
		"symlink without target": {func(p *Package) {
			p.Extra = append(p.Extra, File{Path: "/usr/share/x", Type: fstree.Symlink})
		}, "target"},
	} {
		t.Run(name, func(t *testing.T) {
			for _, fam := range []family{debFamily, rpmFamily} {
				p := fixture(tree, fam)
				tc.mod(&p)
				var buf bytes.Buffer
				var err error
				if fam == debFamily {
					err = Deb(context.Background(), p, st, &buf)
				} else {
					err = RPM(context.Background(), p, st, &buf, nil)
				}
				if err == nil || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: got error %v, want one containing %q", fam, err, tc.want)
				}
				if buf.Len() != 0 {
					t.Errorf("%s: %d bytes written despite the error", fam, buf.Len())
				}
			}
		})
	}
}

// TestStoreMismatch: a store file that is not what the tree says is refused.
func TestStoreMismatch(t *testing.T) {
	st, tree := makeStore(t)
	if err := os.WriteFile(st.Path("src/example/README.md"), []byte("changed behind the tree's back\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	err := Deb(context.Background(), fixture(tree, debFamily), st, &buf)
	if err == nil || !strings.Contains(err.Error(), "README.md") || buf.Len() != 0 {
		t.Fatalf("deb: got %v and %d bytes, want an error naming README.md and nothing written", err, buf.Len())
	}
	buf.Reset()
	err = RPM(context.Background(), fixture(tree, rpmFamily), st, &buf, nil)
	if err == nil || !strings.Contains(err.Error(), "README.md") || buf.Len() != 0 {
		t.Fatalf("rpm: got %v and %d bytes, want an error naming README.md and nothing written", err, buf.Len())
	}
}

// TestStoreCorrupt: a store file of the right size but other bytes is caught by both
// writers, which hash every file they copy.
func TestStoreCorrupt(t *testing.T) {
	st, tree := makeStore(t)
	e, _ := tree.Lookup("README.md")
	if err := os.WriteFile(st.Path(e.Src), bytes.Repeat([]byte("x"), int(e.Size)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, fam := range []family{debFamily, rpmFamily} {
		var buf bytes.Buffer
		var err error
		if fam == debFamily {
			err = Deb(context.Background(), fixture(tree, fam), st, &buf)
		} else {
			err = RPM(context.Background(), fixture(tree, fam), st, &buf, nil)
		}
		if err == nil || !strings.Contains(err.Error(), "README.md") || !strings.Contains(err.Error(), e.Digest) || buf.Len() != 0 {
			t.Errorf("%s: got %v and %d bytes, want an error naming README.md and its digest, and nothing written", fam, err, buf.Len())
		}
	}
}
