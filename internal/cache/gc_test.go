package cache_test

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/fstree"
)

func TestEntryOf(t *testing.T) {
	key := strings.Repeat("ab", 32)
	for _, tc := range []struct{ rel, want string }{
		{"blobs/sha256/" + key, "blobs/sha256/" + key},
		{"src/tarball-" + key + "/mediawiki-1.39.17/index.php", "src/tarball-" + key},
		{"src/dir-x", "src/dir-x"},
		{"trees/" + key + ".tree", "trees/" + key + ".tree"},
		{"git/0123.git/objects/pack/x.pack", "git/0123.git"},
		{"urls/" + key, "urls/" + key},
		{"actions/ab/" + key, "actions/ab/" + key},
		{"tmp/blob-1", ""},
		{"src", ""},
		{"src/", ""},
		{"blobs/sha256", ""},
		{"elsewhere/x", ""},
	} {
		if got := cache.EntryOf(tc.rel); got != tc.want {
			t.Errorf("EntryOf(%q) = %q, want %q", tc.rel, got, tc.want)
		}
	}
}

// A store remembers what it found, wrote or gave a path into, and nothing it only missed.
func TestUsed(t *testing.T) {
	s := open(t)
	blob, err := s.PutBytes([]byte("a package\n"))
	if err != nil {
		t.Fatal(err)
	}
	if s.HasBlob(strings.Repeat("0", 64)) || s.HasSrc("tarball-"+strings.Repeat("0", 64)) || s.HasTree("sha256:"+strings.Repeat("0", 64)) {
		t.Fatal("an empty store has something")
	}
	srcID := "dir-" + strings.Repeat("1", 64)
	if err := s.PutSrc(srcID, func(dir string) error { return os.WriteFile(filepath.Join(dir, "f"), []byte("f\n"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	tr := sampleTree(t)
	if err := s.PutTree(tr); err != nil {
		t.Fatal(err)
	}
	s.GitDir("https://example.org/x.git")
	if _, ok := s.URLBlob("https://example.org/never.sig"); ok {
		t.Fatal("an unrecorded URL gives a blob")
	}
	want := []string{"blobs/sha256/" + blob, cache.GitRel("https://example.org/x.git"), "src/" + srcID, cache.TreeRel(tr.Digest())}
	if diff := cmp.Diff(want, s.Used()); diff != "" {
		t.Errorf("Used (-want +got):\n%s", diff)
	}
	// Another Store on the same directory has used nothing yet; a lookup is a use.
	s2, err := cache.Open(s.Root())
	if err != nil {
		t.Fatal(err)
	}
	if got := s2.Used(); len(got) != 0 {
		t.Errorf("a fresh Store used %v", got)
	}
	s2.Path("src/" + srcID + "/f")
	if diff := cmp.Diff([]string{"src/" + srcID}, s2.Used()); diff != "" {
		t.Errorf("Used after Path (-want +got):\n%s", diff)
	}
}

func TestBuildRecords(t *testing.T) {
	s := open(t)
	t0 := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	var names []string
	for i, proj := range []string{"/srv/a", "/srv/b", "/srv/c"} {
		r, err := s.RecordBuild(cache.BuildRecord{Started: t0, Finished: t0.Add(time.Duration(i) * time.Minute), Project: proj, OK: true,
			Actions: []cache.ActionUse{{Key: "b", Kind: "k"}, {Key: "a", Kind: "k"}, {Key: "b", Kind: "k"}},
			Entries: []string{"z", "y", "z"}})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, r.Name)
	}
	checkTmpEmpty(t, s)
	got, err := s.Builds()
	if err != nil {
		t.Fatal(err)
	}
	var projects []string
	for _, r := range got {
		projects = append(projects, r.Project)
	}
	if diff := cmp.Diff([]string{"/srv/c", "/srv/b", "/srv/a"}, projects); diff != "" {
		t.Errorf("builds, newest first (-want +got):\n%s", diff)
	}
	want := []cache.ActionUse{{Key: "a", Kind: "k"}, {Key: "b", Kind: "k"}}
	if diff := cmp.Diff(want, got[0].Actions); diff != "" {
		t.Errorf("actions, sorted and unique (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"y", "z"}, got[0].Entries); diff != "" {
		t.Errorf("entries, sorted and unique (-want +got):\n%s", diff)
	}
	if got[0].Name != names[2] {
		t.Errorf("name %q, want %q", got[0].Name, names[2])
	}

	// A damaged record is an error naming it, not a record gc could guess at.
	bad := filepath.Join(s.Root(), "builds", names[1])
	if err := os.WriteFile(bad, []byte(`{"format":"mwedition-build-record-v1","actions":`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Builds(); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("Builds with a damaged record: %v, want an error naming %s", err, bad)
	}
}

// fixture is a store holding what builds leave behind, in miniature.
type fixture struct {
	s *cache.Store
	// download: a release tarball, unpacked as src/tarball-<sha>; sig: its signature, by
	// URL; oldDownload: a release no longer locked, unpacked too.
	download, sig, oldDownload string
	tree                       string // a component's listing: files in src/tarball-<download> and a settings blob
	settings                   string
	deb, oldDeb                string // packages made by a pack.deb action, new and old
	manifest, layer, config    string // an image: its manifest names the layer and the configuration
	stray                      string // a blob nothing names
	orphanStamps               string // stamps of a tree the store no longer holds
	actions                    map[string]string
	old, new                   cache.BuildRecord
}

const sigURL = "https://releases.example.org/mediawiki-1.39.17.tar.gz.sig"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{s: open(t), actions: map[string]string{}}
	put := func(s string) string {
		sha, err := f.s.PutBytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return sha
	}
	f.download, f.sig, f.oldDownload = put("release 1.39.17\n"), put("signature\n"), put("release 1.39.16\n")
	if err := f.s.SetURLBlob(sigURL, f.sig); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{f.download, f.oldDownload} {
		if err := f.s.PutSrc("tarball-"+d, func(dir string) error {
			return os.WriteFile(filepath.Join(dir, "index.php"), []byte("<?php\n"), 0o644)
		}); err != nil {
			t.Fatal(err)
		}
	}
	f.settings = put("<?php $wgSitename = 'x';\n")
	tr, err := fstree.New([]fstree.Entry{
		{Path: "index.php", Type: fstree.File, Size: 6, Digest: sha([]byte("<?php\n")), Src: "src/tarball-" + f.download + "/index.php"},
		{Path: "LocalSettings.php", Type: fstree.File, Size: 10, Digest: f.settings, Src: cache.BlobRel(f.settings)},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.PutTree(tr); err != nil {
		t.Fatal(err)
	}
	f.tree = tr.Digest()
	// Stamps of the tree (kept with it) and of a tree long gone (collected).
	stamps := map[string]fstree.Hashed{"index.php": {Digest: sha([]byte("<?php\n"))}}
	gone := "sha256:" + sha([]byte("a tree long gone"))
	for _, d := range []string{f.tree, gone} {
		if err := f.s.PutStamps(d, stamps); err != nil {
			t.Fatal(err)
		}
	}
	f.orphanStamps = cache.StampsRel(gone)
	f.deb, f.oldDeb = put("!<arch>\nnew deb"), put("!<arch>\nold deb")
	f.layer, f.config = put("layer bytes"), put(`{"rootfs":{"diff_ids":[]}}`)
	f.manifest = put(fmt.Sprintf(`{"config":{"digest":"sha256:%s"},"layers":[{"digest":"sha256:%s"}]}`, f.config, f.layer))
	f.stray = put("left by an experiment")
	rec := func(kind, output string) cache.ActionUse {
		key := sha([]byte(kind + output))
		f.actions[key] = output
		writeRecord(t, f.s, key, output)
		return cache.ActionUse{Key: key, Kind: kind}
	}
	src := rec("source.fetch", `{"id":"tarball-`+f.download+`"}`)
	tree := rec("component.tree", `{"digest":"`+f.tree+`"}`)
	deb := rec("pack.deb", `{"blob":"`+f.deb+`","file":"x.deb"}`)
	oldDeb := rec("pack.deb", `{"blob":"`+f.oldDeb+`","file":"x.deb"}`)
	img := rec("pack.image", `{"digest":"sha256:`+f.manifest+`"}`)
	oldSrc := rec("source.fetch", `{"id":"tarball-`+f.oldDownload+`"}`)
	// The publication names what others made; it made none of it.
	pub := rec("publish.decide", `{"files":{"x.deb":"`+f.deb+`","oci/index.json":"`+f.manifest+`"}}`)
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	f.old = record(t, f.s, t0, []cache.ActionUse{oldSrc, oldDeb}, "src/tarball-"+f.oldDownload, cache.BlobRel(f.oldDeb))
	f.new = record(t, f.s, t0.Add(time.Hour), []cache.ActionUse{pub, src, tree, deb, img},
		"src/tarball-"+f.download, cache.TreeRel(f.tree), cache.BlobRel(f.deb), cache.BlobRel(f.manifest))
	// A temporary file of a process that was killed, and a half-written action record.
	if err := os.WriteFile(filepath.Join(f.s.Root(), "tmp", "blob-123"), []byte("half"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.s.Root(), "actions", "ab", ".ab.tmp-1"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

// writeRecord writes an action record the way the engine's DirCache does.
func writeRecord(t *testing.T, s *cache.Store, key, output string) {
	t.Helper()
	p := filepath.Join(s.Root(), filepath.FromSlash(cache.ActionRel(key)))
	mkdir(t, filepath.Dir(p))
	mkdir(t, filepath.Join(s.Root(), "actions", "ab"))
	b := fmt.Sprintf(`{"key":%q,"output":%q,"bytes":1}`+"\n", key, output)
	if err := os.WriteFile(p, []byte(b), 0o644); err != nil {
		t.Fatal(err)
	}
}

func record(t *testing.T, s *cache.Store, at time.Time, acts []cache.ActionUse, entries ...string) cache.BuildRecord {
	t.Helper()
	r, err := s.RecordBuild(cache.BuildRecord{Started: at, Finished: at.Add(time.Minute), Project: "/srv/project", OK: true, Actions: acts, Entries: entries})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// roots are what the fixture's lock needs: the current release, unpacked, and its signature.
func (f *fixture) roots() []string {
	return []string{cache.BlobRel(f.download), "src/tarball-" + f.download, cache.URLRel(sigURL)}
}

func kinds(entries []cache.Entry) map[string]string {
	m := map[string]string{}
	for _, e := range entries {
		m[e.Name] = e.Area + " " + e.Kind
	}
	return m
}

func TestInventory(t *testing.T) {
	f := newFixture(t)
	inv, err := f.s.Inventory(nil)
	if err != nil {
		t.Fatal(err)
	}
	got := kinds(inv.Entries)
	want := map[string]string{}
	blob := func(sha, kind string) { want[cache.BlobRel(sha)] = "blobs " + kind }
	blob(f.download, cache.KindSource)    // unpacked as src/tarball-<sha>
	blob(f.oldDownload, cache.KindSource) // the same, though no build needs it now
	blob(f.sig, cache.KindSource)         // a URL gave it
	blob(f.deb, "pack.deb")
	blob(f.oldDeb, "pack.deb")
	blob(f.manifest, "pack.image")
	blob(f.layer, "pack.image") // named by the manifest only
	blob(f.config, "pack.image")
	blob(f.settings, "component.tree") // read through the listing
	blob(f.stray, cache.KindUnreferenced)
	for name, w := range want {
		if got[name] != w {
			t.Errorf("%s: %q, want %q", name, got[name], w)
		}
	}
	areas := map[string]int{}
	var total int64
	for _, e := range inv.Entries {
		areas[e.Area]++
		total += e.Bytes
	}
	wantAreas := map[string]int{"blobs": 10, "src": 2, "trees": 1, "stamps": 2, "urls": 1, "actions": 7, "builds": 2, "tmp": 2}
	if diff := cmp.Diff(wantAreas, areas); diff != "" {
		t.Errorf("entries per area (-want +got):\n%s", diff)
	}
	if len(inv.Builds) != 2 || inv.Builds[0].Name != f.new.Name {
		t.Errorf("builds %v: want the two, newest first", inv.Builds)
	}
	if total <= 0 {
		t.Errorf("total size %d", total)
	}
}

func TestGC(t *testing.T) {
	for _, tc := range []struct {
		name       string
		keep       int
		roots      bool
		dryRun     bool
		wantGone   func(f *fixture) []string // beside tmp/ and the actions/ temporary file
		keptBuilds int
	}{
		{name: "last build and lock", keep: 1, roots: true, keptBuilds: 1, wantGone: func(f *fixture) []string {
			return []string{cache.BlobRel(f.oldDeb), cache.BlobRel(f.oldDownload), cache.BlobRel(f.stray),
				actionOf(f, f.oldDeb), actionOf(f, f.oldDownload), "builds/" + f.old.Name, "src/tarball-" + f.oldDownload, f.orphanStamps}
		}},
		{name: "two builds keep the old release", keep: 2, roots: true, keptBuilds: 2, wantGone: func(f *fixture) []string {
			return []string{cache.BlobRel(f.stray), f.orphanStamps}
		}},
		{name: "dry run", keep: 1, roots: true, dryRun: true, keptBuilds: 1, wantGone: func(f *fixture) []string {
			return []string{cache.BlobRel(f.oldDeb), cache.BlobRel(f.oldDownload), cache.BlobRel(f.stray),
				actionOf(f, f.oldDeb), actionOf(f, f.oldDownload), "builds/" + f.old.Name, "src/tarball-" + f.oldDownload, f.orphanStamps}
		}},
		{name: "no builds, the lock only", keep: 0, roots: true, wantGone: func(f *fixture) []string {
			var out []string
			for key := range f.actions {
				out = append(out, cache.ActionRel(key))
			}
			return append(out, cache.BlobRel(f.oldDeb), cache.BlobRel(f.oldDownload), cache.BlobRel(f.stray),
				cache.BlobRel(f.deb), cache.BlobRel(f.manifest), cache.BlobRel(f.layer), cache.BlobRel(f.config),
				cache.BlobRel(f.settings), cache.TreeRel(f.tree), cache.StampsRel(f.tree), f.orphanStamps,
				"builds/"+f.old.Name, "builds/"+f.new.Name, "src/tarball-"+f.oldDownload)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			before, err := f.s.Inventory(nil)
			if err != nil {
				t.Fatal(err)
			}
			o := cache.GCOptions{Keep: tc.keep, DryRun: tc.dryRun}
			if tc.roots {
				o.Roots = f.roots()
			}
			res, err := f.s.GC(o)
			if err != nil {
				t.Fatal(err)
			}
			want := append(tc.wantGone(f), "actions/ab/.ab.tmp-1", "tmp/blob-123")
			var gone []string
			for _, e := range res.Removed {
				gone = append(gone, e.Name)
			}
			if diff := cmp.Diff(slices.Sorted(slices.Values(want)), gone); diff != "" {
				t.Errorf("removed (-want +got):\n%s", diff)
			}
			if len(res.Kept)+len(res.Removed) != len(before.Entries) || len(res.KeptBuilds) != tc.keptBuilds {
				t.Errorf("kept %d + removed %d of %d entries; kept %d builds, want %d", len(res.Kept), len(res.Removed), len(before.Entries), len(res.KeptBuilds), tc.keptBuilds)
			}
			after, err := f.s.Inventory(nil)
			if err != nil {
				t.Fatal(err)
			}
			wantLeft := len(before.Entries) - len(want)
			if tc.dryRun {
				wantLeft = len(before.Entries)
			}
			if len(after.Entries) != wantLeft {
				t.Errorf("%d entries left, want %d", len(after.Entries), wantLeft)
			}
			for _, e := range res.Kept {
				if _, err := os.Stat(filepath.Join(f.s.Root(), filepath.FromSlash(e.Name))); err != nil {
					t.Errorf("kept %s is gone: %v", e.Name, err)
				}
			}
		})
	}
}

func actionOf(f *fixture, sha string) string {
	for key, out := range f.actions {
		if strings.Contains(out, sha) {
			return cache.ActionRel(key)
		}
	}
	panic("no action names " + sha)
}

// gc never runs while another process uses the store, and a user of the store waits for gc.
func TestGCLock(t *testing.T) {
	f := newFixture(t)
	build, err := cache.Open(f.s.Root())
	if err != nil {
		t.Fatal(err)
	}
	if err := build.Share(nil); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.GC(cache.GCOptions{Keep: 1}); !errors.Is(err, cache.ErrBusy) {
		t.Errorf("gc during a build: %v, want ErrBusy", err)
	}
	if _, err := f.s.GC(cache.GCOptions{Keep: 1, DryRun: true}); err != nil {
		t.Errorf("a dry run during a build: %v", err)
	}
	if err := build.Close(); err != nil {
		t.Fatal(err)
	}

	release, err := f.s.LockExclusive()
	if err != nil {
		t.Fatal(err)
	}
	waited := make(chan struct{})
	shared := make(chan error)
	go func() {
		shared <- build.Share(func() { close(waited) })
	}()
	<-waited
	select {
	case err := <-shared:
		t.Fatalf("Share returned (%v) while gc held the lock", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := <-shared; err != nil {
		t.Fatal(err)
	}
	build.Close()
	if _, err := f.s.GC(cache.GCOptions{Keep: 1}); err != nil {
		t.Errorf("gc once the build is done: %v", err)
	}
}
