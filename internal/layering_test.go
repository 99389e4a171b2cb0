// Package internal_test holds the rule ARCHITECTURE.md states: each package imports only
// packages of lower layers, so that the flow reads one way and a format stays one package.
package internal_test

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/mwedition/mwedition/"

// layers is ARCHITECTURE.md's table: a package's layer, by its path below the module.
var layers = map[string]int{
	"internal/spec": 0, "internal/semver": 0, "internal/platform": 0, "internal/fstree": 0,
	"internal/engine": 0, "internal/archive": 0, "internal/signature": 0, "internal/cosign": 0, "internal/registration": 0,
	"internal/outdir": 0, "internal/rpmtag": 0, "internal/testcorpus": 0,

	"internal/cache": 1, "internal/load": 1, "internal/lock": 1, "internal/relation": 1,
	"internal/tarfile": 1, "internal/repo": 1, "internal/signature/signaturetest": 1,
	"internal/composer": 1, "internal/patch": 1, "internal/debarchive": 1, "internal/policy": 1,

	"internal/pack": 2, "internal/pack/tarball": 2, "internal/pack/oci": 2, "internal/debroot": 2, "internal/resolve": 2,
	"internal/source": 2, "internal/composer/composertest": 2, "internal/composer/autoload": 2, "internal/embargo": 2,

	"internal/sbom": 3, "internal/layout": 3, "internal/repo/apt": 3, "internal/repo/dnf": 3, "internal/push": 3,
	"internal/scaffold":     3,
	"internal/format":       4,
	"internal/format/ospkg": 5, "internal/format/tarballs": 5, "internal/format/image": 5,
	"internal/build": 6,
	"internal/repro": 7, "internal/releasediff": 7, "internal/bump": 7,
	"internal/cli": 8,
	"builder":      9,
}

func TestImportsGoDown(t *testing.T) {
	imports := map[string]map[string]bool{} // package -> internal packages it imports
	err := filepath.WalkDir("..", func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "testdata" || d.Name() == "tests" || strings.HasPrefix(d.Name(), ".")) && p != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		pkg := filepath.ToSlash(filepath.Dir(strings.TrimPrefix(p, "../")))
		if imports[pkg] == nil {
			imports[pkg] = map[string]bool{}
		}
		for _, im := range f.Imports {
			path, _ := strconv.Unquote(im.Path.Value)
			if strings.HasPrefix(path, module) {
				imports[pkg][strings.TrimPrefix(path, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	for _, p := range pkgs {
		lp, ok := layers[p]
		if !ok {
			t.Errorf("%s has no layer: add it to ARCHITECTURE.md's table and to layers here", p)
			continue
		}
		for im := range imports[p] {
			if li, ok := layers[im]; ok && li >= lp {
				t.Errorf("%s (layer %d) imports %s (layer %d): imports go down only", p, lp, im, li)
			}
		}
	}
}
