package composer

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// universe parses p2-style metadata into a static catalog.
func universe(t *testing.T, name, metadata string) Static {
	t.Helper()
	ps, err := ParseMetadata(name, []byte(`{"packages":`+metadata+`}`))
	if err != nil {
		t.Fatal(err)
	}

	return Static{Name: name, Packages: ps}
}

// req is a root requirement written in a component's composer.json.
func req(t *testing.T, by, target, constraint string) Requirement {
	t.Helper()
	p, err := ParseManifest("/srv/"+by+"/composer.json", []byte(fmt.Sprintf(`{"require": {%q: %q}}`, target, constraint)))
	if err != nil {
		t.Fatal(err)
	}
	links := append(p.Require, p.Platform...)

	return Requirement{Link: links[0], By: "extension " + by}
}

func viewResult(r Result) []string {
	var out []string
	for _, l := range r.Libraries {
		s := l.Name + " " + l.Version
		if l.Plugin {
			s += " (plugin)"
		}
		if l.MediaWikiPath != "" {
			s += " [" + l.MediaWikiPath + "]"
		}
		out = append(out, s+" <- "+strings.Join(l.RequiredBy, ", "))
	}
	for _, l := range r.FromCore {
		out = append(out, "core: "+l.Name+" "+l.Version+" <- "+strings.Join(l.RequiredBy, ", "))
	}
	for _, p := range r.Platform {
		out = append(out, "platform: "+p.Target+" "+p.Constraint.String()+" <- "+p.By)
	}

	return out
}

const repoJSON = `{
 "a/a": [
  {"name":"a/a","version":"1.2.0","require":{"b/b":"^2.0","c/c":"^3.0"}},
  {"name":"a/a","version":"1.1.0","require":{"b/b":"^2.0","c/c":"^2.0"}},
  {"name":"a/a","version":"1.0.0"}],
 "b/b": [
  {"name":"b/b","version":"2.1.0","require":{"php":">=7.4"}},
  {"name":"b/b","version":"2.0.0"},
  {"name":"b/b","version":"1.0.0"}],
 "c/c": [{"name":"c/c","version":"2.0.0"}],
 "br/br": [
  {"name":"br/br","version":"1.0.0"},
  {"name":"br/br","version":"dev-main","extra":{"branch-alias":{"dev-main":"1.x-dev"}}}],
 "s/s": [
  {"name":"s/s","version":"2.0.0-beta1"},
  {"name":"s/s","version":"1.1.0-RC1"},
  {"name":"s/s","version":"1.0.0"},
  {"name":"s/s","version":"dev-main"}],
 "m/new": [
  {"name":"m/new","version":"2.0.0","require":{"php":"^8.1"},"conflict":{"b/b":"<2.1"}},
  {"name":"m/new","version":"1.0.0","replace":{"m/old":"self.version"}}],
 "m/old": [{"name":"m/old","version":"1.0.0"}],
 "p/impl": [{"name":"p/impl","version":"1.0.0","provide":{"psr/log-implementation":"1.0.0"}}],
 "p/user": [{"name":"p/user","version":"1.0.0","require":{"psr/log-implementation":"^1.0","ext-curl":"*"}}],
 "composer/installers": [
  {"name":"composer/installers","version":"v2.3.0","type":"composer-plugin","require":{"composer-plugin-api":"^1.0 || ^2.0"}},
  {"name":"composer/installers","version":"v1.12.0","type":"composer-plugin","require":{"composer-plugin-api":"^1.0 || ^2.0"}}],
 "jumbojett/openid-connect-php": [{"name":"jumbojett/openid-connect-php","version":"v1.0.2","require":{"psr/log":"^1.0","ext-json":"*"}}],
 "mediawiki/pluggable-auth": [{"name":"mediawiki/pluggable-auth","version":"7.0.0","type":"mediawiki-extension","extra":{"installer-name":"PluggableAuth"}}],
 "mediawiki/needs-auth": [{"name":"mediawiki/needs-auth","version":"1.0.0","type":"mediawiki-extension","require":{"mediawiki/pluggable-auth":"^7.0","a/a":"1.0.0"}}],
 "x/log2": [{"name":"x/log2","version":"1.0.0","require":{"psr/log":"^2.0"}}]
}`

func coreVendor(t *testing.T) ([]Package, *Package) {
	t.Helper()
	data, err := os.ReadFile("testdata/mediawiki-1.39.17-installed.json")
	if err != nil {
		t.Fatal(err)
	}
	core, err := ParseInstalled("vendor/composer/installed.json", data)
	if err != nil {
		t.Fatal(err)
	}
	data, err = os.ReadFile("testdata/mediawiki-1.39.17-composer.json")
	if err != nil {
		t.Fatal(err)
	}
	root, err := ParseManifest("composer.json", append([]byte(nil), data...))
	if err != nil {
		t.Fatal(err)
	}
	root.Version = "1.39.17"

	return core, &root
}

func TestResolve(t *testing.T) {
	repo := universe(t, "https://repo.example", repoJSON)
	core, coreRoot := coreVendor(t)
	platform := map[string]string{"php": "8.2.7", "composer-plugin-api": "2.3.0"}
	for _, tc := range []struct {
		name    string
		require []Requirement
		modify  func(*Input)
		want    []string
	}{
		{"highest versions, backtracking past a/a 1.2.0 whose c/c ^3 is missing",
			[]Requirement{req(t, "E", "a/a", "^1.0")}, nil,
			[]string{"a/a 1.1.0 <- extension E", "b/b 2.1.0 <- a/a 1.1.0", "c/c 2.0.0 <- a/a 1.1.0"}},
		{"every requirer holds", []Requirement{req(t, "E", "b/b", "^2.0"), req(t, "F", "b/b", "<2.1")}, nil,
			[]string{"b/b 2.0.0 <- extension E, extension F"}},
		{"stable only by default", []Requirement{req(t, "E", "s/s", "*")}, nil,
			[]string{"s/s 1.0.0 <- extension E"}},
		{"a root @beta flag", []Requirement{req(t, "E", "s/s", "^2.0@beta")}, nil,
			[]string{"s/s 2.0.0-beta1 <- extension E"}},
		{"an RC named in a root requirement", []Requirement{req(t, "E", "s/s", ">=1.1.0-RC1 <2.0")}, nil,
			[]string{"s/s 1.1.0-RC1 <- extension E"}},
		{"minimum-stability RC", []Requirement{req(t, "E", "s/s", "^1.0")}, func(in *Input) { in.MinimumStability = "RC" },
			[]string{"s/s 1.1.0-RC1 <- extension E"}},
		{"minimum-stability RC, prefer-stable", []Requirement{req(t, "E", "s/s", "^1.0")},
			func(in *Input) { in.MinimumStability, in.PreferStable = "RC", true },
			[]string{"s/s 1.0.0 <- extension E"}},
		{"a dev- branch", []Requirement{req(t, "E", "s/s", "dev-main")}, nil,
			[]string{"s/s dev-main <- extension E"}},
		{"a branch through its branch-alias", []Requirement{req(t, "E", "br/br", "^1.1@dev")}, nil,
			[]string{"br/br dev-main <- extension E"}},
		{"the alias is not preferred to a release that fits", []Requirement{req(t, "E", "br/br", "^1.0")}, nil,
			[]string{"br/br 1.0.0 <- extension E"}},
		{"replace: m/new stands in for m/old", []Requirement{req(t, "E", "m/new", "^1.0"), req(t, "F", "m/old", "^1.0")}, nil,
			[]string{"m/new 1.0.0 <- extension E, extension F"}},
		{"platform php rules out m/new 2.0.0", []Requirement{req(t, "E", "m/new", "*")},
			func(in *Input) { in.Platform = map[string]string{"php": "7.4.3"} },
			[]string{"m/new 1.0.0 <- extension E"}},
		{"a conflict backtracks", []Requirement{req(t, "E", "b/b", "2.0.0"), req(t, "F", "m/new", "*")}, nil,
			[]string{"b/b 2.0.0 <- extension E", "m/new 1.0.0 <- extension F"}},
		{"provide, and platform requirements left to packaging", []Requirement{req(t, "E", "p/impl", "*"), req(t, "F", "p/user", "*")}, nil,
			[]string{"p/impl 1.0.0 <- extension E, p/user 1.0.0", "p/user 1.0.0 <- extension F", "platform: ext-curl * <- p/user 1.0.0"}},
		{"composer/installers is a plugin; core has psr/log", []Requirement{
			req(t, "OpenIDConnect", "jumbojett/openid-connect-php", "1.0.2"),
			req(t, "OpenIDConnect", "composer/installers", "~1.0|~2"),
			req(t, "PluggableAuth", "composer/installers", ">=1.0.1|~2"),
		}, func(in *Input) { in.Core, in.CoreRoot = core, coreRoot },
			[]string{
				"composer/installers v2.3.0 (plugin) <- extension OpenIDConnect, extension PluggableAuth",
				"jumbojett/openid-connect-php v1.0.2 <- extension OpenIDConnect",
				"core: psr/log 1.1.4 <- jumbojett/openid-connect-php v1.0.2",
				"platform: ext-json * <- jumbojett/openid-connect-php v1.0.2",
			}},
		{"a virtual package waits for its provider", []Requirement{req(t, "F", "p/user", "*"), req(t, "E", "p/impl", "*")}, nil,
			[]string{"p/impl 1.0.0 <- extension E, p/user 1.0.0", "p/user 1.0.0 <- extension F", "platform: ext-curl * <- p/user 1.0.0"}},
		{"core's composer.json replaces the polyfills", []Requirement{req(t, "E", "symfony/polyfill-mbstring", "^1.8")},
			func(in *Input) { in.Core, in.CoreRoot = core, coreRoot },
			[]string{"core: mediawiki/core 1.39.17 <- extension E"}},
		{"an extension required through composer is a component, not a library", []Requirement{req(t, "E", "mediawiki/needs-auth", "*")},
			func(in *Input) {},
			[]string{"a/a 1.0.0 <- mediawiki/needs-auth 1.0.0", "mediawiki/needs-auth 1.0.0 [extensions/NeedsAuth] <- extension E", "mediawiki/pluggable-auth 7.0.0 [extensions/PluggableAuth] <- mediawiki/needs-auth 1.0.0"}},
		{"an override hides the repository", []Requirement{req(t, "E", "b/b", "*")},
			func(in *Input) {
				in.Catalogs = append([]Catalog{universe(t, "recipe b/b", `{"b/b":[{"name":"b/b","version":"1.0.0"}]}`)}, in.Catalogs...)
			},
			[]string{"b/b 1.0.0 <- extension E"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Require: tc.require, Catalogs: []Catalog{repo}, Platform: platform}
			if tc.modify != nil {
				tc.modify(&in)
			}
			res, err := Resolve(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, viewResult(res)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestResolveErrors(t *testing.T) {
	repo := universe(t, "https://repo.example", repoJSON)
	core, coreRoot := coreVendor(t)
	for _, tc := range []struct {
		name    string
		require []Requirement
		modify  func(*Input)
		want    string
	}{
		{"two extensions disagree", []Requirement{req(t, "E", "b/b", "^1.0"), req(t, "F", "b/b", "^2.0")}, nil,
			`composer library b/b: no version satisfies every requirer (available: 2.1.0, 2.0.0, 1.0.0)
  extension E requires b/b "^1.0" (/srv/E/composer.json:1:14)
  extension F requires b/b "^2.0" (/srv/F/composer.json:1:14)`},
		{"a conflict with core's vendor names both sides", []Requirement{req(t, "SMW", "x/log2", "*")},
			func(in *Input) {
				in.Core, in.CoreRoot, in.CoreFile = core, coreRoot, "/srv/mediawiki/vendor/composer/installed.json"
			},
			`composer library psr/log: conflicts with core: core's psr/log 1.1.4 (/srv/mediawiki/vendor/composer/installed.json) is what MediaWiki ships, and not every requirer accepts it
  x/log2 1.0.0 requires psr/log "^2.0" (https://repo.example)
  core mediawiki/core 1.39.17 requires psr/log "1.1.4" (composer.json:47:3)
  where extension SMW requires x/log2 "*" (/srv/SMW/composer.json:1:14)`},
		{"a library in no repository", []Requirement{req(t, "E", "nobody/has-it", "^1.0")}, nil,
			`composer library nobody/has-it: is in no repository (searched: https://repo.example)
  extension E requires nobody/has-it "^1.0" (/srv/E/composer.json:1:14)`},
		{"stability", []Requirement{req(t, "E", "s/s", "^2.0")}, nil,
			`composer library s/s: no version can be chosen: 2.0.0-beta1 is excluded by minimum-stability (its stability is beta; a root requirement with @beta would allow it)
  extension E requires s/s "^2.0" (/srv/E/composer.json:1:14)`},
		{"platform", []Requirement{req(t, "E", "m/new", "2.0.0")}, func(in *Input) { in.Platform = map[string]string{"php": "7.4.3"} },
			`composer library m/new: no version can be chosen: m/new 2.0.0 requires php "^8.1", and the platform has 7.4.3.0
  extension E requires m/new "2.0.0" (/srv/E/composer.json:1:14)`},
		{"a root platform requirement", []Requirement{req(t, "E", "php", ">=8.3")}, func(in *Input) { in.Platform = map[string]string{"php": "8.2.7"} },
			`composer library php: the platform has 8.2.7.0
  extension E requires php ">=8.3" (/srv/E/composer.json:1:14)`},
		{"deep failure reported", []Requirement{req(t, "E", "a/a", "1.2.0")}, nil,
			`composer library c/c: no version satisfies every requirer (available: 2.0.0)
  a/a 1.2.0 requires c/c "^3.0" (https://repo.example)
  where extension E requires a/a "1.2.0" (/srv/E/composer.json:1:14)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := Input{Require: tc.require, Catalogs: []Catalog{repo}}
			if tc.modify != nil {
				tc.modify(&in)
			}
			res, err := Resolve(context.Background(), in)
			if err == nil {
				t.Fatalf("resolved %v", viewResult(res))
			}
			if diff := cmp.Diff(tc.want, err.Error()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Errorf("%T is not a *Error", err)
			}
		})
	}
}

func TestResolveIgnoresRequirementOrder(t *testing.T) {
	repo := universe(t, "https://repo.example", repoJSON)
	reqs := []Requirement{req(t, "E", "m/new", "*"), req(t, "F", "b/b", "2.0.0"), req(t, "G", "a/a", "^1.0"), req(t, "H", "p/user", "*"), req(t, "I", "p/impl", "*")}
	var first []string
	for i := 0; i < len(reqs); i++ {
		rotated := append(append([]Requirement(nil), reqs[i:]...), reqs[:i]...)
		res, err := Resolve(context.Background(), Input{Require: rotated, Catalogs: []Catalog{repo}})
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = viewResult(res)
			continue
		}
		if diff := cmp.Diff(first, viewResult(res)); diff != "" {
			t.Errorf("rotation %d (-first +got):\n%s", i, diff)
		}
	}
}

func TestResolveFetchErrorIsFatal(t *testing.T) {
	m := &memFetch{files: map[string]string{"https://r.example/packages.json": "{garbage"}}
	_, err := Resolve(context.Background(), Input{
		Require:  []Requirement{req(t, "E", "a/a", "*")},
		Catalogs: []Catalog{NewRepository("https://r.example", m.fetch)},
	})
	want := "looking up composer library a/a: reading composer repository https://r.example: https://r.example/packages.json:1:2: invalid JSON"
	if err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("error %v, want it to start with %q", err, want)
	}
}

func TestResolveGivesUp(t *testing.T) {
	// Twenty libraries with two versions each, and z/z whose twenty
	// versions each conflict with one of them: every failure at z/z blames
	// all twenty, so backjumping cannot prune the 2^20 combinations.
	var b strings.Builder
	b.WriteString(`{"z/z":[`)
	var reqs []Requirement
	for i := 0; i < 20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"name":"z/z","version":"1.%d","conflict":{"l/l%d":"*"}}`, i, i)
		reqs = append(reqs, req(t, "E", fmt.Sprintf("l/l%d", i), "*"))
	}
	b.WriteString(`]`)
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, `,"l/l%d":[{"name":"l/l%d","version":"2.0"},{"name":"l/l%d","version":"1.0"}]`, i, i, i)
	}
	b.WriteString(`}`)
	reqs = append(reqs, req(t, "E", "z/z", "*"))
	_, err := Resolve(context.Background(), Input{Require: reqs, Catalogs: []Catalog{universe(t, "r", b.String())}, MaxSteps: 1000})
	if !errors.Is(err, ErrTooComplex) {
		t.Errorf("error %v, want ErrTooComplex", err)
	}
}

func TestResolveBackjumps(t *testing.T) {
	// Twenty libraries of two versions, then one in no repository: the
	// failure does not depend on them, so it comes at once.
	var b strings.Builder
	b.WriteString(`{`)
	var reqs []Requirement
	for i := 0; i < 20; i++ {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `"l/l%d":[{"name":"l/l%d","version":"2.0"},{"name":"l/l%d","version":"1.0"}]`, i, i, i)
		reqs = append(reqs, req(t, "E", fmt.Sprintf("l/l%d", i), "*"))
	}
	b.WriteString(`}`)
	reqs = append(reqs, req(t, "F", "acme/missing", "^1.0"))
	_, err := Resolve(context.Background(), Input{Require: reqs, Catalogs: []Catalog{universe(t, "r", b.String())}, MaxSteps: 100})
	if err == nil || !strings.Contains(err.Error(), "composer library acme/missing: is in no repository") {
		t.Errorf("error %v, want acme/missing in no repository", err)
	}
}

func TestRuntime(t *testing.T) {
	r := Result{Libraries: []Library{
		{Package: Package{Name: "a/a"}},
		{Package: Package{Name: "composer/installers"}, Plugin: true},
		{Package: Package{Name: "mediawiki/pluggable-auth"}, MediaWikiPath: "extensions/PluggableAuth"},
	}}
	if got := r.Runtime(); len(got) != 1 || got[0].Name != "a/a" {
		t.Errorf("Runtime() = %v, want a/a alone", got)
	}
}

func TestRoot(t *testing.T) {
	p, err := ParseManifest("/srv/ext/composer.json", []byte(`{"require":{"a/a":"^1.0","php":">=7.4"},"require-dev":{"t/t":"*"},"conflict":{"b/b":"<2"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req, conflict := Root("extension X", p)
	var got []string
	for _, r := range req {
		got = append(got, r.String())
	}
	for _, r := range conflict {
		got = append(got, "conflict "+r.Target+" "+r.Constraint.String()+" "+r.Pos.String()+" by "+r.By)
	}
	want := []string{
		`extension X requires a/a "^1.0" (/srv/ext/composer.json:1:13)`,
		`extension X requires php ">=7.4" (/srv/ext/composer.json:1:26)`,
		`conflict b/b <2 /srv/ext/composer.json:1:79 by extension X`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
