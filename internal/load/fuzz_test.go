package load_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/load"
)

const (
	fuzzRecipes  = "recipes/fuzz.hcl"
	fuzzEditions = "editions/fuzz.hcl"
)

// fuzzFS is the project the fuzzed manifests live in: a keyring, a dir source and the
// directories above them exist.
var fuzzFS = mapFS{
	"recipes": true, "recipes/keys": true, "recipes/keys/k.asc": true,
	"recipes/keys/mediawiki-release.asc": true, "editions": true,
	"local": true, "local/Foo": true, "local/Foo/extension.json": true,
}

// joined returns a case's recipes and editions, each concatenated into one file.
func (tc testCase) joined() (recipes, editions []byte) {
	for _, s := range tc.sources() {
		if strings.HasPrefix(s.Name, "editions/") {
			editions = append(editions, s.Bytes...)
		} else {
			recipes = append(recipes, s.Bytes...)
		}
	}
	return recipes, editions
}

func readProjectFiles(t testing.TB, pattern string) []byte {
	t.Helper()
	names, err := filepath.Glob(pattern)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(names)
	var out []byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		out = append(append(out, b...), '\n')
	}
	return out
}

// FuzzLoad feeds arbitrary recipes and editions files to the loader: it must not panic,
// and every error it reports with a location must point into one of the two files.
func FuzzLoad(f *testing.F) {
	for _, dir := range []string{"valid", "invalid"} {
		for _, tc := range readCases(f, dir) {
			recipes, editions := tc.joined()
			f.Add(recipes, editions)
		}
	}
	f.Add(readProjectFiles(f, "../../recipes/*.hcl"), readProjectFiles(f, "../../editions/*.hcl"))
	f.Add([]byte{}, []byte{})

	f.Fuzz(func(t *testing.T, recipes, editions []byte) {
		srcs := []load.Source{
			{Name: fuzzRecipes, Bytes: recipes},
			{Name: fuzzEditions, Bytes: editions},
		}
		set, files, diags := load.Sources(srcs, fuzzFS)
		for _, d := range diags {
			if d.Severity != hcl.DiagError || d.Subject == nil {
				continue
			}
			if d.Subject.Filename != fuzzRecipes && d.Subject.Filename != fuzzEditions {
				t.Errorf("error names file %q: %s", d.Subject.Filename, describe(d))
			}
		}
		for _, n := range []string{fuzzRecipes, fuzzEditions} {
			if files[n] == nil {
				t.Errorf("no parsed file for %s", n)
			}
		}
		ids := map[string]bool{}
		for _, c := range set.Components() {
			if ids[c.ID()] {
				t.Errorf("component %s twice in the set", c.ID())
			}
			ids[c.ID()] = true
		}
		eds := map[string]bool{}
		for _, e := range set.Editions() {
			if eds[e.Name] {
				t.Errorf("edition %s twice in the set", e.Name)
			}
			eds[e.Name] = true
		}
	})
}
