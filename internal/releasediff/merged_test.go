package releasediff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestMergedIntoCore(t *testing.T) {
	old := Release{Name: "1.39", Components: []Component{
		{ID: "core/mediawiki", Version: "1.39.17+p4"},
		{ID: "extension/Nuke", Version: "1.39.17"},
		{ID: "extension/Renameuser", Version: "1.39.17"},
	}}
	for _, tc := range []struct {
		name, core string
		want       map[string]string // removed ID -> MergedIntoCore
	}{
		{"onto 1.43", "1.43.9+p1", map[string]string{"extension/Nuke": "", "extension/Renameuser": "1.40"}},
		{"onto 1.39 still", "1.39.18", map[string]string{"extension/Nuke": "", "extension/Renameuser": ""}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			next := Release{Name: "next", Components: []Component{{ID: "core/mediawiki", Version: tc.core}}}
			r, err := Compare(old, next, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, e := range r.Removed {
				got[e.ID] = e.MergedIntoCore
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("removed (-want +got):\n%s", d)
			}
			var b bytes.Buffer
			r.writeComponents(&b)
			if merged := tc.want["extension/Renameuser"] != ""; merged != strings.Contains(b.String(), "part of core since 1.40") {
				t.Errorf("notes say part of core = %v, want %v:\n%s", !merged, merged, b.String())
			}
		})
	}
}
