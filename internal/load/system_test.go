package load_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/spec"
)

// TestSystem checks that system blocks and a recipe's settings are read into the
// component: requirements in a canonical spelling, blocks sorted by distribution, keyed
// settings kept as written.
func TestSystem(t *testing.T) {
	core := `core "mediawiki" {
  version = "1.39.17"
  source "git" {
    url = "https://example.org/core.git"
    ref = "main"
  }
`
	for _, tc := range []struct {
		name, body   string
		systems      []spec.System
		settingNames []string
	}{
		{name: "none", body: "}\n"},
		{
			name: "both distributions, alternatives respaced",
			body: `  system "fedora" { depends = ["compat-lua|lua"] }
  system "debian" {
    depends    = ["lua5.1"]
    recommends = ["php-luasandbox  |lua5.2", "php-apcu"]
  }
}
`,
			systems: []spec.System{
				{Distro: "debian", Depends: []string{"lua5.1"}, Recommends: []string{"php-luasandbox | lua5.2", "php-apcu"}},
				{Distro: "fedora", Depends: []string{"compat-lua | lua"}},
			},
		},
		{
			name: "keyed settings and a distribution's own",
			body: `  settings = {
    wgPygmentizePath             = "/usr/bin/pygmentize"
    "wgDefaultUserOptions[math]" = "source"
  }
  system "fedora" { settings = { wgPygmentizePath = "/usr/local/bin/pygmentize" } }
}
`,
			systems:      []spec.System{{Distro: "fedora"}},
			settingNames: []string{"wgDefaultUserOptions[math]", "wgPygmentizePath"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			set, _, diags := load.Sources([]load.Source{{Name: "recipes/core.hcl", Bytes: []byte(core + tc.body)}}, mapFS{})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			c, ok := set.Component("core/mediawiki")
			if !ok {
				t.Fatal("no core")
			}
			opts := cmp.Options{cmpopts.IgnoreTypes(hcl.Range{}), cmpopts.IgnoreFields(spec.System{}, "Settings"), cmpopts.EquateEmpty()}
			if diff := cmp.Diff(tc.systems, c.Systems, opts); diff != "" {
				t.Errorf("systems (-want +got):\n%s", diff)
			}
			var names []string
			for _, s := range c.Settings {
				names = append(names, s.Name)
			}
			if diff := cmp.Diff(tc.settingNames, names, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestSettingVariable checks how a setting's name splits into its variable and keys.
func TestSettingVariable(t *testing.T) {
	for _, tc := range []struct {
		name, variable string
		keys           []string
	}{
		{"wgEnableUploads", "wgEnableUploads", nil},
		{"wgDefaultUserOptions[math]", "wgDefaultUserOptions", []string{"math"}},
		{"wgGroupPermissions[*][edit]", "wgGroupPermissions", []string{"*", "edit"}},
	} {
		s := spec.Setting{Name: tc.name, Value: cty.True}
		if diff := cmp.Diff([]any{tc.variable, tc.keys}, []any{s.Variable(), s.Keys()}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tc.name, diff)
		}
	}
}
