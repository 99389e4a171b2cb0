//go:build e2e

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSystemRequirements builds the shipped editions' .deb and .rpm packages and checks
// that the system packages the recipes declare reach the packages' relations in each
// distribution's names, that each family's edition package points Scribunto at that
// family's Lua, and that the SBOM and manifest.json name them.
func TestSystemRequirements(t *testing.T) {
	for _, tool := range []string{"dpkg-deb", "rpm", "rpm2cpio", "cpio"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	dir := project(t)
	out := t.TempDir()
	if r := run(t, dir, seededCache(t), "--offline", "-q", "build", "--out", out, "--format", "deb,rpm"); r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	deb := func(name string) string {
		m, _ := filepath.Glob(filepath.Join(out, "deb", name+"_*_all.deb"))
		if len(m) != 1 {
			t.Fatalf("%d .deb files for %s", len(m), name)
		}
		return m[0]
	}
	rpmFile := func(name string) string {
		m, _ := filepath.Glob(filepath.Join(out, "rpm", name+"-[0-9]*.noarch.rpm"))
		if len(m) != 1 {
			t.Fatalf("%d .rpm files for %s", len(m), name)
		}
		return m[0]
	}
	// What each package must require: every Debian and Fedora name of the recipes.
	for _, tc := range []struct {
		pkg                       string
		debDepends, debRecommends []string
		rpmRequires, rpmRecommend []string
	}{
		{pkg: "mediawiki-extension-scribunto", debDepends: []string{"lua5.1"}, rpmRequires: []string{"compat-lua"}},
		{pkg: "mediawiki-extension-pdfhandler", debDepends: []string{"ghostscript", "poppler-utils", "imagemagick"},
			rpmRequires: []string{"ghostscript", "poppler-utils", "ImageMagick"}},
		{pkg: "mediawiki-extension-syntaxhighlight-geshi", debDepends: []string{"python3-pygments"}, rpmRequires: []string{"python3-pygments"}},
		{pkg: "mediawiki-core", debRecommends: []string{"php-apcu"}, rpmRecommend: []string{"php-pecl-apcu"}},
	} {
		t.Run(tc.pkg, func(t *testing.T) {
			d := deb(tc.pkg)
			fields := command(t, "dpkg-deb", "-f", d, "Depends", "Recommends")
			t.Logf("dpkg-deb -f %s Depends Recommends:\n%s", filepath.Base(d), fields)
			depends, recommends := debField(fields, "Depends"), debField(fields, "Recommends")
			checkHas(t, "Depends", depends, tc.debDepends)
			checkHas(t, "Recommends", recommends, tc.debRecommends)
			r := rpmFile(tc.pkg)
			requires := strings.Split(strings.TrimSpace(command(t, "rpm", "-qpR", r)), "\n")
			weak := strings.Fields(command(t, "rpm", "-qp", "--recommends", r))
			t.Logf("rpm -qpR %s:\n%s\nrpm -qp --recommends: %v", filepath.Base(r), strings.Join(requires, "\n"), weak)
			checkHas(t, "rpm Requires", requires, tc.rpmRequires)
			checkHas(t, "rpm Recommends", weak, tc.rpmRecommend)
			// Debian's names stay out of the .rpm.
			for _, n := range tc.debDepends {
				if !slices.Contains(tc.rpmRequires, n) && hasRelation(requires, n) {
					t.Errorf("the .rpm requires Debian's %s", n)
				}
			}
		})
	}

	// Each family's edition package points Scribunto at its own Lua and SyntaxHighlight at
	// the system's pygmentize.
	t.Run("settings", func(t *testing.T) {
		debRoot, rpmRoot := t.TempDir(), t.TempDir()
		command(t, "dpkg-deb", "-x", deb("mediawiki-edition-knowledge-base"), debRoot)
		cmd := exec.Command("sh", "-c", `rpm2cpio "$1" | cpio -idm --quiet`, "sh", rpmFile("mediawiki-edition-knowledge-base"))
		cmd.Dir = rpmRoot
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("rpm2cpio: %v\n%s", err, b)
		}
		for root, lua := range map[string]string{debRoot: "/usr/bin/lua5.1", rpmRoot: "/usr/bin/lua-5.1"} {
			b, err := os.ReadFile(filepath.Join(root, "etc/mediawiki/EditionSettings.php"))
			if err != nil {
				t.Fatal(err)
			}
			s := string(b)
			for _, want := range []string{"'luaPath' => '" + lua + "'", "$wgPygmentizePath = '/usr/bin/pygmentize';"} {
				if !strings.Contains(s, want) {
					t.Errorf("%s EditionSettings.php lacks %s:\n%s", filepath.Base(root), want, s)
				}
			}
			// The edition's own settings come after the recipes'.
			if strings.Index(s, "$wgScribuntoEngineConf") > strings.Index(s, "$wgScribuntoDefaultEngine") {
				t.Errorf("the recipes' settings come after the edition's:\n%s", s)
			}
		}
	})

	t.Run("sbom and manifest", func(t *testing.T) {
		b, err := os.ReadFile(filepath.Join(out, "sbom", "knowledge-base.spdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"pkg:deb/debian/lua5.1", "pkg:rpm/fedora/compat-lua", "pkg:deb/debian/python3-pygments", "pkg:rpm/fedora/ImageMagick", "pkg:deb/debian/php-apcu"} {
			if !strings.Contains(string(b), `"`+p+`"`) {
				t.Errorf("the SBOM has no %s", p)
			}
		}
		m, err := os.ReadFile(filepath.Join(out, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`"system":\s*\{\s*"debian":\s*\{\s*"depends":\s*\[\s*"lua5.1"\s*\]`).Match(m) {
			t.Error("manifest.json does not record Scribunto's system packages")
		}
	})
}

// debField is one relation field of dpkg-deb -f's output, as package names: "a | b" stays
// one element, versions are dropped.
func debField(out, name string) []string {
	for _, l := range strings.Split(out, "\n") {
		v, ok := strings.CutPrefix(l, name+": ")
		if !ok {
			continue
		}
		var rels []string
		for _, r := range strings.Split(v, ",") {
			r = strings.TrimSpace(r)
			if i := strings.Index(r, " ("); i > 0 && !strings.Contains(r, "|") {
				r = r[:i]
			}
			rels = append(rels, r)
		}
		return rels
	}
	return nil
}

// checkHas reports each of want that got lacks; got's elements are relations, of which
// only the name (before any version) counts.
func checkHas(t *testing.T, what string, got, want []string) {
	t.Helper()
	var missing []string
	for _, w := range want {
		if !hasRelation(got, w) {
			missing = append(missing, w)
		}
	}
	if diff := cmp.Diff([]string(nil), missing); diff != "" {
		t.Errorf("%s %q lacks (-want +got):\n%s", what, got, diff)
	}
}

func hasRelation(list []string, name string) bool {
	for _, g := range list {
		if f := strings.Fields(g); len(f) > 0 && f[0] == name {
			return true
		}
	}
	return false
}
