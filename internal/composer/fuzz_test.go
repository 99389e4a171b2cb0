package composer

import (
	"bytes"
	"encoding/json"
	"os"
	"sort"
	"strings"
	"testing"
)

// checkPackage holds the invariants every parsed package keeps.
func checkPackage(t *testing.T, p Package) {
	t.Helper()
	if p.Name != strings.ToLower(p.Name) {
		t.Fatalf("name %q is not lowercased", p.Name)
	}
	for _, l := range p.Require {
		if IsPlatform(l.Target) {
			t.Fatalf("platform package %q among the libraries", l.Target)
		}
	}
	for _, l := range p.Platform {
		if !IsPlatform(l.Target) {
			t.Fatalf("library %q among the platform requirements", l.Target)
		}
	}
	for _, ls := range [][]Link{p.Require, p.Platform, p.Replace, p.Provide, p.Conflict} {
		if !sort.SliceIsSorted(ls, func(i, j int) bool { return ls[i].Target < ls[j].Target }) {
			t.Fatalf("links not sorted: %v", linkStrings(ls))
		}
	}
}

func FuzzParseManifest(f *testing.F) {
	f.Add([]byte(openIDConnect))
	f.Add([]byte(`{"name":"a/b","require":[],"autoload":{"psr-4":{"A\\":["x","y"]}},"replace":{"c/d":"self.version"}}`))
	f.Add([]byte(`{"require":{"php":">=7.4","ext-curl":"*"},"conflict":{"x/y":"<1"},"minimum-stability":"RC"}`))
	if core, err := os.ReadFile("testdata/mediawiki-1.39.17-composer.json"); err == nil {
		f.Add(core)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseManifest("/srv/f/composer.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "/srv/f/composer.json") {
				t.Fatalf("error %q does not name the file first", err)
			}
			return
		}
		checkPackage(t, p)
		for _, ls := range [][]Link{p.Require, p.Platform} {
			for _, l := range ls {
				if l.Pos.Line == 0 {
					t.Fatalf("link %s has no position", l)
				}
			}
		}
	})
}

func FuzzParseMetadata(f *testing.F) {
	f.Add([]byte(`{"minified":"composer/2.0","packages":{"a/b":[{"name":"a/b","version":"1.0","require":{"c/d":"^1"}},{"version":"0.9","require":"__unset"}]}}`))
	f.Add([]byte(`{"packages":{"a/b":[{"name":"a/b","version":"dev-main","type":"composer-plugin"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		byName, err := ParseMetadata("/srv/r/p2/a/b.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "/srv/r/p2/a/b.json") {
				t.Fatalf("error %q does not name the file first", err)
			}
			return
		}
		for _, ps := range byName {
			for i, p := range ps {
				checkPackage(t, p)
				if i > 0 && compareVersions(ps[i-1], p) < 0 {
					t.Fatalf("versions not highest first: %s before %s", ps[i-1].Version, p.Version)
				}
			}
		}
	})
}

// FuzzMinify holds Minify and the expansion together: expanding minified
// versions gives the versions back.
func FuzzMinify(f *testing.F) {
	f.Add(`{"name":"a/b","version":"1.0","x":[1]}`, `{"name":"a/b","version":"0.9"}`, `{"name":"a/b","y":{"z":null}}`)
	f.Add(`{}`, `{"a":"__unset"}`, `{"a":1}`)
	f.Fuzz(func(t *testing.T, a, b, c string) {
		var in []json.RawMessage
		for _, s := range []string{a, b, c} {
			if _, err := compactObject(json.RawMessage(s)); err != nil {
				return
			}
			if strings.Contains(s, "__unset") {
				return // a literal "__unset" value cannot survive minifying, in composer either
			}
			in = append(in, json.RawMessage(s))
		}
		min, err := Minify(in)
		if err != nil {
			t.Fatal(err)
		}
		back, err := expand(min)
		if err != nil {
			t.Fatal(err)
		}
		for i := range in {
			want, _ := compactObject(in[i])
			got, _ := compactObject(back[i])
			wb, _ := json.Marshal(want)
			gb, _ := json.Marshal(got)
			if !bytes.Equal(wb, gb) {
				t.Fatalf("entry %d: %s expanded back to %s (minified %s)", i, wb, gb, min)
			}
		}
	})
}

func FuzzParseIndex(f *testing.F) {
	f.Add([]byte(`{"packages":[],"metadata-url":"/p2/%package%.json","available-packages":["a/b"]}`))
	f.Add([]byte(`{"packages":{"a/b":{"1.0":{"name":"a/b","version":"1.0"}}},"includes":{"i.json":{"sha1":"x"}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		idx, err := ParseIndex("file:///srv/r/packages.json", data)
		if err != nil {
			return
		}
		if idx.MetadataURL != "" && !strings.Contains(idx.MetadataURL, "%package%") {
			t.Fatalf("metadata URL %q lost its placeholder", idx.MetadataURL)
		}
		for _, ps := range idx.Packages {
			for _, p := range ps {
				checkPackage(t, p)
			}
		}
	})
}

func FuzzParseInstalled(f *testing.F) {
	f.Add([]byte(`{"packages":[{"name":"a/b","version":"1.0","type":"library"}],"dev":false,"dev-package-names":[]}`))
	f.Add([]byte(`[{"name":"a/b","version":"v2.0.1","replace":{"c/d":"self.version"}}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ps, err := ParseInstalled("/srv/mw/vendor/composer/installed.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "/srv/mw/vendor/composer/installed.json") {
				t.Fatalf("error %q does not name the file first", err)
			}
			return
		}
		for i, p := range ps {
			checkPackage(t, p)
			if i > 0 && ps[i-1].Name >= p.Name {
				t.Fatalf("not sorted by name, or a duplicate: %s, %s", ps[i-1].Name, p.Name)
			}
		}
	})
}
