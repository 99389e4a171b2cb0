package releasediff

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/spec"
)

// comp is a lock entry for the table tests: a git component at a version, whose commit
// and tree follow from it.
func comp(id, version string, reg registration.Info) lock.Component {
	return lock.Component{ID: id, Version: version, Recipe: "sha256:r",
		Source: lock.Source{Kind: spec.Git, URL: "https://example.org/" + id, Ref: "main", Commit: "c-" + version},
		Tree:   "sha256:t-" + id + "-" + version, Registry: reg}
}

// bundled is a component of core's release at the given core sha256 and tree.
func bundled(id, version, sha, tree string) lock.Component {
	return lock.Component{ID: id, Version: version, Recipe: "sha256:r", Tree: tree,
		Source: lock.Source{Kind: spec.Bundled, SHA256: sha, Path: "extensions/" + id[len("extension/"):], Of: "core/mediawiki"}}
}

func exts(e ...string) registration.Info {
	return registration.Info{Requires: registration.Requires{PHPExtensions: e}}
}

func rel(name string, cs ...lock.Component) Release { return FromLock(name, lock.New(cs)) }

func TestCompare(t *testing.T) {
	core := comp("core/mediawiki", "1.39.17", registration.Info{Requires: registration.Requires{PHP: ">=7.4.3", PHPExtensions: []string{"ctype", "json", "xml"}}})
	core18 := comp("core/mediawiki", "1.39.18", registration.Info{Requires: registration.Requires{PHP: ">=7.4.3", PHPExtensions: []string{"ctype", "json", "xml"}}})
	schema := registration.Info{SchemaUpdates: true}
	tests := []struct {
		name     string
		old, new Release
		check    func(t *testing.T, r Report)
	}{{
		name: "identical",
		old:  rel("a", core, comp("extension/A", "1.0", exts())),
		new:  rel("b", core, comp("extension/A", "1.0", exts())),
		check: func(t *testing.T, r Report) {
			if !r.Identical {
				t.Errorf("not identical: %+v", r)
			}
			if !strings.Contains(string(r.Markdown()), "No differences") {
				t.Errorf("markdown does not say so:\n%s", r.Markdown())
			}
		},
	}, {
		name: "removed, with the packages only it needed",
		old:  rel("a", core, comp("extension/A", "1.0", exts("gmp", "xmlwriter"))),
		new:  rel("b", core),
		check: func(t *testing.T, r Report) {
			want := []Entry{{ID: "extension/A", Version: "1.0", Source: comp("extension/A", "1.0", exts()).Source, Tree: "sha256:t-extension/A-1.0"}}
			if diff := cmp.Diff(want, r.Removed); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			// xmlwriter's Debian and Fedora package is php-xml, which core still needs.
			wantExt := []ExtensionChange{{Name: "gmp", Change: ChangeRemoved, Components: []string{"extension/A"}},
				{Name: "xmlwriter", Change: ChangeRemoved, Components: []string{"extension/A"}}}
			if diff := cmp.Diff(wantExt, r.PHPExtensions); diff != "" {
				t.Errorf("PHP extensions (-want +got):\n%s", diff)
			}
			wantPkg := []PackageChange{{Family: platform.Debian, Name: "php-gmp", Change: ChangeRemoved, Components: []string{"extension/A"}},
				{Family: platform.RPM, Name: "php-gmp", Change: ChangeRemoved, Components: []string{"extension/A"}}}
			if diff := cmp.Diff(wantPkg, r.OSPackages); diff != "" {
				t.Errorf("OS packages (-want +got):\n%s", diff)
			}
		},
	}, {
		name: "an extension only Fedora splits out",
		old:  rel("a", core),
		new:  rel("b", core, comp("extension/A", "1.0", exts("posix"))),
		check: func(t *testing.T, r Report) {
			// Debian's php-posix, Fedora's php-process, as the packages depend on them.
			want := []PackageChange{{Family: platform.Debian, Name: "php-posix", Change: ChangeAdded, Components: []string{"extension/A"}},
				{Family: platform.RPM, Name: "php-process", Change: ChangeAdded, Components: []string{"extension/A"}}}
			if diff := cmp.Diff(want, r.OSPackages); diff != "" {
				t.Errorf("OS packages (-want +got):\n%s", diff)
			}
		},
	}, {
		name: "a new need for a package another component already brings is no new dependency",
		old:  rel("a", core, comp("extension/A", "1.0", exts())),
		new:  rel("b", core, comp("extension/A", "1.1", exts("dom", "json"))),
		check: func(t *testing.T, r Report) {
			want := []ExtensionChange{{Name: "dom", Change: ChangeAdded, Components: []string{"extension/A"}}}
			if diff := cmp.Diff(want, r.PHPExtensions); diff != "" {
				t.Errorf("PHP extensions (-want +got):\n%s", diff)
			}
			if len(r.OSPackages) != 0 {
				t.Errorf("OS packages %v: want none (dom is php-xml, which core needs)", r.OSPackages)
			}
		},
	}, {
		name: "PHP requirements and licences",
		old: rel("a", core, comp("extension/A", "1.0", registration.Info{License: "GPL-2.0+", Requires: registration.Requires{PHP: ">=7.2"}}),
			comp("extension/B", "1.0", registration.Info{License: "MIT"})),
		new: rel("b", core, comp("extension/A", "2.0", registration.Info{License: "GPL-2.0-or-later", Requires: registration.Requires{PHP: ">=8.1"}}),
			comp("extension/B", "1.0", registration.Info{License: "MIT"}),
			comp("extension/C", "1.0", registration.Info{License: "Apache-2.0", Requires: registration.Requires{PHP: ">=8.0"}}),
			comp("extension/D", "1.0", registration.Info{})),
		check: func(t *testing.T, r Report) {
			wantPHP := []PHPChange{{ID: "extension/A", Old: ">=7.2", New: ">=8.1"}, {ID: "extension/C", New: ">=8.0"}}
			if diff := cmp.Diff(wantPHP, r.PHP); diff != "" {
				t.Errorf("PHP (-want +got):\n%s", diff)
			}
			wantLic := []LicenseChange{{ID: "extension/A", Old: "GPL-2.0+", New: "GPL-2.0-or-later"}}
			if diff := cmp.Diff(wantLic, r.Licenses); diff != "" {
				t.Errorf("licences (-want +got):\n%s", diff)
			}
			md := string(r.Markdown())
			for _, s := range []string{"| `extension/A` | >=7.2 → >=8.1 |", "| `extension/C` | none → >=8.0 |", "| `extension/A` | GPL-2.0+ → GPL-2.0-or-later |",
				"| `extension/C` | 1.0 | git c-1.0 | Apache-2.0 |", "| `extension/D` | 1.0 | git c-1.0 | — |"} {
				if !strings.Contains(md, s) {
					t.Errorf("markdown lacks %q:\n%s", s, md)
				}
			}
		},
	}, {
		name: "schema updates: added, bumped, core; not for unchanged or schema-less ones",
		old: rel("a", core, comp("extension/Bumped", "1.0", schema), comp("extension/Same", "1.0", schema),
			comp("extension/Plain", "1.0", registration.Info{})),
		new: rel("b", core18, comp("extension/Bumped", "1.1", schema), comp("extension/Same", "1.0", schema),
			comp("extension/Plain", "1.1", registration.Info{}), comp("extension/New", "0.1", schema)),
		check: func(t *testing.T, r Report) {
			want := []SchemaUpdate{
				{ID: "core/mediawiki", Reason: SchemaCore, OldVersion: "1.39.17", NewVersion: "1.39.18"},
				{ID: "extension/Bumped", Reason: SchemaBumped, OldVersion: "1.0", NewVersion: "1.1"},
				{ID: "extension/New", Reason: SchemaAdded, NewVersion: "0.1"},
			}
			if diff := cmp.Diff(want, r.SchemaUpdates); diff != "" {
				t.Errorf("schema updates (-want +got):\n%s", diff)
			}
		},
	}, {
		name: "a moved pin at the same version is a bump; a lower version is a downgrade",
		old: rel("a", core, comp("extension/A", "1.0", exts()), comp("extension/B", "2.0", exts()), func() lock.Component {
			c := comp("extension/C", "1.0", exts())
			c.Recipe = "sha256:other" // a recipe fingerprint alone changes nothing that ships
			return c
		}()),
		new: rel("b", core, func() lock.Component {
			c := comp("extension/A", "1.0", exts())
			c.Source.Commit = "moved"
			return c
		}(), comp("extension/B", "1.9", exts()), comp("extension/C", "1.0", exts())),
		check: func(t *testing.T, r Report) {
			var got []string
			for _, b := range r.Bumped {
				got = append(got, b.ID+" "+b.Old.Source.Commit+" "+b.New.Source.Commit+" "+map[bool]string{true: "down", false: "up"}[b.Downgrade])
			}
			want := []string{"extension/A c-1.0 moved up", "extension/B c-2.0 c-1.9 down"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("bumped (-want +got):\n%s", diff)
			}
			if md := string(r.Markdown()); !strings.Contains(md, "| `extension/B` | 2.0 → 1.9 (downgrade) |") || !strings.Contains(md, "| `extension/A` | 1.0 | git c-1.0 → moved |") {
				t.Errorf("markdown:\n%s", md)
			}
		},
	}, {
		name: "a core upgrade moves only the bundled components whose bytes or version changed",
		old:  rel("a", core, bundled("extension/Same", "1.0", "old", "t1"), bundled("extension/Changed", "1.39.17", "old", "t2")),
		new:  rel("b", core18, bundled("extension/Same", "1.0", "new", "t1"), bundled("extension/Changed", "1.39.18", "new", "t3")),
		check: func(t *testing.T, r Report) {
			var got []string
			for _, b := range r.Bumped {
				got = append(got, b.ID)
			}
			if diff := cmp.Diff([]string{"core/mediawiki", "extension/Changed"}, got); diff != "" {
				t.Errorf("bumped (-want +got):\n%s", diff)
			}
			if md := string(r.Markdown()); !strings.Contains(md, "| `extension/Changed` | 1.39.17 → 1.39.18 | in core/mediawiki (sha256 old → new); tree t2 → t3 |") {
				t.Errorf("markdown:\n%s", md)
			}
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compare(tt.old, tt.new, Options{})
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r)
		})
	}
}

// manifestRelease is a build manifest with editions, as FromManifest reads it.
func manifestRelease(t *testing.T, name string, comps []build.ManifestComponent, eds map[string][]string) Release {
	t.Helper()
	m := build.Manifest{Format: manifestFormat, Components: comps}
	for _, n := range []string{"core", "big"} {
		if ids, ok := eds[n]; ok {
			me := build.ManifestEdition{Name: n, Version: "1." + n}
			for _, id := range ids {
				me.Members = append(me.Members, build.Member{ID: id, Reason: "listed"})
			}
			m.Editions = append(m.Editions, me)
		}
	}
	r, err := FromManifest(name, m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestEditions(t *testing.T) {
	mc := func(id, v string, deb ...string) build.ManifestComponent {
		c := build.ManifestComponent{ID: id, Version: v, Tree: "sha256:" + id + v, Source: lock.Source{Kind: spec.Dir, Path: id}}
		if len(deb) > 0 {
			c.OSDeps = map[string][]string{"debian": deb}
		}
		return c
	}
	old := manifestRelease(t, "old/manifest.json",
		[]build.ManifestComponent{mc("core/mediawiki", "1"), mc("extension/A", "1"), mc("extension/B", "1", "php-gmp")},
		map[string][]string{"core": {"core/mediawiki", "extension/A"}, "big": {"core/mediawiki", "extension/A", "extension/B"}})
	new := manifestRelease(t, "new/manifest.json",
		[]build.ManifestComponent{mc("core/mediawiki", "1"), mc("extension/A", "2"), mc("extension/B", "1", "php-gmp")},
		map[string][]string{"core": {"core/mediawiki", "extension/A", "extension/B"}})

	t.Run("whole release", func(t *testing.T) {
		r, err := Compare(old, new, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := []EditionChange{
			{Name: "big", Change: ChangeRemoved, OldVersion: "1.big", Added: []string{}, Removed: []string{"core/mediawiki", "extension/A", "extension/B"}},
			{Name: "core", Change: ChangeChanged, OldVersion: "1.core", NewVersion: "1.core", Added: []string{"extension/B"}, Removed: []string{}},
		}
		if diff := cmp.Diff(want, r.Editions); diff != "" {
			t.Errorf("editions (-want +got):\n%s", diff)
		}
		if len(r.OSPackages) != 0 || len(r.Added) != 0 {
			t.Errorf("the release as a whole gained nothing, got packages %v, added %v", r.OSPackages, r.Added)
		}
		// A manifest does not record PHP requirements nor Debian bases: say so rather than
		// report none.
		if len(r.Notes) != 3 || !strings.Contains(r.Notes[2], "old/manifest.json and new/manifest.json are build manifests") || !strings.Contains(r.Notes[0], "old/manifest.json is a build manifest") {
			t.Errorf("notes %q", r.Notes)
		}
	})
	t.Run("one edition", func(t *testing.T) {
		r, err := Compare(old, new, Options{Edition: "core"})
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, e := range r.Added {
			got = append(got, "added "+e.ID)
		}
		for _, b := range r.Bumped {
			got = append(got, "bumped "+b.ID)
		}
		for _, p := range r.OSPackages {
			got = append(got, p.Change+" "+p.Name)
		}
		// B joins the core edition, bringing php-gmp to it, though the release had both.
		want := []string{"added extension/B", "bumped extension/A", "added php-gmp"}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("core edition (-want +got):\n%s", diff)
		}
		if !strings.Contains(string(r.Markdown()), "Edition `core` only.") {
			t.Errorf("markdown does not name the edition:\n%s", r.Markdown())
		}
	})
	t.Run("an edition one side lacks", func(t *testing.T) {
		r, err := Compare(old, new, Options{Edition: "big"})
		if err != nil {
			t.Fatal(err)
		}
		if len(r.Removed) != 3 || r.Editions[0].Change != ChangeRemoved {
			t.Errorf("removed %v, editions %v: want all three members removed with the edition", r.Removed, r.Editions)
		}
	})
	errs := []struct {
		name     string
		old, new Release
		edition  string
		want     string
	}{
		{"no such edition", old, new, "nope", "--edition nope: neither old/manifest.json nor new/manifest.json has an edition of that name"},
		{"a lock says nothing of editions", rel("x.lock"), new, "core", "--edition core: x.lock is a lock, which does not say which components each edition has; give a project directory"},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Compare(tt.old, tt.new, Options{Edition: tt.edition})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestMarkdownPieces(t *testing.T) {
	tests := []struct{ got, want string }{
		{code("a`b"), "``a`b``"},
		{code("`x"), "`` `x ``"},
		{short("sha256:0123456789abcdef0123"), "0123456789ab"},
		{short("abc"), "abc"},
		{describe(lock.Source{Kind: spec.Bundled, SHA256: "2c5853d034d0c3e7", Of: "core/mediawiki"}, ""), "in core/mediawiki (sha256 2c5853d034d0)"},
		{describe(lock.Source{Kind: spec.Tarball, SHA256: "2c5853d034d0c3e7"}, ""), "tarball sha256 2c5853d034d0"},
		{describe(lock.Source{Kind: spec.Dir, Path: "../local/X"}, "sha256:feedfacefeedface"), "dir ../local/X (tree feedfacefeed)"},
		{count(1, "component"), "1 component"},
		{count(3, "component needs", "components need"), "3 components need"},
	}
	for i, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%d: got %q, want %q", i, tt.got, tt.want)
		}
	}
	var b bytes.Buffer
	row(&b, "a|b", "c\nd")
	if got, want := b.String(), "| a\\|b | c d |\n"; got != want {
		t.Errorf("row: got %q, want %q", got, want)
	}
}
