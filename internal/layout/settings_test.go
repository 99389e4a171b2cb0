package layout_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/layout"
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
