package layout_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/layout"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

func setting(name string, v cty.Value) spec.Setting { return spec.Setting{Name: name, Value: v} }

// TestRenderSettingsRecipes checks that the members' recipe settings come before the
// edition's own (which may override them), that a distribution's system block replaces
// the recipe's setting of the same name, and that a keyed name assigns one element.
func TestRenderSettingsRecipes(t *testing.T) {
	lua := func(p string) cty.Value {
		return cty.ObjectVal(map[string]cty.Value{"luastandalone": cty.ObjectVal(map[string]cty.Value{"luaPath": cty.StringVal(p)})})
	}
	g := resolve.Graph{Components: []resolve.Component{
		{ID: "core/mediawiki", Kind: spec.Core, Name: "mediawiki", Version: "1.39.17",
			Settings: []spec.Setting{setting("wgDefaultUserOptions[math]", cty.StringVal("source"))}},
		{ID: "extension/Scribunto", Kind: spec.Extension, Name: "Scribunto",
			Settings: []spec.Setting{setting("wgScribuntoEngineConf", lua("/usr/bin/lua5.1"))},
			Systems: []spec.System{{Distro: spec.Fedora, Depends: []string{"compat-lua"},
				Settings: []spec.Setting{setting("wgScribuntoEngineConf", lua("/usr/bin/lua-5.1"))}}}},
	}}
	e := resolve.Edition{Name: "kb", Version: "1", Core: "core/mediawiki", Extensions: []string{"Scribunto"},
		Members:  []resolve.Member{{ID: "core/mediawiki"}, {ID: "extension/Scribunto"}},
		Settings: []spec.Setting{setting("wgGroupPermissions[*][edit]", cty.False)}}
	tail := func(luaPath string) string {
		return `# core/mediawiki: its system packages.
$wgDefaultUserOptions['math'] = 'source';
# extension/Scribunto: its system packages.
$wgScribuntoEngineConf = [
	'luastandalone' => [
		'luaPath' => '` + luaPath + `',
	],
];
$wgGroupPermissions['*']['edit'] = false;
`
	}
	for _, tc := range []struct{ distro, want string }{
		{"", tail("/usr/bin/lua5.1")},
		{spec.Debian, tail("/usr/bin/lua5.1")},
		{spec.Fedora, tail("/usr/bin/lua-5.1")},
	} {
		t.Run("distro="+tc.distro, func(t *testing.T) {
			b, err := layout.RenderSettingsFor(e, g, tc.distro)
			if err != nil {
				t.Fatal(err)
			}
			_, got, ok := strings.Cut(string(b), "] );\n")
			if !ok {
				t.Fatalf("no wfLoadExtensions in\n%s", b)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("settings (-want +got):\n%s", diff)
			}
		})
	}
}

// TestPlatformSettings checks that core's package ships the distributor's defaults where
// MediaWiki's installer looks for them (includes/PlatformSettings.php beside includes/installer),
// as a plain file dpkg replaces on upgrade, and that they load no extension.
func TestPlatformSettings(t *testing.T) {
	for _, fam := range []platform.Family{platform.Debian, platform.RPM} {
		var got []pack.File
		for _, f := range layout.CoreExtra(fam) {
			if strings.HasSuffix(f.Path, "/PlatformSettings.php") {
				got = append(got, f)
			}
		}
		want := []pack.File{{Path: "/usr/share/mediawiki/includes/PlatformSettings.php", Type: fstree.File, Content: []byte(layout.PlatformSettings)}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: PlatformSettings.php (-want +got):\n%s", fam, diff)
		}
	}
	if !strings.HasPrefix(layout.PlatformSettings, "<?php\n") || strings.Contains(layout.PlatformSettings, "wfLoad") {
		t.Errorf("PlatformSettings is not PHP, or loads an extension:\n%s", layout.PlatformSettings)
	}
}
