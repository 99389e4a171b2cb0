package build_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
)

// A build records what it used; gc keeping the last build and the lock leaves a cache from
// which the same build runs nothing, and gc keeping no build leaves one from which the build
// still runs offline.
func TestGCKeepsWhatTheNextBuildNeeds(t *testing.T) {
	f := newFixture(t)
	var clock time.Duration
	run := func(offline bool) build.Result {
		t.Helper()
		o := f.options()
		o.Formats, o.Fetcher.Offline = []string{build.FormatDeb}, offline
		o.Now = func() time.Time { clock += time.Second; return epoch.Add(clock) }
		lk, err := build.ReadLock(f.root)
		must(t, err)
		res, diags, err := build.Build(context.Background(), o, f.load().Set, lk)
		if err != nil || diags.HasErrors() {
			t.Fatalf("build (offline %v): %v %v", offline, err, diags)
		}
		return res
	}
	f.lock()
	run(false)
	f.commit("README", "Gamma, now with a README\n", epoch.Add(time.Hour))
	f.bumpEdition("full", "1.1")
	lk := f.lock("Gamma")
	second := run(false)
	if len(executed(second.Report)) == 0 {
		t.Fatal("bumping Gamma rebuilt nothing")
	}

	st := f.options().Fetcher.Store
	builds, err := st.Builds()
	must(t, err)
	if len(builds) != 2 || !builds[0].OK || len(builds[0].Actions) != len(second.Report.Results) {
		t.Fatalf("%d build records (newest has %d actions, ok %v), want 2, the newest with %d actions", len(builds), len(builds[0].Actions), builds[0].OK, len(second.Report.Results))
	}
	var kinds []string
	for _, a := range builds[0].Actions {
		kinds = append(kinds, a.Kind)
	}
	for _, k := range []string{"source.fetch", "component.tree", "edition.tree", "pack.deb"} {
		if !slices.Contains(kinds, k) {
			t.Errorf("the build record has no %s action: %v", k, slices.Compact(slices.Sorted(slices.Values(kinds))))
		}
	}

	roots := build.CacheRoots(f.load().Set, lk)
	res, err := st.GC(cache.GCOptions{Keep: 1, Roots: roots})
	must(t, err)
	var gone []string
	for _, e := range res.Removed {
		gone = append(gone, e.Name+" "+e.Kind)
	}
	// What only the first build needed: Gamma's old source and tree, and the full edition's.
	if !slices.ContainsFunc(gone, func(s string) bool { return strings.HasSuffix(s, " edition.tree") }) ||
		!slices.ContainsFunc(gone, func(s string) bool { return strings.HasPrefix(s, "src/git-") }) {
		t.Errorf("gc --keep 1 removed %v: want the first build's Gamma source and edition tree", gone)
	}
	if len(res.ForgottenBuilds) != 1 || res.ForgottenBuilds[0].Name != builds[1].Name {
		t.Errorf("forgotten builds %v, want the first", res.ForgottenBuilds)
	}
	if again := run(false); len(executed(again.Report)) != 0 {
		t.Errorf("after gc --keep 1, the same build ran %v", executed(again.Report))
	}

	if _, err := st.GC(cache.GCOptions{Keep: 0, Roots: roots}); err != nil {
		t.Fatal(err)
	}
	if again := run(true); len(executed(again.Report)) == 0 {
		t.Error("gc --keep 0 left the built packages")
	}
}
