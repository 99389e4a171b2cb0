package resolve_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

func TestDebianRequirements(t *testing.T) {
	g := resolve.Graph{Components: []resolve.Component{
		{ID: "core/mediawiki", Systems: []spec.System{{Distro: spec.Debian, Recommends: []string{"php-apcu"}}}},
		{ID: "extension/PdfHandler", Systems: []spec.System{
			{Distro: spec.Debian, Depends: []string{"ghostscript", "poppler-utils", "imagemagick"}},
			{Distro: spec.Fedora, Depends: []string{"ImageMagick"}}}},
		{ID: "extension/Scribunto", Systems: []spec.System{{Distro: spec.Debian, Depends: []string{"lua5.1 | php-luasandbox"}, Recommends: []string{"ghostscript"}}}},
		{ID: "extension/Unused", Systems: []spec.System{{Distro: spec.Debian, Depends: []string{"unused"}}}},
		{ID: "skin/Vector"},
	}}
	for _, tc := range []struct {
		name    string
		members []string
		want    []string
	}{
		{"none declared", []string{"skin/Vector"}, nil},
		{"first alternatives, sorted, once, members only",
			[]string{"core/mediawiki", "extension/PdfHandler", "extension/Scribunto", "skin/Vector"},
			[]string{"ghostscript", "imagemagick", "lua5.1", "php-apcu", "poppler-utils"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var e resolve.Edition
			for _, m := range tc.members {
				e.Members = append(e.Members, resolve.Member{ID: m})
			}
			if diff := cmp.Diff(tc.want, e.DebianRequirements(g), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("DebianRequirements (-want +got):\n%s", diff)
			}
		})
	}
}

func TestSettingsFor(t *testing.T) {
	set := func(name, v string) spec.Setting { return spec.Setting{Name: name, Value: cty.StringVal(v)} }
	c := resolve.Component{
		Settings: []spec.Setting{set("wgA", "own"), set("wgB", "own")},
		Systems:  []spec.System{{Distro: spec.Fedora, Settings: []spec.Setting{set("wgB", "fedora"), set("wgAa", "fedora")}}},
	}
	for _, tc := range []struct {
		distro string
		want   []string
	}{
		{"", []string{"wgA=own", "wgB=own"}},
		{resolve.Distro(platform.Debian), []string{"wgA=own", "wgB=own"}},
		{resolve.Distro(platform.RPM), []string{"wgA=own", "wgAa=fedora", "wgB=fedora"}},
	} {
		var got []string
		for _, s := range c.SettingsFor(tc.distro) {
			got = append(got, s.Name+"="+s.Value.AsString())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tc.distro, diff)
		}
	}
}
