package engine

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// hexKey returns a valid content key derived from s.
func hexKey(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// spec describes a fake action.
type spec struct {
	id    string
	kind  string
	deps  []string
	where string
	param string                                 // folded into the derived key; change it to simulate a changed input
	key   string                                 // explicit key, overriding the derived one
	run   func(context.Context) (Outcome, error) // behaviour; nil succeeds with "out/<id>"
}

// fake builds actions whose Run funcs count their calls.
type fake struct {
	calls map[string]*atomic.Int64 // written only in build, so reads need no lock

	mu    sync.Mutex
	order []string // IDs in the order Run was entered
}

// build turns specs into actions. Keys are derived like a real caller would:
// a hash of ID, param and the dep keys, so a changed leaf changes the keys of
// all its transitive dependents.
func (f *fake) build(specs ...spec) []Action {
	if f.calls == nil {
		f.calls = make(map[string]*atomic.Int64)
	}
	byID := make(map[string]spec, len(specs))
	for _, s := range specs {
		byID[s.id] = s
	}
	keys := make(map[string]string)
	visiting := make(map[string]bool)
	var keyOf func(id string) string
	keyOf = func(id string) string {
		if k, ok := keys[id]; ok {
			return k
		}
		s, ok := byID[id]
		if !ok || visiting[id] { // unknown deps and cycles: tests of validation only
			return hexKey("dangling:" + id)
		}
		if s.key != "" {
			return s.key
		}
		visiting[id] = true
		var b strings.Builder
		fmt.Fprintf(&b, "%s\x00%s\x00%s", s.kind, id, s.param)
		for _, d := range s.deps {
			fmt.Fprintf(&b, "\x00%s", keyOf(d))
		}
		visiting[id] = false
		keys[id] = hexKey(b.String())
		return keys[id]
	}

	actions := make([]Action, 0, len(specs))
	for _, s := range specs {
		counter := new(atomic.Int64)
		f.calls[s.id] = counter
		kind := s.kind
		if kind == "" {
			kind = "test.kind"
		}
		actions = append(actions, Action{
			ID: s.id, Kind: kind, Key: keyOf(s.id), Deps: s.deps, Where: s.where, Label: "label " + s.id,
			Run: func(ctx context.Context, in Inputs) (Outcome, error) {
				counter.Add(1)
				f.mu.Lock()
				f.order = append(f.order, s.id)
				f.mu.Unlock()
				if s.run != nil {
					return s.run(ctx)
				}
				return Outcome{Output: "out/" + s.id, Bytes: int64(len(s.id))}, nil
			},
		})
	}
	return actions
}

func (f *fake) runs(id string) int64 { return f.calls[id].Load() }

// executed returns the sorted IDs whose Run was called at least once.
func (f *fake) executed() []string {
	var ids []string
	for id, c := range f.calls {
		if c.Load() > 0 {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	return ids
}

func (f *fake) total() int64 {
	var n int64
	for _, c := range f.calls {
		n += c.Load()
	}
	return n
}

func (f *fake) runOrder() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.order)
}

// memCache is an in-memory Cache for tests.
type memCache struct {
	mu     sync.Mutex
	m      map[string]Outcome
	stores int
}

func (c *memCache) Lookup(key string) (Outcome, bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	o, ok := c.m[key]
	return o, ok, nil
}

func (c *memCache) Store(key string, o Outcome) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]Outcome)
	}
	c.m[key] = o
	c.stores++
	return nil
}

// summary renders each result as one comparable string.
func summary(rep Report) map[string]string {
	m := make(map[string]string, len(rep.Results))
	for _, r := range rep.Results {
		s := r.Status.String()
		if r.BlockedBy != "" {
			s += " by " + r.BlockedBy
		}
		m[r.ID] = s
	}
	return m
}

// actionErrors collects every *ActionError in err's tree.
func actionErrors(err error) []*ActionError {
	var out []*ActionError
	var walk func(error)
	walk = func(e error) {
		if ae, ok := e.(*ActionError); ok {
			out = append(out, ae)
			return
		}
		switch u := e.(type) {
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				walk(e)
			}
		case interface{ Unwrap() error }:
			if inner := u.Unwrap(); inner != nil {
				walk(inner)
			}
		}
	}
	if err != nil {
		walk(err)
	}
	return out
}

func newDirCache(t *testing.T, dir string) *DirCache {
	t.Helper()
	c, err := NewDirCache(dir)
	if err != nil {
		t.Fatalf("NewDirCache: %v", err)
	}
	return c
}

// editionGraph resembles a real edition: sources feed component trees,
// trees feed editions, editions feed packages. params changes leaf inputs.
func editionGraph(params map[string]string) []spec {
	return []spec{
		{id: "source/mediawiki", kind: "source.fetch", param: params["source/mediawiki"]},
		{id: "source/cite", kind: "source.fetch", param: params["source/cite"]},
		{id: "source/vector", kind: "source.fetch", param: params["source/vector"]},
		{id: "tree/core", kind: "component.tree", deps: []string{"source/mediawiki"}},
		{id: "tree/extension/Cite", kind: "component.tree", deps: []string{"source/cite"}},
		{id: "tree/skin/Vector", kind: "component.tree", deps: []string{"source/vector"}},
		{id: "edition/core", kind: "edition.tree", deps: []string{"tree/core", "tree/extension/Cite"}},
		{id: "edition/full", kind: "edition.tree", deps: []string{"tree/core", "tree/extension/Cite", "tree/skin/Vector"}},
		{id: "package/core.deb", kind: "package.deb", deps: []string{"edition/core"}},
	}
}

func TestRunLinearChainInOrder(t *testing.T) {
	// IDs are deliberately not in dependency order alphabetically.
	chain := []spec{
		{id: "a/package", deps: []string{"m/edition"}},
		{id: "m/edition", deps: []string{"q/tree"}},
		{id: "q/tree", deps: []string{"z/source"}},
		{id: "z/source"},
	}
	for _, jobs := range []int{1, 4} {
		t.Run(fmt.Sprintf("jobs=%d", jobs), func(t *testing.T) {
			f := &fake{}
			rep, err := Run(t.Context(), f.build(chain...), WithJobs(jobs))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			want := []string{"z/source", "q/tree", "m/edition", "a/package"}
			if diff := cmp.Diff(want, f.runOrder()); diff != "" {
				t.Errorf("run order (-want +got):\n%s", diff)
			}
			if rep.Executed != 4 || rep.Cached+rep.Failed+rep.Skipped != 0 {
				t.Errorf("counts = %+v, want 4 executed only", rep)
			}
		})
	}
}

func TestRunDiamondRunsEachOnce(t *testing.T) {
	diamond := []spec{
		{id: "top", deps: []string{"left", "right"}},
		{id: "left", deps: []string{"base"}},
		{id: "right", deps: []string{"base"}},
		{id: "base"},
	}
	tests := []struct {
		jobs      int
		wantOrder []string // exact order when dispatch is deterministic; nil checks constraints only
	}{
		{jobs: 1, wantOrder: []string{"base", "left", "right", "top"}},
		{jobs: 2},
		{jobs: 8},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("jobs=%d", tt.jobs), func(t *testing.T) {
			f := &fake{}
			rep, err := Run(t.Context(), f.build(diamond...), WithJobs(tt.jobs))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			runs := map[string]int64{}
			for _, id := range []string{"base", "left", "right", "top"} {
				runs[id] = f.runs(id)
			}
			if diff := cmp.Diff(map[string]int64{"base": 1, "left": 1, "right": 1, "top": 1}, runs); diff != "" {
				t.Errorf("Run calls (-want +got):\n%s", diff)
			}
			order := f.runOrder()
			if tt.wantOrder != nil {
				if diff := cmp.Diff(tt.wantOrder, order); diff != "" {
					t.Errorf("run order (-want +got):\n%s", diff)
				}
			} else if len(order) != 4 || order[0] != "base" || order[3] != "top" {
				t.Errorf("run order = %v, want base first and top last", order)
			}
			if rep.Executed != 4 {
				t.Errorf("Executed = %d, want 4", rep.Executed)
			}
		})
	}
}

func TestRunSecondRunIsFullyCached(t *testing.T) {
	dir := t.TempDir()
	specs := editionGraph(nil)

	first := &fake{}
	rep1, err := Run(t.Context(), first.build(specs...), WithCache(newDirCache(t, dir)), WithJobs(3))
	if err != nil {
		t.Fatalf("first Run: %v", err)
	}
	if rep1.Executed != len(specs) {
		t.Fatalf("first Run executed %d, want %d", rep1.Executed, len(specs))
	}

	// A fresh DirCache over the same directory: only the disk carries state.
	second := &fake{}
	rep2, err := Run(t.Context(), second.build(specs...), WithCache(newDirCache(t, dir)), WithJobs(3))
	if err != nil {
		t.Fatalf("second Run: %v", err)
	}
	if n := second.total(); n != 0 {
		t.Errorf("second Run made %d Run calls, want 0 (executed %v)", n, second.executed())
	}
	var want []Result
	for _, r := range rep1.Results {
		want = append(want, Result{ID: r.ID, Status: Cached, Outcome: r.Outcome})
	}
	if diff := cmp.Diff(want, rep2.Results); diff != "" {
		t.Errorf("second Run results (-want +got):\n%s", diff)
	}
	if rep2.Cached != len(specs) || rep2.Executed != 0 {
		t.Errorf("second Run counts: cached %d executed %d, want %d and 0", rep2.Cached, rep2.Executed, len(specs))
	}
}

func TestRunChangedKeyReexecutesLeafAndDependents(t *testing.T) {
	tests := []struct {
		name    string
		changed map[string]string
		want    []string
	}{
		{name: "nothing changed", changed: nil, want: nil},
		{
			name:    "source/cite",
			changed: map[string]string{"source/cite": "v2"},
			want:    []string{"edition/core", "edition/full", "package/core.deb", "source/cite", "tree/extension/Cite"},
		},
		{
			name:    "source/vector",
			changed: map[string]string{"source/vector": "v2"},
			want:    []string{"edition/full", "source/vector", "tree/skin/Vector"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := newDirCache(t, t.TempDir())
			if _, err := Run(t.Context(), (&fake{}).build(editionGraph(nil)...), WithCache(cache)); err != nil {
				t.Fatalf("warm-up Run: %v", err)
			}
			f := &fake{}
			specs := editionGraph(tt.changed)
			rep, err := Run(t.Context(), f.build(specs...), WithCache(cache))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(tt.want, f.executed()); diff != "" {
				t.Errorf("executed IDs (-want +got):\n%s", diff)
			}
			if rep.Executed != len(tt.want) || rep.Cached != len(specs)-len(tt.want) {
				t.Errorf("counts: executed %d cached %d, want %d and %d", rep.Executed, rep.Cached, len(tt.want), len(specs)-len(tt.want))
			}
		})
	}
}

func TestRunSharedKeyRunsOnce(t *testing.T) {
	shared := hexKey("same work")
	tests := []struct {
		name  string
		specs []spec
		jobs  int
		cache bool
		want  map[string]string
	}{
		{
			// Both become ready together: the second waits on the first.
			name: "ready together",
			specs: []spec{
				{id: "source/x"},
				{id: "tree/a", key: shared, deps: []string{"source/x"}},
				{id: "tree/b", key: shared, deps: []string{"source/x"}},
				{id: "edition", deps: []string{"tree/a", "tree/b"}},
			},
			jobs: 4,
			want: map[string]string{"source/x": "executed", "tree/a": "executed", "tree/b": "cached", "edition": "executed"},
		},
		{
			// The second becomes ready after the first finished.
			name: "ready later",
			specs: []spec{
				{id: "a/first", key: shared},
				{id: "z/dep"},
				{id: "b/second", key: shared, deps: []string{"z/dep"}},
			},
			jobs: 1,
			want: map[string]string{"a/first": "executed", "z/dep": "executed", "b/second": "cached"},
		},
		{
			name: "with cache",
			specs: []spec{
				{id: "tree/a", key: shared},
				{id: "tree/b", key: shared},
			},
			jobs:  2,
			cache: true,
			want:  map[string]string{"tree/a": "executed", "tree/b": "cached"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			actions := f.build(tt.specs...)
			var sharers []string
			for _, a := range actions {
				if a.Key == shared {
					sharers = append(sharers, a.ID)
				}
			}
			opts := []Option{WithJobs(tt.jobs)}
			cache := &memCache{}
			if tt.cache {
				opts = append(opts, WithCache(cache))
			}
			rep, err := Run(t.Context(), actions, opts...)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			var calls int64
			for _, id := range sharers {
				calls += f.runs(id)
			}
			if calls != 1 {
				t.Errorf("shared key ran %d times, want 1", calls)
			}
			if diff := cmp.Diff(tt.want, summary(rep)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			o0, _ := rep.Outcome(sharers[0])
			o1, _ := rep.Outcome(sharers[1])
			if o0 != o1 || o0.Output == "" {
				t.Errorf("sharers' outcomes differ: %+v vs %+v", o0, o1)
			}
			if tt.cache && cache.stores != len(tt.specs)-len(sharers)+1 {
				t.Errorf("cache stores = %d, want one per distinct key (%d)", cache.stores, len(tt.specs)-len(sharers)+1)
			}
		})
	}
}

var errBoom = errors.New("boom")

func fail(context.Context) (Outcome, error) { return Outcome{}, errBoom }

func TestRunFailureSkipsDependentsOnly(t *testing.T) {
	shared := hexKey("shared broken work")
	tests := []struct {
		name      string
		specs     []spec
		want      map[string]string
		wantRoots []string // IDs of the ActionErrors, sorted
		wantWhere string   // Where of the first root
	}{
		{
			name: "one failing branch",
			specs: []spec{
				{id: "source/cite", kind: "source.fetch", where: "editions/core.hcl:4,3-30", run: fail},
				{id: "tree/extension/Cite", deps: []string{"source/cite"}},
				{id: "edition/core", deps: []string{"tree/extension/Cite", "tree/core"}},
				{id: "package/core.deb", deps: []string{"edition/core"}},
				{id: "source/mediawiki"},
				{id: "tree/core", deps: []string{"source/mediawiki"}},
				{id: "docs", deps: []string{"tree/core"}},
			},
			want: map[string]string{
				"source/cite":         "failed",
				"tree/extension/Cite": "skipped by source/cite",
				"edition/core":        "skipped by source/cite",
				"package/core.deb":    "skipped by source/cite",
				"source/mediawiki":    "executed",
				"tree/core":           "executed",
				"docs":                "executed",
			},
			wantRoots: []string{"source/cite"},
			wantWhere: "editions/core.hcl:4,3-30",
		},
		{
			name: "two roots share a dependent",
			specs: []spec{
				{id: "a", where: "a.hcl:1", run: fail},
				{id: "b", where: "b.hcl:1", run: fail},
				{id: "both", deps: []string{"a", "b"}},
				{id: "after", deps: []string{"both"}},
				{id: "free"},
			},
			want: map[string]string{
				"a": "failed", "b": "failed", "free": "executed",
				"both": "skipped by a", "after": "skipped by a",
			},
			wantRoots: []string{"a", "b"},
			wantWhere: "a.hcl:1",
		},
		{
			name: "same-key action is blocked by the failed owner",
			specs: []spec{
				{id: "tree/a", key: shared, where: "x.hcl:2", run: fail},
				{id: "tree/b", key: shared, run: fail},
				{id: "edition", deps: []string{"tree/b"}},
			},
			want: map[string]string{
				"tree/a": "failed", "tree/b": "skipped by tree/a", "edition": "skipped by tree/a",
			},
			wantRoots: []string{"tree/a"},
			wantWhere: "x.hcl:2",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			rep, err := Run(t.Context(), f.build(tt.specs...), WithJobs(1))
			if err == nil {
				t.Fatal("Run succeeded, want an error")
			}
			if diff := cmp.Diff(tt.want, summary(rep)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			for id, st := range tt.want {
				if strings.HasPrefix(st, "skipped") && f.runs(id) != 0 {
					t.Errorf("skipped %s ran %d times", id, f.runs(id))
				}
			}
			var roots []string
			for _, ae := range actionErrors(err) {
				roots = append(roots, ae.ID)
			}
			if diff := cmp.Diff(tt.wantRoots, roots); diff != "" {
				t.Errorf("ActionErrors (-want +got):\n%s", diff)
			}
			var ae *ActionError
			if !errors.As(err, &ae) {
				t.Fatalf("errors.As(%v, *ActionError) = false", err)
			}
			if ae.ID != tt.wantRoots[0] || ae.Where != tt.wantWhere || !errors.Is(err, errBoom) {
				t.Errorf("first ActionError = %+v, want ID %s, Where %s, wrapping errBoom", ae, tt.wantRoots[0], tt.wantWhere)
			}
			if !strings.Contains(err.Error(), tt.wantWhere) {
				t.Errorf("error %q does not mention %s", err, tt.wantWhere)
			}
			if rep.Failed != len(tt.wantRoots) {
				t.Errorf("Failed = %d, want %d", rep.Failed, len(tt.wantRoots))
			}
		})
	}
}

func TestRunRejectsInvalidGraphsBeforeRunning(t *testing.T) {
	tests := []struct {
		name   string
		specs  []spec
		mutate func([]Action) // applied after build, for fields build always fills
		planOK bool           // Plan does not need Run funcs
		want   string
	}{
		{
			name: "cycle",
			specs: []spec{
				{id: "free"},
				{id: "c", deps: []string{"a"}},
				{id: "a", deps: []string{"b"}, where: "a.hcl:3"},
				{id: "b", deps: []string{"c", "free"}},
			},
			want: "dependency cycle a -> b -> c -> a (each action depends on the next) at a.hcl:3",
		},
		{
			name:  "self cycle",
			specs: []spec{{id: "x", deps: []string{"x"}}},
			want:  "dependency cycle x -> x",
		},
		{
			name:  "unknown dep",
			specs: []spec{{id: "a", where: "e.hcl:9", deps: []string{"nope"}}},
			want:  `action "a" at e.hcl:9 depends on unknown action "nope"`,
		},
		{
			name:  "duplicate ID",
			specs: []spec{{id: "a", where: "one.hcl:1"}, {id: "b"}, {id: "a", where: "two.hcl:2"}},
			want:  `duplicate action ID "a" at two.hcl:2 (first defined at one.hcl:1)`,
		},
		{
			name:  "empty ID",
			specs: []spec{{id: "a"}, {id: ""}},
			want:  "action #1 has an empty ID",
		},
		{
			name:   "empty key",
			specs:  []spec{{id: "a"}},
			mutate: func(as []Action) { as[0].Key = "" },
			want:   `action "a" has an empty Key`,
		},
		{
			name:   "nil Run",
			specs:  []spec{{id: "a"}},
			mutate: func(as []Action) { as[0].Run = nil },
			planOK: true,
			want:   `action "a" has no Run func`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			actions := f.build(tt.specs...)
			if tt.mutate != nil {
				tt.mutate(actions)
			}
			rep, err := Run(t.Context(), actions, WithJobs(4))
			if !errors.Is(err, ErrInvalidGraph) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Run error = %v, want ErrInvalidGraph mentioning %q", err, tt.want)
			}
			if n := f.total(); n != 0 {
				t.Errorf("%d Run calls before validation failed, want 0", n)
			}
			if diff := cmp.Diff(Report{}, rep); diff != "" {
				t.Errorf("report (-want +got):\n%s", diff)
			}
			if _, err := Plan(actions); (err == nil) != tt.planOK {
				t.Errorf("Plan error = %v, want error: %v", err, !tt.planOK)
			}
		})
	}
}

func TestRunRespectsJobs(t *testing.T) {
	tests := []struct {
		name string
		opts []Option
		want int
	}{
		{name: "default", want: 2},
		{name: "jobs=1", opts: []Option{WithJobs(1)}, want: 1},
		{name: "jobs=2", opts: []Option{WithJobs(2)}, want: 2},
		{name: "jobs=4", opts: []Option{WithJobs(4)}, want: 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			var inFlight, peak atomic.Int64
			// The gate opens once `want` Run calls overlap, so reaching the
			// bound does not depend on timing: an engine that ran fewer at
			// once would hang on the gate until the timeout and fail.
			gate := make(chan struct{})
			var openGate sync.Once
			run := func(ctx context.Context) (Outcome, error) {
				n := inFlight.Add(1)
				defer inFlight.Add(-1)
				for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
				}
				if n >= int64(tt.want) {
					openGate.Do(func() { close(gate) })
				}
				select {
				case <-gate:
				case <-ctx.Done():
					return Outcome{}, ctx.Err()
				}
				time.Sleep(time.Millisecond) // give an over-eager engine room to overlap more
				return Outcome{Output: "x"}, nil
			}
			var specs []spec
			for i := range 20 {
				specs = append(specs, spec{id: fmt.Sprintf("sleep/%02d", i), run: run})
			}
			f := &fake{}
			rep, err := Run(ctx, f.build(specs...), tt.opts...)
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := peak.Load(); got != int64(tt.want) {
				t.Errorf("max concurrent Run calls = %d, want %d", got, tt.want)
			}
			if rep.Executed != 20 || f.total() != 20 {
				t.Errorf("executed %d (calls %d), want 20", rep.Executed, f.total())
			}
		})
	}
}

func TestRunCheckFalseForcesRerun(t *testing.T) {
	specs := []spec{
		{id: "tree/a"},
		{id: "tree/b"},
		{id: "edition", deps: []string{"tree/a", "tree/b"}},
	}
	tests := []struct {
		name  string
		stale map[string]bool
		want  []string
	}{
		{name: "all valid", want: nil},
		{name: "one stale", stale: map[string]bool{"tree/b": true}, want: []string{"tree/b"}},
		{name: "all stale", stale: map[string]bool{"tree/a": true, "tree/b": true, "edition": true}, want: []string{"edition", "tree/a", "tree/b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cache := &memCache{}
			if _, err := Run(t.Context(), (&fake{}).build(specs...), WithCache(cache)); err != nil {
				t.Fatalf("warm-up Run: %v", err)
			}
			var mu sync.Mutex
			seen := map[string]string{}
			check := func(a Action, o Outcome) bool {
				mu.Lock()
				defer mu.Unlock()
				seen[a.ID] = o.Output
				return !tt.stale[a.ID]
			}
			f := &fake{}
			rep, err := Run(t.Context(), withValid(f.build(specs...), check), WithCache(cache))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if diff := cmp.Diff(tt.want, f.executed()); diff != "" {
				t.Errorf("executed (-want +got):\n%s", diff)
			}
			wantSeen := map[string]string{"tree/a": "out/tree/a", "tree/b": "out/tree/b", "edition": "out/edition"}
			if diff := cmp.Diff(wantSeen, seen); diff != "" {
				t.Errorf("check saw outcomes (-want +got):\n%s", diff)
			}
			if rep.Executed != len(tt.want) {
				t.Errorf("Executed = %d, want %d", rep.Executed, len(tt.want))
			}
		})
	}
}

func TestRunRecoversPanics(t *testing.T) {
	tests := []struct {
		name    string
		value   any
		wantMsg string
		wantIs  error
	}{
		{name: "string", value: "kaboom", wantMsg: "panic: kaboom"},
		{name: "error", value: errBoom, wantMsg: "panic: boom", wantIs: errBoom},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			actions := f.build(
				spec{id: "bad", kind: "component.tree", run: func(context.Context) (Outcome, error) { panic(tt.value) }},
				spec{id: "after", deps: []string{"bad"}},
				spec{id: "fine"},
			)
			rep, err := Run(t.Context(), actions, WithJobs(2))
			want := map[string]string{"bad": "failed", "after": "skipped by bad", "fine": "executed"}
			if diff := cmp.Diff(want, summary(rep)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			var pe *PanicError
			if !errors.As(err, &pe) || len(pe.Stack) == 0 {
				t.Fatalf("error %v: want a *PanicError with a stack", err)
			}
			if want := "bad (component.tree): " + tt.wantMsg; err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.wantIs)
			}
			if got := rep.Results[slices.IndexFunc(rep.Results, func(r Result) bool { return r.ID == "bad" })].Err; !errors.As(got, &pe) {
				t.Errorf("result Err = %v, want the panic", got)
			}
		})
	}
}

func TestRunSurvivesGoexit(t *testing.T) {
	f := &fake{}
	actions := f.build(
		spec{id: "quits", run: func(context.Context) (Outcome, error) { runtime.Goexit(); return Outcome{}, nil }},
		spec{id: "after", deps: []string{"quits"}},
		spec{id: "fine"},
	)
	rep, err := Run(t.Context(), actions, WithJobs(2))
	if !errors.Is(err, errGoexit) {
		t.Errorf("error = %v, want errGoexit", err)
	}
	want := map[string]string{"quits": "failed", "after": "skipped by quits", "fine": "executed"}
	if diff := cmp.Diff(want, summary(rep)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestRunCancellationStopsNewStarts(t *testing.T) {
	tests := []struct {
		name      string
		cancelAt  string // the action whose Run cancels ctx; "" cancels before Run
		wantRan   []string
		wantState map[string]string
	}{
		{
			name:     "mid-run",
			cancelAt: "b",
			wantRan:  []string{"a", "b"},
			wantState: map[string]string{
				"a": "executed", "b": "executed", "c": "pending", "d": "pending", "e": "pending",
			},
		},
		{
			name:    "before start",
			wantRan: nil,
			wantState: map[string]string{
				"a": "pending", "b": "pending", "c": "pending", "d": "pending", "e": "pending",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			var specs []spec
			for _, id := range []string{"a", "b", "c", "d", "e"} {
				s := spec{id: id}
				if id == tt.cancelAt {
					s.run = func(context.Context) (Outcome, error) { cancel(); return Outcome{Output: "x"}, nil }
				}
				if id == "d" {
					s.deps = []string{"b"}
				}
				specs = append(specs, s)
			}
			if tt.cancelAt == "" {
				cancel()
			}
			f := &fake{}
			rep, err := Run(ctx, f.build(specs...), WithJobs(1))
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("Run error = %v, want context.Canceled", err)
			}
			if n := len(actionErrors(err)); n != 0 {
				t.Errorf("got %d ActionErrors, want none: %v", n, err)
			}
			if diff := cmp.Diff(tt.wantRan, f.executed()); diff != "" {
				t.Errorf("ran (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantState, summary(rep)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
		})
	}
}

func TestRunObserverIsSerialised(t *testing.T) {
	var specs []spec
	for i := range 60 {
		s := spec{id: fmt.Sprintf("n/%02d", i)}
		if i >= 10 {
			s.deps = []string{fmt.Sprintf("n/%02d", i%10)}
		}
		if i == 3 { // n/13, n/23, ... n/53 depend on it
			s.run = fail
		}
		specs = append(specs, s)
	}
	var (
		calls    int  // plain int: -race reports any concurrent observer call
		inside   bool // catches overlap even without -race
		lastDone int
		types    = map[EventType]int{}
	)
	observer := func(ev Event) {
		if inside {
			t.Error("observer called concurrently")
		}
		inside = true
		defer func() { inside = false }()
		calls++
		types[ev.Type]++
		if ev.Total != len(specs) {
			t.Errorf("Total = %d, want %d", ev.Total, len(specs))
		}
		settles := ev.Type != EventPlanned && ev.Type != EventStarted
		if settles && ev.Done != lastDone+1 || !settles && ev.Done != lastDone {
			t.Errorf("%v %s: Done = %d after %d", ev.Type, ev.Action, ev.Done, lastDone)
		}
		lastDone = ev.Done
	}
	f := &fake{}
	rep, _ := Run(t.Context(), f.build(specs...), WithJobs(8), WithObserver(observer))
	want := map[EventType]int{
		EventPlanned:  60,
		EventStarted:  55, // all but the 5 skipped dependents of n/03
		EventFinished: 54,
		EventFailed:   1,
		EventSkipped:  5,
	}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("event counts (-want +got):\n%s", diff)
	}
	if calls != 60+55+60 || lastDone != 60 || rep.Skipped != 5 {
		t.Errorf("calls = %d, last Done = %d, skipped = %d", calls, lastDone, rep.Skipped)
	}
}

func TestRunEventSequence(t *testing.T) {
	cache := &memCache{}
	f := &fake{}
	actions := f.build(
		spec{id: "a"},
		spec{id: "b", deps: []string{"a"}, run: fail},
		spec{id: "c", deps: []string{"b"}},
		spec{id: "d"},
	)
	// d's key is already cached.
	if err := cache.Store(actions[3].Key, Outcome{Output: "old/d", Bytes: 7}); err != nil {
		t.Fatal(err)
	}
	var got []string
	_, err := Run(t.Context(), actions, WithJobs(1), WithCache(cache), WithObserver(func(ev Event) {
		s := fmt.Sprintf("%d/%d %s %s %q bytes=%d", ev.Done, ev.Total, ev.Type, ev.Action, ev.Label, ev.Bytes)
		if ev.Err != nil {
			s += " err=" + ev.Err.Error()
		}
		got = append(got, s)
	}))
	if err == nil {
		t.Fatal("Run succeeded, want b's failure")
	}
	want := []string{
		`0/4 planned a "label a" bytes=0`,
		`0/4 planned b "label b" bytes=0`,
		`0/4 planned c "label c" bytes=0`,
		`0/4 planned d "label d" bytes=0`,
		// Every ready action is resolved (d from the cache) before slots fill.
		`1/4 cached d "label d" bytes=7`,
		`1/4 started a "label a" bytes=0`,
		`2/4 finished a "label a" bytes=1`,
		`2/4 started b "label b" bytes=0`,
		`3/4 failed b "label b" bytes=0 err=b (test.kind): boom`,
		`4/4 skipped c "label c" bytes=0`,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("events (-want +got):\n%s", diff)
	}
}

func TestRunClock(t *testing.T) {
	tests := []struct {
		name  string
		clock func() time.Time
		want  time.Duration
	}{
		{name: "no clock", want: 0},
		{name: "fake clock", clock: fakeClock(3 * time.Second), want: 3 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var evElapsed time.Duration
			obs := func(ev Event) {
				if ev.Type == EventFinished {
					evElapsed = ev.Elapsed
				}
			}
			rep, err := Run(t.Context(), (&fake{}).build(spec{id: "a"}), WithClock(tt.clock), WithObserver(obs))
			if err != nil {
				t.Fatalf("Run: %v", err)
			}
			if rep.Results[0].Elapsed != tt.want || evElapsed != tt.want {
				t.Errorf("elapsed: result %v, event %v; want %v", rep.Results[0].Elapsed, evElapsed, tt.want)
			}
		})
	}
}

// fakeClock advances by step on every call.
func fakeClock(step time.Duration) func() time.Time {
	var n atomic.Int64
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	return func() time.Time { return base.Add(time.Duration(n.Add(1)) * step) }
}

func TestRunOptionErrors(t *testing.T) {
	for _, n := range []int{0, -1} {
		t.Run(fmt.Sprintf("jobs=%d", n), func(t *testing.T) {
			f := &fake{}
			actions := f.build(spec{id: "a"})
			if _, err := Run(t.Context(), actions, WithJobs(n)); err == nil || !strings.Contains(err.Error(), "jobs must be at least 1") {
				t.Errorf("Run error = %v, want a jobs error", err)
			}
			if _, err := Plan(actions, WithJobs(n)); err == nil {
				t.Error("Plan accepted bad jobs")
			}
			if f.total() != 0 {
				t.Error("actions ran despite a bad option")
			}
		})
	}
}

// brokenCache fails lookups or stores on demand.
type brokenCache struct{ lookupErr, storeErr error }

func (c brokenCache) Lookup(string) (Outcome, bool, error) { return Outcome{}, false, c.lookupErr }
func (c brokenCache) Store(string, Outcome) error          { return c.storeErr }

func TestRunCacheErrorsFailTheAction(t *testing.T) {
	errDisk := errors.New("disk on fire")
	tests := []struct {
		name    string
		cache   Cache
		wantMsg string
		wantRan []string
	}{
		{
			// Lookup fails before Run, so nothing runs.
			name:    "lookup",
			cache:   brokenCache{lookupErr: errDisk},
			wantMsg: "a (test.kind): cache lookup: disk on fire",
		},
		{
			// The work ran but could not be recorded.
			name:    "store",
			cache:   brokenCache{storeErr: errDisk},
			wantMsg: "a (test.kind): cache store: disk on fire",
			wantRan: []string{"a"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			actions := f.build(spec{id: "a"}, spec{id: "b", deps: []string{"a"}})
			rep, err := Run(t.Context(), actions, WithCache(tt.cache))
			if !errors.Is(err, errDisk) || err.Error() != tt.wantMsg {
				t.Errorf("error = %v, want %q", err, tt.wantMsg)
			}
			if diff := cmp.Diff(map[string]string{"a": "failed", "b": "skipped by a"}, summary(rep)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantRan, f.executed()); diff != "" {
				t.Errorf("ran (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReportOutcome(t *testing.T) {
	rep, _ := Run(t.Context(), (&fake{}).build(
		spec{id: "ok"},
		spec{id: "bad", run: fail},
		spec{id: "blocked", deps: []string{"bad"}},
	))
	tests := []struct {
		id     string
		want   Outcome
		wantOK bool
	}{
		{id: "ok", want: Outcome{Output: "out/ok", Bytes: 2}, wantOK: true},
		{id: "bad"},
		{id: "blocked"},
		{id: "missing"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, ok := rep.Outcome(tt.id)
			if ok != tt.wantOK {
				t.Errorf("ok = %v, want %v", ok, tt.wantOK)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
		})
	}
}

func TestActionErrorMessage(t *testing.T) {
	tests := []struct {
		err  *ActionError
		want string
	}{
		{
			err:  &ActionError{ID: "tree/extension/Cite", Kind: "component.tree", Where: "editions/core.hcl:4,3-30", Err: errBoom},
			want: "tree/extension/Cite (component.tree, editions/core.hcl:4,3-30): boom",
		},
		{err: &ActionError{ID: "a", Kind: "k", Err: errBoom}, want: "a (k): boom"},
		{err: &ActionError{ID: "a", Err: errBoom}, want: "a: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("Error() = %q, want %q", got, tt.want)
			}
			if !errors.Is(tt.err, errBoom) {
				t.Error("Unwrap does not reach the cause")
			}
		})
	}
}

func TestStrings(t *testing.T) {
	var got []string
	for s := Pending; s <= Skipped+1; s++ {
		got = append(got, s.String())
	}
	for e := EventPlanned; e <= EventSkipped+1; e++ {
		got = append(got, e.String())
	}
	want := []string{
		"pending", "cached", "executed", "failed", "skipped", "Status(5)",
		"planned", "started", "finished", "cached", "failed", "skipped", "EventType(6)",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("strings (-want +got):\n%s", diff)
	}
}

func TestDirCacheRejectsBadKeys(t *testing.T) {
	good := hexKey("x")
	tests := []struct{ name, key string }{
		{"empty", ""},
		{"short", good[:63]},
		{"long", good + "0"},
		{"uppercase", strings.ToUpper(good)},
		{"non-hex", "g" + good[1:]},
		{"path escape", "../" + good[3:]},
		{"separator", good[:10] + "/" + good[11:]},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := newDirCache(t, dir)
			if _, _, err := c.Lookup(tt.key); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Lookup error = %v, want ErrInvalidKey", err)
			}
			if err := c.Store(tt.key, Outcome{Output: "x"}); !errors.Is(err, ErrInvalidKey) {
				t.Errorf("Store error = %v, want ErrInvalidKey", err)
			}
			entries, err := os.ReadDir(dir)
			if err != nil || len(entries) != 0 {
				t.Errorf("cache dir has %d entries (err %v), want none", len(entries), err)
			}
		})
	}
	if _, err := NewDirCache(""); err == nil {
		t.Error(`NewDirCache("") succeeded`)
	}
}

func TestDirCacheRecords(t *testing.T) {
	key := hexKey("record")
	tests := []struct {
		name    string
		prepare func(t *testing.T, shard string) // runs before Store
		want    Outcome
	}{
		{name: "fresh", prepare: func(*testing.T, string) {}, want: Outcome{Output: "sha256:abc", Bytes: 42}},
		{
			// A crash between create and rename leaves a temp file behind;
			// it must neither be read as the record nor block the next Store.
			name: "leftover temp files",
			prepare: func(t *testing.T, shard string) {
				for _, name := range []string{"." + key + ".tmp-123456", key + ".tmp"} {
					if err := os.WriteFile(filepath.Join(shard, name), []byte(`{"key":"`+key+`","out`), 0o644); err != nil {
						t.Fatal(err)
					}
				}
			},
			want: Outcome{Output: "tree/x", Bytes: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			shard := filepath.Join(dir, key[:2])
			if err := os.MkdirAll(shard, 0o755); err != nil {
				t.Fatal(err)
			}
			tt.prepare(t, shard)
			c := newDirCache(t, dir)
			if _, ok, err := c.Lookup(key); ok || err != nil {
				t.Fatalf("Lookup before Store = %v, %v; want a clean miss", ok, err)
			}
			if err := c.Store(key, tt.want); err != nil {
				t.Fatalf("Store: %v", err)
			}
			data, err := os.ReadFile(filepath.Join(shard, key))
			if err != nil {
				t.Fatalf("record not at dir/<key[:2]>/<key>: %v", err)
			}
			var rec map[string]any
			if err := json.Unmarshal(data, &rec); err != nil {
				t.Fatalf("record is not JSON: %v", err)
			}
			got, ok, err := newDirCache(t, dir).Lookup(key)
			if err != nil || !ok {
				t.Fatalf("Lookup after Store = %v, %v", ok, err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("outcome (-want +got):\n%s", diff)
			}
			var tmps []string
			_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err == nil && strings.HasPrefix(d.Name(), "."+key+".tmp-") && !strings.HasSuffix(p, "123456") {
					tmps = append(tmps, p)
				}
				return nil
			})
			if len(tmps) != 0 {
				t.Errorf("Store left temp files: %v", tmps)
			}
		})
	}
}

func TestDirCacheDamagedRecordIsAnError(t *testing.T) {
	key := hexKey("damaged")
	tests := []struct{ name, content string }{
		{"truncated", `{"key":"` + key},
		{"wrong key", `{"key":"` + hexKey("other") + `","output":"x"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			c := newDirCache(t, dir)
			if err := os.MkdirAll(filepath.Join(dir, key[:2]), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, key[:2], key), []byte(tt.content), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, ok, err := c.Lookup(key); err == nil || ok {
				t.Errorf("Lookup = %v, %v; want an error", ok, err)
			}
		})
	}
}

func TestPlan(t *testing.T) {
	specs := []spec{
		{id: "edition", kind: "edition.tree", deps: []string{"tree/b", "tree/a"}},
		{id: "tree/b", kind: "component.tree", deps: []string{"source"}},
		{id: "tree/a", kind: "component.tree", deps: []string{"source", "source"}},
		{id: "source", kind: "source.fetch"},
		{id: "docs", kind: "docs"},
	}
	tests := []struct {
		name       string
		cachedIDs  []string // stored in the cache before planning
		check      func(Action, Outcome) bool
		wantCached []string
	}{
		{name: "no cache"},
		{name: "subset cached", cachedIDs: []string{"source", "tree/b", "edition"}, wantCached: []string{"edition", "source", "tree/b"}},
		{
			name:       "check rejects",
			cachedIDs:  []string{"source", "tree/b"},
			check:      func(a Action, _ Outcome) bool { return a.ID != "source" },
			wantCached: []string{"tree/b"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fake{}
			actions := f.build(specs...)
			keys := map[string]string{}
			for _, a := range actions {
				keys[a.ID] = a.Key
			}
			var opts []Option
			if tt.cachedIDs != nil {
				cache := newDirCache(t, t.TempDir())
				for _, id := range tt.cachedIDs {
					if err := cache.Store(keys[id], Outcome{Output: id}); err != nil {
						t.Fatal(err)
					}
				}
				opts = append(opts, WithCache(cache))
				if tt.check != nil {
					actions = withValid(actions, tt.check)
				}
			}
			got, err := Plan(actions, opts...)
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			cached := map[string]bool{}
			for _, id := range tt.wantCached {
				cached[id] = true
			}
			item := func(id, kind string, deps ...string) PlanItem {
				return PlanItem{ID: id, Kind: kind, Key: keys[id], Label: "label " + id, Cached: cached[id], Deps: deps}
			}
			want := []PlanItem{
				item("docs", "docs"),
				item("source", "source.fetch"),
				item("tree/a", "component.tree", "source"),
				item("tree/b", "component.tree", "source"),
				item("edition", "edition.tree", "tree/a", "tree/b"),
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
			if f.total() != 0 {
				t.Errorf("Plan ran %v", f.executed())
			}
		})
	}
}

func TestDOTGolden(t *testing.T) {
	specs := editionGraph(nil)
	specs = append(specs, spec{id: `odd "quoted" id`, kind: `kind\with\backslash`, deps: []string{"edition/core"}})
	actions := (&fake{}).build(specs...)
	for i := range actions {
		if strings.HasSuffix(actions[i].ID, "/core") {
			actions[i].Group = "core"
		}
	}
	cache := &memCache{}
	if _, err := Run(context.Background(), actions[:1], WithCache(cache)); err != nil {
		t.Fatal(err)
	}
	items, err := Plan(actions, WithCache(cache))
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	got := DOT(items)
	for _, want := range []string{"subgraph \"cluster_core\"", "(cached)"} {
		if !strings.Contains(got, want) {
			t.Errorf("DOT lacks %q:\n%s", want, got)
		}
	}
	slices.Reverse(items)
	if again := DOT(items); again != got {
		t.Errorf("DOT depends on input order:\n%s", again)
	}

	golden := filepath.Join("testdata", "graph.dot")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("read golden file (run with -update to create it): %v", err)
	}
	if diff := cmp.Diff(string(want), got); diff != "" {
		t.Errorf("DOT output (-want +got):\n%s", diff)
	}
}

// BenchmarkRun measures scheduling overhead on a 2,000-action graph whose
// Run funcs do nothing.
func BenchmarkRun(b *testing.B) {
	const n = 2000
	specs := make([]spec, n)
	for i := range specs {
		specs[i] = spec{id: fmt.Sprintf("action/%04d", i)}
		for _, d := range []int{i - 1, i / 2, i - 7} {
			if d >= 0 && d < i {
				specs[i].deps = append(specs[i].deps, fmt.Sprintf("action/%04d", d))
			}
		}
	}
	actions := (&fake{}).build(specs...)
	for i := range actions {
		actions[i].Run = func(context.Context, Inputs) (Outcome, error) { return Outcome{}, nil }
	}
	for _, jobs := range []int{1, 8} {
		b.Run(fmt.Sprintf("jobs=%d", jobs), func(b *testing.B) {
			for b.Loop() {
				if _, err := Run(context.Background(), actions, WithJobs(jobs)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// A CPU profile splits time by kind of action through the "action" label, which every
// goroutine an action starts inherits.
func TestRunLabelsActionsForProfiles(t *testing.T) {
	var mu sync.Mutex
	got := map[string]string{}
	record := func(ctx context.Context, id string) {
		v, _ := pprof.Label(ctx, "action")
		mu.Lock()
		got[id] = v
		mu.Unlock()
	}
	acts := []Action{
		{ID: "tree/a", Kind: "component.tree", Key: hexKey("a"), Run: func(ctx context.Context, _ Inputs) (Outcome, error) {
			record(ctx, "tree/a")
			return Outcome{Output: "a"}, nil
		}},
		{ID: "deb/a", Kind: "pack.deb", Key: hexKey("b"), Deps: []string{"tree/a"}, Run: func(ctx context.Context, _ Inputs) (Outcome, error) {
			done := make(chan struct{})
			go func() { // a goroutine of the action's, such as a compressor's
				defer close(done)
				labels := map[string]string{}
				pprof.ForLabels(ctx, func(k, v string) bool { labels[k] = v; return true })
				mu.Lock()
				got["deb/a child"] = labels["action"]
				mu.Unlock()
			}()
			<-done
			record(ctx, "deb/a")
			return Outcome{Output: "b"}, nil
		}},
	}
	if _, err := Run(t.Context(), acts, WithJobs(2)); err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := map[string]string{"tree/a": "component.tree", "deb/a": "pack.deb", "deb/a child": "pack.deb"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("labels (-want +got):\n%s", diff)
	}
}

// An action reads its dependencies' outcomes from its inputs, whether they ran or came from
// the cache, and only those.
func TestRunPassesDependencyOutcomes(t *testing.T) {
	cache := &memCache{}
	var got []string
	acts := func() []Action {
		return []Action{
			{ID: "a", Key: hexKey("a"), Run: func(context.Context, Inputs) (Outcome, error) { return Outcome{Output: "made by a"}, nil }},
			{ID: "b", Key: hexKey("b"), Deps: []string{"a"}, Run: func(_ context.Context, in Inputs) (Outcome, error) {
				a, err := in.Must("a")
				if err != nil {
					return Outcome{}, err
				}
				if _, err := in.Must("c"); err == nil {
					t.Errorf("b sees c, which is not its dependency")
				}
				got = append(got, a.Output)
				return Outcome{Output: "b"}, nil
			}},
			{ID: "c", Key: hexKey("c"), Run: func(context.Context, Inputs) (Outcome, error) { return Outcome{Output: "c"}, nil }},
		}
	}
	if _, err := Run(context.Background(), acts(), WithCache(cache)); err != nil {
		t.Fatal(err)
	}
	second := acts()
	second[1].Key = hexKey("b2") // b runs again; a comes from the cache
	if _, err := Run(context.Background(), second, WithCache(cache)); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"made by a", "made by a"}, got); diff != "" {
		t.Errorf("b's inputs (-want +got):\n%s", diff)
	}
}

// A cached outcome its action's Valid rejects is made again, and Plan says it would be.
func TestRunRechecksCachedOutcomesWithValid(t *testing.T) {
	cache := &memCache{}
	runs := 0
	act := Action{ID: "a", Key: hexKey("a"), Run: func(context.Context, Inputs) (Outcome, error) { runs++; return Outcome{Output: "x"}, nil }}
	if _, err := Run(context.Background(), []Action{act}, WithCache(cache)); err != nil {
		t.Fatal(err)
	}
	for _, valid := range []bool{true, false} {
		act.Valid = func(Outcome) bool { return valid }
		items, err := Plan([]Action{act}, WithCache(cache))
		if err != nil {
			t.Fatal(err)
		}
		if items[0].Cached != valid {
			t.Errorf("Valid %v: Plan says cached %v", valid, items[0].Cached)
		}
		before := runs
		if _, err := Run(context.Background(), []Action{act}, WithCache(cache)); err != nil {
			t.Fatal(err)
		}
		if ran := runs > before; ran == valid {
			t.Errorf("Valid %v: ran %v", valid, ran)
		}
	}
}

// withValid gives every action a Valid that asks check about it.
func withValid(actions []Action, check func(Action, Outcome) bool) []Action {
	for i := range actions {
		a := actions[i]
		actions[i].Valid = func(o Outcome) bool { return check(a, o) }
	}
	return actions
}
