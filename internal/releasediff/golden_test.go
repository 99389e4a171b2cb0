package releasediff

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// The two locks differ in two extensions, PluggableAuth bumped and OpenIDConnect added, and
// in one new dependency: OpenIDConnect needs the gmp PHP extension, which no other component
// does (its other one, json, is core's too and built into PHP), so php-gmp becomes a new
// Debian and Fedora package. The report must say exactly that, in both renderings.
func TestGolden(t *testing.T) {
	old := readRelease(t, "testdata/old.lock")
	new := readRelease(t, "testdata/new.lock")
	rep, err := Compare(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/diff.md.golden", rep.Markdown())
	golden(t, "testdata/diff.json.golden", append(js, '\n'))

	// Exactly those changes, whatever the renderings say.
	var ids []string
	for _, e := range rep.Added {
		ids = append(ids, "added "+e.ID)
	}
	for _, e := range rep.Removed {
		ids = append(ids, "removed "+e.ID)
	}
	for _, b := range rep.Bumped {
		ids = append(ids, "bumped "+b.ID+" "+b.Old.Version+" "+b.New.Version)
	}
	for _, e := range rep.PHPExtensions {
		ids = append(ids, e.Change+" ext "+e.Name)
	}
	for _, p := range rep.OSPackages {
		ids = append(ids, p.Change+" "+string(p.Family)+" "+p.Name)
	}
	want := []string{"added extension/OpenIDConnect", "bumped extension/PluggableAuth 7.0.0 7.1.0",
		"added ext gmp", "added debian php-gmp", "added rpm php-gmp"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	if len(rep.Licenses)+len(rep.Editions)+len(rep.PHP) != 0 || rep.Identical {
		t.Errorf("licences %v, editions %v, PHP %v, identical %v: want none and false", rep.Licenses, rep.Editions, rep.PHP, rep.Identical)
	}
}

// The same inputs give the same bytes: nothing in a report depends on map order or the clock.
func TestStableOutput(t *testing.T) {
	old := readRelease(t, "testdata/old.lock")
	new := readRelease(t, "testdata/new.lock")
	var first []byte
	for i := 0; i < 20; i++ {
		rep, err := Compare(old, new, Options{})
		if err != nil {
			t.Fatal(err)
		}
		js, _ := json.Marshal(rep)
		out := append(rep.Markdown(), js...)
		if first == nil {
			first = out
		} else if !bytes.Equal(first, out) {
			t.Fatalf("run %d differs from the first", i)
		}
	}
}

func readRelease(t *testing.T, name string) Release {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Parse(filepath.Base(name), b)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(name, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if diff := cmp.Diff(strings.Split(string(want), "\n"), strings.Split(string(got), "\n")); diff != "" {
		t.Errorf("%s (-want +got; go test -update rewrites it):\n%s", name, diff)
	}
}
