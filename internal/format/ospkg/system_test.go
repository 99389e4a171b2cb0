package ospkg

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// TestSystemRelations checks that a recipe's system packages become the package's Depends
// and Recommends in each family's words: Debian's own names and "a | b", Fedora's names
// and RPM's rich "(a or b)".
func TestSystemRelations(t *testing.T) {
	c := resolve.Component{ID: "extension/Scribunto", Kind: spec.Extension, Name: "Scribunto", Version: "1.39.17",
		Info:   registration.Info{Name: "Scribunto", Requires: registration.Requires{MediaWiki: ">= 1.39.0"}},
		Source: lock.Source{Kind: spec.Bundled, Path: "extensions/Scribunto", SHA256: "ab12"},
		Systems: []spec.System{
			{Distro: spec.Debian, Depends: []string{"lua5.1 | php-luasandbox"}, Recommends: []string{"python3-pygments"}},
			{Distro: spec.Fedora, Depends: []string{"compat-lua | lua", "ImageMagick"}, Recommends: []string{"python3-pygments"}},
		}}
	core := resolve.Component{ID: "core/mediawiki", Kind: spec.Core, Name: "mediawiki", Version: "1.39.17"}
	for _, tc := range []struct {
		f                   Format
		depends, recommends []string
	}{
		{Deb, []string{"mediawiki-core (>= 1.39~)", "lua5.1 | php-luasandbox"}, []string{"python3-pygments"}},
		{RPM, []string{"mediawiki-core >= 1.39~", "(compat-lua or lua)", "ImageMagick"}, []string{"python3-pygments"}},
	} {
		t.Run(tc.f.Name(), func(t *testing.T) {
			ps := packageSet{f: tc.f, byID: map[string]resolve.Component{c.ID: c, core.ID: core}, core: map[string]resolve.Component{c.ID: core}}
			p := ps.componentPackage(c, 1700000000)
			if diff := cmp.Diff(tc.depends, p.Depends, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Depends (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.recommends, p.Recommends, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("Recommends (-want +got):\n%s", diff)
			}
		})
	}
	if got := systemRelations(platform.RPM, nil); len(got) != 0 {
		t.Errorf("no requirements gave %q", got)
	}
}
