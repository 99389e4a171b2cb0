package registration

import (
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"
)

func TestMissingModuleFiles(t *testing.T) {
	tree := fstest.MapFS{
		"modules/a.js":          {},
		"modules/b.css":         {},
		"modules/main.js":       {},
		"resources/skin.less":   {},
		"resources/print.css":   {},
		"modules/mathjax/x.txt": {},
	}
	for _, tc := range []struct {
		name, manifest string
		want           []string
	}{
		{"all there", `{"ResourceFileModulePaths": {"localBasePath": "modules"}, "ResourceModules": {
			"m": {"scripts": ["a.js"], "styles": "b.css", "packageFiles": ["main.js", {"name": "data.json", "callback": "X::data"}, {"name": "c.json", "config": ["wgX"]}]}}}`, nil},
		{"Math without its MathJax", `{"ResourceModules": {
			"ext.math.mathjax": {"localBasePath": "modules", "scripts": ["mathjax/es5/tex-chtml.js"]},
			"ext.math.styles": {"localBasePath": "modules", "styles": ["b.css"]}}}`,
			[]string{"ext.math.mathjax: modules/mathjax/es5/tex-chtml.js"}},
		{"styles keyed by file, and by number", `{"ResourceFileModulePaths": {"localBasePath": ""}, "ResourceModules": {
			"skins.x": {"styles": {"resources/skin.less": {"media": "screen"}, "0": "resources/print.css", "1": "resources/gone.css"}}}}`,
			[]string{"skins.x: resources/gone.css"}},
		{"packageFiles by file", `{"ResourceModules": {"m": {"localBasePath": "modules", "packageFiles": [{"name": "n.js", "file": "nope.js"}]}}}`,
			[]string{"m: modules/nope.js"}},
		{"outside the component is not its business", `{"ResourceModules": {"m": {"localBasePath": "../other", "scripts": ["z.js"]}}}`, nil},
		{"no modules", `{"name": "X"}`, nil},
		{"not JSON of that shape", `{"ResourceModules": []}`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if d := cmp.Diff(tc.want, missingModuleFiles(tree, []byte(tc.manifest))); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
