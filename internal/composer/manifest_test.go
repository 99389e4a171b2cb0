package composer

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// linkStrings renders links as "target constraint @pos" for comparison.
func linkStrings(ls []Link) []string {
	var out []string
	for _, l := range ls {
		s := l.Target + " " + l.Constraint.String()
		if l.Pos.Line != 0 {
			s += " @" + l.Pos.String()
		}
		out = append(out, s)
	}

	return out
}

// openIDConnect is OpenIDConnect's composer.json on REL1_39, abridged.
const openIDConnect = `{
	"name": "mediawiki/openidconnect",
	"type": "mediawiki-extension",
	"license": "MIT",
	"require": {
		"jumbojett/openid-connect-php": "1.0.2",
		"composer/installers": "~1.0|~2"
	},
	"require-dev": {
		"mediawiki/mediawiki-codesniffer": "39.0.0"
	},
	"extra": {
		"installer-name": "OpenIDConnect"
	}
}`

func TestParseManifest(t *testing.T) {
	type view struct {
		Name, Type, Installer, MinStab      string
		License                             []string
		Require, Platform, Replace, Provide []string
		Conflict                            []string
		Autoload                            Autoload
	}
	for _, tc := range []struct {
		name, in string
		want     view
	}{
		{"OpenIDConnect REL1_39", openIDConnect, view{
			Name: "mediawiki/openidconnect", Type: "mediawiki-extension", Installer: "OpenIDConnect",
			License: []string{"MIT"},
			Require: []string{
				"composer/installers ~1.0|~2 @/srv/x/composer.json:7:3",
				"jumbojett/openid-connect-php 1.0.2 @/srv/x/composer.json:6:3",
			},
		}},
		{"platform split, links, autoload", `{"name":"acme/lib","license":["MIT","GPL-2.0-or-later"],
"require":{"php":">=7.4","ext-curl":"*","lib-icu":">=60","composer-plugin-api":"^2.0","Acme/Other":"^1.0","php-64bit":"*"},
"replace":{"acme/old":"self.version"},"provide":{"psr/log-implementation":"1.0"},"conflict":{"acme/bad":"<1.2"},
"autoload":{"psr-4":{"Acme\\":"src/","Acme\\Two\\":["a/","b/"]},"psr-0":{"Old_":"lib/"},"classmap":["src/"],"files":["f.php"]},
"minimum-stability":"beta"}`, view{
			Name: "acme/lib", Type: "library", MinStab: "beta", License: []string{"MIT", "GPL-2.0-or-later"},
			// Columns checked by hand: each points at the key's opening quote.
			Require:  []string{"acme/other ^1.0 @/srv/x/composer.json:2:87"},
			Platform: []string{"composer-plugin-api ^2.0 @/srv/x/composer.json:2:58", "ext-curl * @/srv/x/composer.json:2:26", "lib-icu >=60 @/srv/x/composer.json:2:41", "php >=7.4 @/srv/x/composer.json:2:12", "php-64bit * @/srv/x/composer.json:2:107"},
			Replace:  []string{"acme/old dev-self.version-unknown @/srv/x/composer.json:3:12"},
			Provide:  []string{"psr/log-implementation 1.0 @/srv/x/composer.json:3:50"},
			Conflict: []string{"acme/bad <1.2 @/srv/x/composer.json:3:94"},
			Autoload: Autoload{
				PSR4:     map[string][]string{"Acme\\": {"src/"}, "Acme\\Two\\": {"a/", "b/"}},
				PSR0:     map[string][]string{"Old_": {"lib/"}},
				Classmap: []string{"src/"}, Files: []string{"f.php"},
			},
		}},
		{"PHP's empty arrays", `{"name":"a/b","require":[],"autoload":[],"extra":[]}`, view{Name: "a/b", Type: "library"}},
		{"no name (Lockdown)", `{"require-dev":{"x/y":"1"}}`, view{Type: "library"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseManifest("/srv/x/composer.json", []byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			got := view{Name: p.Name, Type: p.Type, Installer: p.InstallerName, MinStab: p.MinimumStability,
				License: p.License, Require: linkStrings(p.Require), Platform: linkStrings(p.Platform),
				Replace: linkStrings(p.Replace), Provide: linkStrings(p.Provide), Conflict: linkStrings(p.Conflict),
				Autoload: p.Autoload}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseManifestErrors(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"syntax", "{\n  \"require\": {\"a/b\": \"1\",}\n}", "/srv/x/composer.json:2:26: invalid JSON"},
		{"truncated", `{"require": {`, "/srv/x/composer.json:1:14: invalid JSON"},
		{"wrong type", "{\"require\": {\"a/b\": 1}}", `/srv/x/composer.json:1:21: require a/b: the version constraint must be a string, not 1`},
		{"bad constraint", "{\n\"require\": {\n  \"a/b\": \"^^1\"}}", `/srv/x/composer.json:3:3: require a/b: invalid version constraint "^^1"`},
		{"bad name", `{"name": "NoVendor"}`, `/srv/x/composer.json: invalid package name "NoVendor"`},
		{"bad required name", `{"require": {"novendor": "1.0"}}`, `/srv/x/composer.json:1:14: require: invalid package name "novendor"`},
		{"bad stability", `{"minimum-stability": "nightly"}`, `minimum-stability "nightly" is none of`},
		{"not an object", `[1]`, `/srv/x/composer.json:1:2: value: expected an object, found JSON array`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseManifest("/srv/x/composer.json", []byte(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestParseManifestCore(t *testing.T) {
	data, err := os.ReadFile("testdata/mediawiki-1.39.17-composer.json")
	if err != nil {
		t.Fatal(err)
	}
	p, err := ParseManifest("composer.json", data)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(p.Require); got != 48 {
		t.Errorf("core requires %d libraries, want the 48 exact pins", got)
	}
	got := linkStrings(p.Require[len(p.Require)-3:])
	want := []string{"wikimedia/wrappedstring 4.0.1 @composer.json:81:3", "wikimedia/xmp-reader 0.9.2 @composer.json:82:3", "zordius/lightncandy 1.2.6 @composer.json:83:3"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if got := linkStrings(p.Replace); len(got) == 0 || !strings.HasPrefix(got[0], "symfony/polyfill-ctype") {
		t.Errorf("replace = %v, want the polyfills core replaces", got)
	}
}

// PHP's json_decode is case-sensitive: composer reads no requirement from "Require", and
// neither may we (encoding/json alone would take it for "require").
func TestParseManifestKeysAreCaseSensitive(t *testing.T) {
	p, err := ParseManifest("/srv/x/composer.json", []byte(`{"reqUire": {"a/b": "1.0", "php": ">=7.4"}, "Autoload": {"psr-4": {"A\\": "src/"}}, "autoload": {"PSR-4": {"B\\": "lib/"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Require) != 0 || len(p.Platform) != 0 || len(p.Autoload.PSR4) != 0 {
		t.Errorf("keys in another case were read: require %v, platform %v, autoload %+v", p.Require, p.Platform, p.Autoload)
	}
}
