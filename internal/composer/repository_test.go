package composer

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// versionView is what the repository tests compare of a package.
type versionView struct {
	Name, Version, Type string
	Require, Platform   []string
	Dist                *Dist
}

func viewVersions(ps []Package) []versionView {
	var out []versionView
	for _, p := range ps {
		out = append(out, versionView{Name: p.Name, Version: p.Version, Type: p.Type,
			Require: linkStrings(p.Require), Platform: linkStrings(p.Platform), Dist: p.Dist})
	}

	return out
}

func TestParseMetadataMinified(t *testing.T) {
	// The shape Packagist serves (composer/metadata-minifier): the first
	// entry complete, then only what changes, "__unset" removing a key.
	in := `{"minified":"composer/2.0","packages":{"Acme/Lib":[
 {"name":"acme/lib","version":"1.2.0","type":"library","license":["MIT"],
  "dist":{"type":"zip","url":"https://srv.example/acme-lib-1.2.0.zip","reference":"c3","shasum":"aa"},
  "require":{"php":">=7.4","psr/log":"^1.0"}},
 {"version":"1.1.0","dist":{"type":"zip","url":"https://srv.example/acme-lib-1.1.0.zip","reference":"c2","shasum":""},"require":"__unset"},
 {"version":"1.0.0-beta1","dist":{"type":"zip","url":"https://srv.example/acme-lib-1.0.0-beta1.zip","reference":"c1","shasum":""}}
]}}`
	got, err := ParseMetadata("/srv/repo/p2/acme/lib.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []versionView{
		{Name: "acme/lib", Version: "1.2.0", Type: "library", Require: []string{"psr/log ^1.0"}, Platform: []string{"php >=7.4"},
			Dist: &Dist{Type: "zip", URL: "https://srv.example/acme-lib-1.2.0.zip", Reference: "c3", Shasum: "aa"}},
		{Name: "acme/lib", Version: "1.1.0", Type: "library",
			Dist: &Dist{Type: "zip", URL: "https://srv.example/acme-lib-1.1.0.zip", Reference: "c2"}},
		{Name: "acme/lib", Version: "1.0.0-beta1", Type: "library",
			Dist: &Dist{Type: "zip", URL: "https://srv.example/acme-lib-1.0.0-beta1.zip", Reference: "c1"}},
	}
	if diff := cmp.Diff(want, viewVersions(got["acme/lib"])); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseMetadataOrder(t *testing.T) {
	// Not minified, in no particular order: versions come back highest
	// first, branches last.
	in := `{"packages":{"a/b":[{"name":"a/b","version":"dev-main"},{"name":"a/b","version":"v1.10.0"},{"name":"a/b","version":"v1.9.0"},{"name":"a/b","version":"2.0.0-RC1"}]}}`
	got, err := ParseMetadata("m.json", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	var vs []string
	for _, p := range got["a/b"] {
		vs = append(vs, p.Version)
	}
	if diff := cmp.Diff([]string{"2.0.0-RC1", "v1.10.0", "v1.9.0", "dev-main"}, vs); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestParseMetadataErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"garbage", "<html>500</html>", "m.json:1:1: invalid JSON"},
		{"minifier", `{"minified":"composer/3.0","packages":{}}`, `unknown minified format "composer/3.0"`},
		{"no version", `{"packages":{"a/b":[{"name":"a/b"}]}}`, "m.json: a/b, version entry 1: a version needs a name and a version"},
		{"bad version", `{"packages":{"a/b":[{"name":"a/b","version":"banana"}]}}`, `invalid version "banana"`},
		{"bad link", `{"packages":{"a/b":[{"name":"a/b","version":"1.0","require":{"c/d":"^^"}}]}}`, `require c/d: invalid version constraint "^^"`},
		{"minified garbage", `{"minified":"composer/2.0","packages":{"a/b":[1]}}`, "m.json: a/b: version entry 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMetadata("m.json", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseIndex(t *testing.T) {
	for _, tc := range []struct {
		name, base, in string
		want           Index
	}{
		{"Packagist", "https://repo.packagist.org/packages.json",
			`{"packages":[],"metadata-url":"/p2/%package%.json","providers-url":"/p/%package%$%hash%.json"}`,
			Index{MetadataURL: "https://repo.packagist.org/p2/%package%.json"}},
		{"Satis, relative, with names", "file:///srv/repo/packages.json",
			`{"packages":[],"metadata-url":"p2/%package%.json","available-packages":["a/b"],"available-package-patterns":["acme/*"]}`,
			Index{MetadataURL: "file:///srv/repo/p2/%package%.json", Available: []string{"a/b"}, Patterns: []string{"acme/*"}}},
		{"a slash on file:// drops the path, as in composer", "file:///srv/repo/packages.json",
			`{"metadata-url":"/p2/%package%.json"}`, Index{MetadataURL: "file:///p2/%package%.json"}},
		{"Satis v1 includes", "http://127.0.0.1:8080/packages.json",
			`{"packages":[],"includes":{"include/all$0a1b.json":{"sha1":"0a1b"}}}`,
			Index{Includes: []Include{{URL: "http://127.0.0.1:8080/include/all$0a1b.json", SHA1: "0a1b"}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseIndex(tc.base, []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	for _, tc := range []struct{ name, in, want string }{
		{"garbage", `{"packages":`, "p.json:1:13: invalid JSON"},
		{"no placeholder", `{"metadata-url":"/p2/all.json"}`, `metadata-url "/p2/all.json" has no %package%`},
		{"v1 only", `{"packages":[],"providers-url":"/p/%package%$%hash%.json"}`, "only the v1 providers-url protocol"},
		{"bad inline", `{"packages":{"a/b":[1]}}`, "packages: expected {name: {version: metadata}}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseIndex("p.json", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

// memFetch serves files from a map, as a repository would, counting reads.
type memFetch struct {
	files map[string]string
	reads []string
}

func (m *memFetch) fetch(_ context.Context, url string) ([]byte, error) {
	m.reads = append(m.reads, url)
	s, ok := m.files[url]
	if !ok {
		return nil, fmt.Errorf("GET %s: 404: %w", url, ErrNotFound)
	}
	if s == "500" {
		return nil, fmt.Errorf("GET %s: HTTP 500", url)
	}

	return []byte(s), nil
}

func TestRepositoryVersions(t *testing.T) {
	m := &memFetch{files: map[string]string{
		"https://r.example/packages.json":   `{"metadata-url":"/p2/%package%.json","available-packages":["a/b","c/d"],"packages":{"e/f":{"1.0":{"name":"e/f","version":"1.0"}}}}`,
		"https://r.example/p2/a/b.json":     `{"packages":{"a/b":[{"name":"a/b","version":"1.0.0"}]}}`,
		"https://r.example/p2/a/b~dev.json": `{"packages":{"a/b":[{"name":"a/b","version":"dev-main"}]}}`,
		"https://r.example/p2/c/d.json":     "500",
	}}
	r := NewRepository("https://r.example", m.fetch)
	ctx := context.Background()
	for _, tc := range []struct {
		name    string
		withDev bool
		want    []string
		err     string
	}{
		{"a/b", false, []string{"1.0.0"}, ""},
		{"a/b", true, []string{"1.0.0", "dev-main"}, ""},
		{"e/f", false, []string{"1.0"}, ""},
		{"x/y", false, nil, ""}, // not in available-packages: not even asked for
		{"c/d", false, nil, "reading composer repository https://r.example: GET https://r.example/p2/c/d.json: HTTP 500"},
	} {
		ps, err := r.Versions(ctx, tc.name, tc.withDev)
		if tc.err != "" {
			if err == nil || err.Error() != tc.err {
				t.Errorf("%s: error %v, want %q", tc.name, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, p := range ps {
			got = append(got, p.Version)
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%s (dev %v): (-want +got):\n%s", tc.name, tc.withDev, diff)
		}
	}
	for _, u := range m.reads {
		if strings.Contains(u, "x/y") {
			t.Errorf("read %s although packages.json does not list x/y", u)
		}
	}
	if _, err := r.Versions(ctx, "a/b", false); err != nil || len(m.reads) != 5 {
		t.Errorf("a second lookup read again: %v, reads %v", err, m.reads)
	}
}

func TestRepositoryIncludes(t *testing.T) {
	inc := `{"packages":{"a/b":{"1.0.0":{"name":"a/b","version":"1.0.0"},"1.1.0":{"name":"a/b","version":"1.1.0"}}}}`
	m := &memFetch{files: map[string]string{
		"file:///srv/satis/packages.json":      `{"packages":[],"includes":{"include/all$x.json":{"sha1":"` + sha1hex(inc) + `"}}}`,
		"file:///srv/satis/include/all$x.json": inc,
		"file:///srv/bad/packages.json":        `{"packages":[],"includes":{"include/all$x.json":{"sha1":"00"}}}`,
		"file:///srv/bad/include/all$x.json":   inc,
	}}
	ps, err := NewRepository("file:///srv/satis/", m.fetch).Versions(context.Background(), "a/b", false)
	if err != nil || len(ps) != 2 || ps[0].Version != "1.1.0" {
		t.Errorf("Versions = %v, %v; want 1.1.0 and 1.0.0", viewVersions(ps), err)
	}
	_, err = NewRepository("file:///srv/bad", m.fetch).Versions(context.Background(), "a/b", false)
	if want := "file:///srv/bad/include/all$x.json: sha1 is " + sha1hex(inc) + ", packages.json says 00"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error %v, want it to contain %q", err, want)
	}
}

func TestParseInstalled(t *testing.T) {
	data, err := os.ReadFile("testdata/mediawiki-1.39.17-installed.json")
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ParseInstalled("vendor/composer/installed.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 67 {
		t.Errorf("%d packages, want MediaWiki 1.39.17's 67", len(ps))
	}
	got := map[string]string{}
	for _, p := range ps {
		got[p.Name] = p.Version + " " + p.Type
	}
	for name, want := range map[string]string{
		"psr/log": "1.1.4 library", "wikimedia/composer-merge-plugin": "v2.0.1 composer-plugin",
		"pear/pear_exception": "v1.0.2 class", "guzzlehttp/guzzle": "7.4.5 library",
	} {
		if got[name] != want {
			t.Errorf("%s = %q, want %q", name, got[name], want)
		}
	}
	v1, err := ParseInstalled("i.json", []byte(`[{"name":"b/b","version":"1.0"},{"name":"a/a","version":"2.0"}]`))
	if err != nil || len(v1) != 2 || v1[0].Name != "a/a" {
		t.Errorf("composer 1 format: %v, %v", viewVersions(v1), err)
	}
	dev, err := ParseInstalled("i.json", []byte(`{"packages":[{"name":"a/a","version":"1.0"},{"name":"t/t","version":"1.0"}],"dev":true,"dev-package-names":["t/t"]}`))
	if err != nil || len(dev) != 1 {
		t.Errorf("dev packages kept: %v, %v", viewVersions(dev), err)
	}
	for _, tc := range []struct{ in, want string }{
		{`{"dev":true}`, `i.json: no "packages" list`},
		{`{"packages":[{"name":"a/a","version":"1"},{"name":"A/a","version":"2"}]}`, "i.json: a/a is listed twice"},
		{`{"packages":[{"name":"a/a"}]}`, "i.json: package 1: a version needs a name and a version"},
		{`{"packages":[`, "i.json:1:14: invalid JSON"},
	} {
		if _, err := ParseInstalled("i.json", []byte(tc.in)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseInstalled(%s): error %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

func sha1hex(s string) string {
	h := sha1.Sum([]byte(s))

	return hex.EncodeToString(h[:])
}
