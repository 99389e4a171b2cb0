package releasediff

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/registration"
)

func TestLabel(t *testing.T) {
	eds := func(nv ...string) map[string]Edition {
		m := map[string]Edition{}
		for i := 0; i < len(nv); i += 2 {
			m[nv[i]] = Edition{Name: nv[i], Version: nv[i+1]}
		}
		return m
	}
	for _, tc := range []struct {
		name string
		r    Release
		want string
	}{
		{"a lock alone", Release{Name: "/srv/release/old.lock"}, "/srv/release/old.lock"},
		{"one version", Release{Name: "/srv/project", Editions: eds("core", "1.39.17.1", "enterprise", "1.39.17.1")}, "1.39.17.1"},
		{"versions differ", Release{Name: "out/manifest.json", Editions: eds("enterprise", "2.0", "core", "1.39.17.1")}, "core 1.39.17.1, enterprise 2.0"},
		{"a revision", Release{Name: "git:v1", Revision: "v1.39.17.1"}, "v1.39.17.1"},
		{"versions and revision", Release{Name: ".", Editions: eds("core", "1.39.17.2"), Revision: "v1.39.17.1-2-g3f2a9c1-dirty"}, "1.39.17.2 (v1.39.17.1-2-g3f2a9c1-dirty)"},
		{"no editions", Release{Name: "/srv/project", Editions: map[string]Edition{}}, "/srv/project"},
	} {
		if got := tc.r.Label(); got != tc.want {
			t.Errorf("%s: Label() = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// The heading names releases by version; a component with tables that goes, from the
// release or from one edition, is listed with what an administrator does about its tables.
func TestTablesLeftBehind(t *testing.T) {
	schema := registration.Info{SchemaUpdates: true}
	core := comp("core/mediawiki", "1.39.17", schema)
	smw, cargo, nuke := comp("extension/SemanticMediaWiki", "4.1.0", schema), comp("extension/Cargo", "3.4", schema), comp("extension/Nuke", "1.0", registration.Info{})
	withEditions := func(name string, r Release, eds ...Edition) Release {
		r.Editions = map[string]Edition{}
		for _, e := range eds {
			r.Editions[e.Name] = e
		}
		return r
	}
	old := withEditions("old", rel("/srv/a", core, smw, cargo, nuke),
		Edition{Name: "core", Version: "1.0", Members: []string{"core/mediawiki", "extension/Cargo"}},
		Edition{Name: "kb", Version: "1.0", Members: []string{"core/mediawiki", "extension/Cargo", "extension/Nuke", "extension/SemanticMediaWiki"}})
	new := withEditions("new", rel("/srv/b", core, cargo),
		Edition{Name: "core", Version: "1.1", Members: []string{"core/mediawiki"}},
		Edition{Name: "kb", Version: "1.1", Members: []string{"core/mediawiki", "extension/Cargo"}})
	r, err := Compare(old, new, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []LeftBehind{
		{ID: "extension/Cargo", Version: "3.4", Editions: []string{"core"}},
		{ID: "extension/SemanticMediaWiki", Version: "4.1.0", Editions: []string{}},
	}
	if diff := cmp.Diff(want, r.TablesLeftBehind); diff != "" {
		t.Errorf("tables left behind (-want +got):\n%s", diff)
	}
	md := string(r.Markdown())
	for _, s := range []string{
		"## Changes from 1.0 to 1.1\n",
		"2 components removed", // Nuke (no tables) and SemanticMediaWiki; Cargo stays in kb
		"2 removed components leave database tables behind.",
		"### Database tables left behind\n\nRemoving an extension does not drop its tables",
		"back up the database and drop them by hand",
		"- `extension/Cargo` 3.4: removed from edition `core`\n",
		"- `extension/SemanticMediaWiki` 4.1.0: removed\n",
	} {
		if !strings.Contains(md, s) {
			t.Errorf("markdown lacks %q:\n%s", s, md)
		}
	}
	if strings.Contains(md, "Nuke` 1.0: removed") || strings.Contains(md, "/srv/") {
		t.Errorf("markdown names Nuke's tables or a directory:\n%s", md)
	}

	// One edition's view: kb lost SemanticMediaWiki, and nothing else.
	r, err = Compare(old, new, Options{Edition: "kb"})
	if err != nil {
		t.Fatal(err)
	}
	want = []LeftBehind{{ID: "extension/SemanticMediaWiki", Version: "4.1.0", Editions: []string{}}}
	if diff := cmp.Diff(want, r.TablesLeftBehind); diff != "" || r.OldRelease != "1.0" || r.NewRelease != "1.1" {
		t.Errorf("--edition kb: releases %q → %q; tables left behind (-want +got):\n%s", r.OldRelease, r.NewRelease, diff)
	}
}
