package releasediff

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// locked is a library of the lock at a version, its dist pinned by sha.
func locked(name, version, sha string, licenses ...string) lock.Library {
	return lock.Library{Name: name, Version: version, Type: "library", Licenses: licenses, Repository: "satis",
		Source: lock.LibrarySource{Type: "zip", URL: "https://composer.example.org/dist/" + name + "-" + version + ".zip", SHA256: sha},
		Tree:   "sha256:tree-" + sha, Time: 1700000000, Files: 3, Bytes: 300}
}

// libLock is a lock whose one edition ships every library given.
func libLock(cs []lock.Component, libs ...lock.Library) lock.File {
	ed := lock.Edition{Name: "enterprise", Version: "1.0"}
	for _, c := range cs {
		ed.Members = append(ed.Members, c.ID)
	}
	for _, l := range libs {
		ed.Libraries = append(ed.Libraries, l.Name)
	}
	return lock.New(cs).WithEditions([]lock.Edition{ed}).WithLibraries(libs)
}

func tarballPin(version, sha string, license string) *LibraryPin {
	return &LibraryPin{Version: version, License: license, Tree: "sha256:tree-" + sha,
		Source: lock.Source{Kind: spec.Tarball, URL: "https://composer.example.org/dist/acme/lib-" + version + ".zip", SHA256: sha}}
}

func TestCompareLibraries(t *testing.T) {
	core := comp("core/mediawiki", "1.39.17", exts("json"))
	oidc := comp("extension/OpenIDConnect", "7.0.0", exts())
	plugin := locked("composer/installers", "v2.3.0", "p1", "MIT")
	plugin.Plugin, plugin.Tree = true, ""
	plugin2 := plugin
	plugin2.Version, plugin2.Source.SHA256 = "v2.3.1", "p2"
	tests := []struct {
		name     string
		old, new lock.File
		want     []LibraryChange
	}{{
		name: "added with the extension that needs it",
		old:  libLock([]lock.Component{core}),
		new:  libLock([]lock.Component{core, oidc}, locked("acme/lib", "1.0.2", "a1", "MIT")),
		want: []LibraryChange{{Name: "acme/lib", Change: ChangeAdded, New: tarballPin("1.0.2", "a1", "MIT")}},
	}, {
		name: "removed",
		old:  libLock([]lock.Component{core}, locked("acme/lib", "1.0.2", "a1", "MIT", "GPL-2.0-or-later")),
		new:  libLock([]lock.Component{core}),
		want: []LibraryChange{{Name: "acme/lib", Change: ChangeRemoved, Old: tarballPin("1.0.2", "a1", "MIT OR GPL-2.0-or-later")}},
	}, {
		name: "bumped, a downgrade",
		old:  libLock([]lock.Component{core}, locked("acme/lib", "v1.10.0", "a1", "MIT")),
		new:  libLock([]lock.Component{core}, locked("acme/lib", "v1.9.0", "a2", "MIT")),
		want: []LibraryChange{{Name: "acme/lib", Change: ChangeBumped, Downgrade: true,
			Old: tarballPin("v1.10.0", "a1", "MIT"), New: tarballPin("v1.9.0", "a2", "MIT")}},
	}, {
		name: "the same version with another archive is changed",
		old:  libLock([]lock.Component{core}, locked("acme/lib", "1.0.2", "a1", "MIT")),
		new:  libLock([]lock.Component{core}, locked("acme/lib", "1.0.2", "a2", "MIT")),
		want: []LibraryChange{{Name: "acme/lib", Change: ChangeReplaced,
			Old: tarballPin("1.0.2", "a1", "MIT"), New: tarballPin("1.0.2", "a2", "MIT")}},
	}, {
		name: "the same archive under another licence is changed",
		old:  libLock([]lock.Component{core}, locked("acme/lib", "1.0.2", "a1", "MIT")),
		new:  libLock([]lock.Component{core}, locked("acme/lib", "1.0.2", "a1", "BSD-3-Clause")),
		want: []LibraryChange{{Name: "acme/lib", Change: ChangeReplaced,
			Old: tarballPin("1.0.2", "a1", "MIT"), New: tarballPin("1.0.2", "a1", "BSD-3-Clause")}},
	}, {
		name: "a plugin is never shipped, so never reported",
		old:  libLock([]lock.Component{core}, plugin),
		new:  libLock([]lock.Component{core}, plugin2),
		want: []LibraryChange{},
	}, {
		name: "a library no edition names is not shipped",
		old:  libLock([]lock.Component{core}),
		new: func() lock.File {
			f := libLock([]lock.Component{core}, locked("acme/lib", "1.0.2", "a1", "MIT"))
			f.Editions[0].Libraries = nil
			return f
		}(),
		want: []LibraryChange{},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Compare(FromLock("old", tt.old), FromLock("new", tt.new), Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, r.Libraries); diff != "" {
				t.Errorf("libraries (-want +got):\n%s", diff)
			}
			for _, id := range append(append(idsOf(r.Added), idsOf(r.Removed)...), bumpIDs(r.Bumped)...) {
				if strings.HasPrefix(id, "library/") {
					t.Errorf("library %s is reported among the components too", id)
				}
			}
			if r.Identical != (len(tt.want) == 0 && len(r.Added)+len(r.Removed) == 0) {
				t.Errorf("identical = %v with libraries %v", r.Identical, r.Libraries)
			}
		})
	}
}

func idsOf(es []Entry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func bumpIDs(bs []Bump) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.ID)
	}
	return out
}

// A build manifest lists each library as a component of kind library and as a member of
// its editions: diff reports it once, as a library, with the same pin a lock gives, and an
// --edition comparison keeps the edition's libraries.
func TestLibrariesOfAManifest(t *testing.T) {
	core := comp("core/mediawiki", "1.39.17", exts("json"))
	oldLock := libLock([]lock.Component{core}, locked("acme/lib", "1.0.2", "a1", "MIT"))
	newLock := libLock([]lock.Component{core}, locked("acme/lib", "1.1.0", "a2", "MIT"))
	manifest := func(f lock.File) Release {
		m := build.Manifest{Format: manifestFormat}
		ed := build.ManifestEdition{Name: "enterprise", Version: "1.0"}
		for _, c := range FromLock("x", f).Components {
			m.Components = append(m.Components, build.ManifestComponent{ID: c.ID, Version: c.Version, Tree: c.Tree, Source: c.Source, License: c.License})
			ed.Members = append(ed.Members, build.Member{ID: c.ID})
		}
		m.Editions = []build.ManifestEdition{ed}
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		r, err := Parse("manifest.json", b)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	fromLocks, err := Compare(FromLock("old", oldLock), FromLock("new", newLock), Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range []Options{{}, {Edition: "enterprise"}} {
		fromManifests, err := Compare(manifest(oldLock), manifest(newLock), o)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(fromLocks.Libraries, fromManifests.Libraries); diff != "" {
			t.Errorf("%+v: libraries of the manifests (-locks +manifests):\n%s", o, diff)
		}
		if len(fromManifests.Added)+len(fromManifests.Removed)+len(fromManifests.Bumped) != 0 {
			t.Errorf("%+v: components added %v, removed %v, bumped %v: want none", o, fromManifests.Added, fromManifests.Removed, fromManifests.Bumped)
		}
	}
}

// Two locks of an OpenIDConnect edition whose libraries moved in every way: bumped,
// added, removed, and one replaced under the same version, while the plugin composer/installers
// moved too and is not reported. No component moved.
func TestGoldenLibraries(t *testing.T) {
	rep, err := Compare(readRelease(t, "testdata/libs-old.lock"), readRelease(t, "testdata/libs-new.lock"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/libs.md.golden", rep.Markdown())
	golden(t, "testdata/libs.json.golden", append(js, '\n'))
	var got []string
	for _, l := range rep.Libraries {
		got = append(got, l.Change+" "+l.Name)
	}
	want := []string{"removed firebase/php-jwt", "bumped jumbojett/openid-connect-php", "added paragonie/constant_time_encoding",
		"changed paragonie/random_compat", "bumped phpseclib/phpseclib"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("libraries (-want +got):\n%s", diff)
	}
	if len(rep.Added)+len(rep.Removed)+len(rep.Bumped) != 0 {
		t.Errorf("components added %v, removed %v, bumped %v: want none", rep.Added, rep.Removed, rep.Bumped)
	}
}
