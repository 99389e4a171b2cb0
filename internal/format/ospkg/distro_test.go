package ospkg

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// TestDistroRelations checks each package's relations to the distribution's own mediawiki
// package: on Debian every package conflicts with it (so apt removes it before unpacking
// any of ours), and those that install at its paths (core, with mediawiki-classes' files,
// and skins) replace it; on Fedora only core conflicts, and nothing obsoletes it.
func TestDistroRelations(t *testing.T) {
	core := resolve.Component{ID: "core/mediawiki", Kind: spec.Core, Name: "mediawiki", Version: "1.39.17",
		Source: lock.Source{Kind: spec.Tarball, URL: "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"}}
	ext := resolve.Component{ID: "extension/Poem", Kind: spec.Extension, Name: "Poem", Version: "1.39.17",
		Source: lock.Source{Kind: spec.Bundled, Path: "extensions/Poem"}}
	skin := resolve.Component{ID: "skin/Vector", Kind: spec.Skin, Name: "Vector", Version: "1.39.17",
		Source: lock.Source{Kind: spec.Bundled, Path: "skins/Vector"}}
	lib := resolve.Component{ID: "library/example/lib", Kind: spec.LibraryKind, Name: "example/lib", Version: "1.0.0",
		Source: lock.Source{Kind: spec.Tarball, URL: "https://example.org/lib.zip"}}
	edition := resolve.Edition{Name: "core", Version: "1.39.17.2", Core: core.ID,
		Members: []resolve.Member{{ID: core.ID}, {ID: ext.ID}, {ID: skin.ID}}}
	byID := map[string]resolve.Component{}
	for _, c := range []resolve.Component{core, ext, skin, lib} {
		byID[c.ID] = c
	}
	type rel struct{ Conflicts, Replaces []string }
	for _, tc := range []struct {
		f    Format
		want map[string]rel
	}{
		{Deb, map[string]rel{
			"mediawiki-core":            {[]string{"mediawiki", "mediawiki-classes"}, []string{"mediawiki", "mediawiki-classes"}},
			"mediawiki-extension-poem":  {[]string{"mediawiki"}, nil},
			"mediawiki-skin-vector":     {[]string{"mediawiki"}, []string{"mediawiki"}},
			"mediawiki-lib-example-lib": {[]string{"mediawiki"}, nil},
			"mediawiki-edition-core":    {[]string{"mediawiki-edition", "mediawiki"}, []string{"mediawiki-edition"}},
		}},
		{RPM, map[string]rel{
			"mediawiki-core":            {[]string{"mediawiki"}, nil},
			"mediawiki-extension-poem":  {nil, nil},
			"mediawiki-skin-vector":     {nil, nil},
			"mediawiki-lib-example-lib": {nil, nil},
			"mediawiki-edition-core":    {[]string{"mediawiki-edition"}, nil},
		}},
	} {
		t.Run(tc.f.Name(), func(t *testing.T) {
			ps := packageSet{f: tc.f, byID: byID, core: map[string]resolve.Component{}}
			for id := range byID {
				ps.core[id] = core
			}
			got := map[string]rel{}
			for _, c := range []resolve.Component{core, ext, skin, lib} {
				p := ps.componentPackage(c, 1700000000)
				got[p.Name] = rel{p.Conflicts, p.Replaces}
			}
			p := ps.editionPackage(edition, nil, 1700000000)
			got[p.Name] = rel{p.Conflicts, p.Replaces}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("relations to the distribution's mediawiki (-want +got):\n%s", diff)
			}
		})
	}
}
