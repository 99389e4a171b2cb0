package ospkg

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
)

func TestWithMerged(t *testing.T) {
	type rels struct{ Breaks, Replaces []string }
	for _, tc := range []struct {
		name    string
		fam     platform.Family
		version string
		want    rels
	}{
		{"1.39 holds no extension", platform.Debian, "1.39.17", rels{}},
		{"1.43 on Debian", platform.Debian, "1.43.9", rels{
			Breaks:   []string{"mediawiki-extension-renameuser (<< 1.40~)"},
			Replaces: []string{"mediawiki-extension-renameuser (<< 1.40~)"}}},
		{"1.40 itself", platform.Debian, "1.40.0", rels{
			Breaks:   []string{"mediawiki-extension-renameuser (<< 1.40~)"},
			Replaces: []string{"mediawiki-extension-renameuser (<< 1.40~)"}}},
		{"1.43 on RPM obsoletes", platform.RPM, "1.43.9", rels{Replaces: []string{"mediawiki-extension-renameuser < 1.40~"}}},
		{"a version that does not parse changes nothing", platform.Debian, "", rels{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := withMerged(tc.fam, pack.Package{}, resolve.Component{Version: tc.version})
			if d := cmp.Diff(tc.want, rels{p.Breaks, p.Replaces}); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
		})
	}
}
