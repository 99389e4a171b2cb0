// Package engine executes mwedition's build graph.
//
// Every artefact of an edition (fetched sources, component trees, the
// edition tree, packages) is produced by an Action whose Key is a content
// address computed by the caller. The engine validates the graph, skips work
// whose key a Cache already holds, runs the rest with bounded parallelism in
// dependency order, and reports per-action results, in the spirit of
// cmd/go's action graph or buildkit's solver. It never prints: progress goes
// to an optional observer callback.
package engine

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"golang.org/x/sync/errgroup"
)

// Action is one unit of work. Actions are values; the engine never mutates
// them.
type Action struct {
	ID    string   // unique, human readable: "source/mediawiki", "tree/extension/Cite"
	Kind  string   // "source.fetch", "component.tree", "edition.tree", ...
	Key   string   // content address computed by the caller; equal keys mean equal work
	Deps  []string // IDs that must succeed first
	Where string   // origin for error messages, e.g. "editions/core.hcl:4,3-30"; may be empty
	Label string   // progress text; not part of the key
	// Group names the part of the build the action belongs to (an edition), for plans
	// and drawings; empty for work shared by every part.
	Group string
	// Run produces the outcome. in holds the outcomes of Deps, so that an action reads
	// what its dependencies made from the engine, never from a cache of its own choosing.
	Run func(ctx context.Context, in Inputs) (Outcome, error)
	// Valid says whether a cached outcome can still be used (say, whether the files it
	// names are still in the store, since caches get pruned); nil accepts every outcome.
	// Each kind of action knows what its outcome names, so the check lives with it.
	Valid func(Outcome) bool
}

// Inputs are the outcomes of an action's dependencies, by action ID.
type Inputs struct{ m map[string]Outcome }

// NewInputs returns inputs holding m; for tests of Run funcs.
func NewInputs(m map[string]Outcome) Inputs { return Inputs{m: m} }

// Outcome returns the outcome of dependency id.
func (in Inputs) Outcome(id string) (Outcome, bool) {
	o, ok := in.m[id]
	return o, ok
}

// Must returns the outcome of dependency id, or an error naming it: a Run func asking for
// an action that is not among its Deps is a bug of the graph's builder.
func (in Inputs) Must(id string) (Outcome, error) {
	o, ok := in.m[id]
	if !ok {
		return Outcome{}, fmt.Errorf("engine: %s is not a finished dependency of this action", id)
	}
	return o, nil
}

// Outcome is what a finished action produced.
type Outcome struct {
	Output string // identity of the product (a digest or cache-relative path); recorded in the cache
	Bytes  int64  // bytes processed, for progress
}

// Cache remembers finished keys. An action whose key the cache holds is not
// run. Run calls Lookup from its own goroutine and Store from worker
// goroutines, so implementations must be safe for concurrent use.
type Cache interface {
	Lookup(key string) (Outcome, bool, error)
	Store(key string, o Outcome) error
}

// Status is the final state of one action in a Report.
type Status int

const (
	Pending  Status = iota // never settled: the run was cancelled first
	Cached                 // not run: the cache, or another action with the same key, supplied the outcome
	Executed               // ran and succeeded
	Failed                 // ran (or its cache lookup/store) and failed; a root cause
	Skipped                // not run because a dependency failed
)

func (s Status) String() string {
	switch s {
	case Pending:
		return "pending"
	case Cached:
		return "cached"
	case Executed:
		return "executed"
	case Failed:
		return "failed"
	case Skipped:
		return "skipped"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// EventType says what an Event reports. The names carry an Event prefix
// because Cached, Failed and Skipped are already Status values.
type EventType int

const (
	EventPlanned  EventType = iota // once per action, in topological order, before anything runs
	EventStarted                   // Run is about to be called
	EventFinished                  // Run succeeded
	EventCached                    // outcome taken from the cache or a same-key action
	EventFailed                    // root-cause failure; Err is an *ActionError
	EventSkipped                   // a dependency failed
)

func (t EventType) String() string {
	switch t {
	case EventPlanned:
		return "planned"
	case EventStarted:
		return "started"
	case EventFinished:
		return "finished"
	case EventCached:
		return "cached"
	case EventFailed:
		return "failed"
	case EventSkipped:
		return "skipped"
	}
	return fmt.Sprintf("EventType(%d)", int(t))
}

// Event is one progress notification. Done and Total count settled actions
// (cached, executed, failed or skipped) so a CLI can draw "[12/40]".
type Event struct {
	Type    EventType
	Action  string // action ID
	Kind    string
	Label   string
	Bytes   int64         // Outcome.Bytes for Finished and Cached
	Err     error         // for Failed
	Elapsed time.Duration // Run duration for Finished and Failed; zero without WithClock
	Done    int
	Total   int
}

// Option configures Run and Plan.
type Option func(*options) error

type options struct {
	jobs     int
	cache    Cache
	observer func(Event)
	clock    func() time.Time
}

func newOptions(opts []Option) (*options, error) {
	o := &options{jobs: 2}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// WithJobs bounds how many Run funcs execute at once. The default is 2.
func WithJobs(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return fmt.Errorf("engine: jobs must be at least 1, got %d", n)
		}
		o.jobs = n
		return nil
	}
}

// WithCache makes Run skip actions whose key c holds and record the outcome
// of those it runs. A nil c means no cache.
func WithCache(c Cache) Option {
	return func(o *options) error { o.cache = c; return nil }
}

// WithObserver receives progress events. f is called on the goroutine that
// called Run, one event at a time, so it needs no locking; it should return
// quickly because scheduling waits for it.
func WithObserver(f func(Event)) Option {
	return func(o *options) error { o.observer = f; return nil }
}

// WithClock enables durations in events and results. The engine itself never
// reads the wall clock. f is called from worker goroutines, so it must be
// safe for concurrent use (time.Now is).
func WithClock(f func() time.Time) Option {
	return func(o *options) error { o.clock = f; return nil }
}

// lookup consults the cache and the validity check for a.
func (o *options) lookup(a Action) (Outcome, bool, error) {
	if o.cache == nil {
		return Outcome{}, false, nil
	}
	out, ok, err := o.cache.Lookup(a.Key)
	if err != nil {
		return Outcome{}, false, fmt.Errorf("cache lookup: %w", err)
	}
	if !ok || (a.Valid != nil && !a.Valid(out)) {
		return Outcome{}, false, nil
	}
	return out, true, nil
}

// Result is the final state of one action.
type Result struct {
	ID        string
	Status    Status
	Outcome   Outcome       // for Cached and Executed
	Err       error         // for Failed: an *ActionError
	BlockedBy string        // for Skipped: ID of the failed root cause
	Elapsed   time.Duration // Run duration; zero without WithClock or when not run
}

// Report summarises a run. Results are sorted by ID.
type Report struct {
	Results                           []Result
	Executed, Cached, Failed, Skipped int
}

// Outcome returns the outcome of action id if it was executed or cached.
func (r Report) Outcome(id string) (Outcome, bool) {
	i, found := slices.BinarySearchFunc(r.Results, id, func(res Result, id string) int {
		return strings.Compare(res.ID, id)
	})
	if !found {
		return Outcome{}, false
	}
	if s := r.Results[i].Status; s != Cached && s != Executed {
		return Outcome{}, false
	}
	return r.Results[i].Outcome, true
}

// ActionError is the error of one failed action, carrying where it was
// defined so users can find it.
type ActionError struct {
	ID, Kind, Where string
	Err             error
}

func (e *ActionError) Error() string {
	var ctx []string
	for _, s := range []string{e.Kind, e.Where} {
		if s != "" {
			ctx = append(ctx, s)
		}
	}
	if len(ctx) == 0 {
		return fmt.Sprintf("%s: %v", e.ID, e.Err)
	}
	return fmt.Sprintf("%s (%s): %v", e.ID, strings.Join(ctx, ", "), e.Err)
}

func (e *ActionError) Unwrap() error { return e.Err }

// PanicError is what a panicking Run (or Cache.Store) turns into, so one bad
// action fails instead of taking the whole process down.
type PanicError struct {
	Value any
	Stack []byte // stack of the panicking goroutine, for debugging
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap exposes the panic value when it is an error (e.g. a runtime error).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// errGoexit marks a worker whose goroutine exited via runtime.Goexit (for
// example t.FailNow inside a Run func) without returning.
var errGoexit = errors.New("run exited without returning (runtime.Goexit)")

// Run validates the graph and executes it.
//
// Validation (empty or duplicate IDs, unknown deps, cycles, empty keys, nil
// Run funcs) happens before anything runs; its errors wrap ErrInvalidGraph
// and come with an empty Report.
//
// Execution: an action starts once all its deps succeeded, at most `jobs`
// Run calls at once. A key runs at most once per call even if several
// actions share it; the others take its outcome and count as Cached. A key
// the cache holds (and the check accepts) is not run; a successful outcome
// is stored. A failed action's transitive dependents are Skipped with
// BlockedBy naming it, while independent branches carry on, like make -k.
// Cancelling ctx stops new starts; actions already running get the cancelled
// ctx and are waited for; unstarted ones stay Pending.
//
// The error is nil when every action succeeded. Otherwise it joins one
// *ActionError per root cause, sorted by ID (never one per skipped
// dependent), plus the context error if the run was cut short.
func Run(ctx context.Context, actions []Action, opts ...Option) (Report, error) {
	o, err := newOptions(opts)
	if err != nil {
		return Report{}, err
	}
	g, err := newGraph(actions, requirements{key: true, run: true})
	if err != nil {
		return Report{}, err
	}
	s := &scheduler{
		ctx:      ctx,
		g:        g,
		o:        o,
		results:  make([]Result, len(actions)),
		missing:  make([]int, len(actions)),
		ready:    rankQueue{rank: g.rank},
		runnable: rankQueue{rank: g.rank},
		keys:     make(map[string]*keyState),
		// One slot per action: each completes once, so a worker never
		// blocks on send while holding an errgroup slot.
		done: make(chan completion, len(actions)),
	}
	return s.run()
}

// scheduler owns all mutable run state. Only the goroutine that called Run
// touches it; workers just call Run funcs and send a completion back. This
// keeps errgroup slots for real work only: nothing ever waits for deps while
// holding a slot, which would deadlock under SetLimit.
type scheduler struct {
	ctx     context.Context
	g       *graph
	o       *options
	results []Result
	missing []int // deps not yet succeeded, per action

	// ready holds actions whose deps all succeeded but whose key is not yet
	// resolved; runnable holds actions that own an uncached key and wait
	// only for a free job slot.
	ready, runnable rankQueue

	keys     map[string]*keyState
	group    errgroup.Group
	done     chan completion
	running  int
	settled  int
	failures []*ActionError
}

// keyState tracks the one action (owner) that produces a key in this run;
// other actions with the same key wait on it instead of running.
type keyState struct {
	owner   int
	done    bool
	failed  bool
	outcome Outcome
	waiters []int
}

type completion struct {
	idx     int
	outcome Outcome
	elapsed time.Duration
	err     error
}

func (s *scheduler) run() (Report, error) {
	s.group.SetLimit(s.o.jobs)
	for i, a := range s.g.actions {
		s.results[i] = Result{ID: a.ID, Status: Pending}
	}
	for _, i := range s.g.topo() {
		s.emit(EventPlanned, i, Event{})
	}
	for i, ds := range s.g.deps {
		if s.missing[i] = len(ds); s.missing[i] == 0 {
			s.ready.add(i)
		}
	}
	for {
		s.dispatch()
		if s.running == 0 {
			break
		}
		// Starts only ever become possible after a completion, so waiting
		// on completions alone is enough; dispatch rechecks ctx.
		s.complete(<-s.done)
	}
	_ = s.group.Wait() // workers report through s.done and never return errors
	return s.report()
}

// dispatch resolves every ready action, then fills free job slots with
// runnable ones in ID order.
func (s *scheduler) dispatch() {
	for s.ctx.Err() == nil {
		if i, ok := s.ready.next(); ok {
			s.resolve(i)
			continue
		}
		if s.running >= s.o.jobs {
			return
		}
		i, ok := s.runnable.next()
		if !ok {
			return
		}
		s.start(i)
	}
}

// resolve decides how a ready action gets its outcome: from a same-key
// action of this run, from the cache, or by running it.
func (s *scheduler) resolve(i int) {
	a := s.g.actions[i]
	if ks, ok := s.keys[a.Key]; ok {
		switch {
		case !ks.done:
			ks.waiters = append(ks.waiters, i)
		case ks.failed:
			s.skip(i, ks.owner)
		default:
			s.succeed(i, Cached, ks.outcome, 0)
		}
		return
	}
	s.keys[a.Key] = &keyState{owner: i}
	out, hit, err := s.o.lookup(a)
	switch {
	case err != nil:
		s.fail(i, err, 0)
	case hit:
		s.succeed(i, Cached, out, 0)
	default:
		s.runnable.add(i)
	}
}

func (s *scheduler) start(i int) {
	a := s.g.actions[i]
	in := s.inputs(i)
	s.running++
	s.emit(EventStarted, i, Event{})
	s.group.Go(func() error {
		c := completion{idx: i, err: errGoexit}
		// Always report back, even on Goexit or a panic outside Run (say,
		// in the clock), or the scheduler would wait forever.
		defer func() {
			if r := recover(); r != nil {
				c = completion{idx: i, err: &PanicError{Value: r, Stack: debug.Stack()}}
			}
			s.done <- c
		}()
		c = s.work(i, a, in)
		return nil
	})
}

// work runs on a worker goroutine and only reads immutable state.
func (s *scheduler) work(i int, a Action, in Inputs) completion {
	c := completion{idx: i}
	var t0 time.Time
	if s.o.clock != nil {
		t0 = s.o.clock()
	}
	c.err = protect(func() (err error) {
		// The label goes to every goroutine the action starts, so a CPU profile
		// (mwedition --cpuprofile; go tool pprof -tags) splits the time by kind of action.
		pprof.Do(s.ctx, pprof.Labels("action", a.Kind), func(ctx context.Context) {
			c.outcome, err = a.Run(ctx, in)
		})
		return err
	})
	if s.o.clock != nil {
		c.elapsed = s.o.clock().Sub(t0)
	}
	if c.err == nil && s.o.cache != nil {
		if err := protect(func() error { return s.o.cache.Store(a.Key, c.outcome) }); err != nil {
			// The work is done but would be redone next time unnoticed;
			// surface it rather than hide a broken cache.
			c.err = fmt.Errorf("cache store: %w", err)
		}
	}
	return c
}

// inputs collects the outcomes of i's dependencies, which have all succeeded.
func (s *scheduler) inputs(i int) Inputs {
	m := make(map[string]Outcome, len(s.g.deps[i]))
	for _, d := range s.g.deps[i] {
		m[s.g.actions[d].ID] = s.results[d].Outcome
	}
	return Inputs{m: m}
}

// protect turns a panic in f into a *PanicError.
func protect(f func() error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return f()
}

func (s *scheduler) complete(c completion) {
	s.running--
	if c.err != nil {
		s.fail(c.idx, c.err, c.elapsed)
		return
	}
	s.succeed(c.idx, Executed, c.outcome, c.elapsed)
}

// succeed settles i, hands its outcome to same-key waiters and releases
// dependents whose deps have now all succeeded.
func (s *scheduler) succeed(i int, st Status, out Outcome, elapsed time.Duration) {
	r := &s.results[i]
	r.Status, r.Outcome, r.Elapsed = st, out, elapsed
	typ := EventFinished
	if st == Cached {
		typ = EventCached
	}
	s.settle(typ, i, Event{Bytes: out.Bytes, Elapsed: elapsed})

	if ks := s.keys[s.g.actions[i].Key]; ks.owner == i {
		ks.done, ks.outcome = true, out
		waiters := ks.waiters
		ks.waiters = nil
		for _, w := range waiters {
			s.succeed(w, Cached, out, 0)
		}
	}
	for _, d := range s.g.dependents[i] {
		if s.missing[d]--; s.missing[d] == 0 {
			s.ready.add(d)
		}
	}
}

// fail settles i as a root cause and skips everything that needed it,
// including same-key waiters, whose work is the very work that failed.
func (s *scheduler) fail(i int, err error, elapsed time.Duration) {
	a := s.g.actions[i]
	ae := &ActionError{ID: a.ID, Kind: a.Kind, Where: a.Where, Err: err}
	r := &s.results[i]
	r.Status, r.Err, r.Elapsed = Failed, ae, elapsed
	s.failures = append(s.failures, ae)
	s.settle(EventFailed, i, Event{Err: ae, Elapsed: elapsed})

	ks := s.keys[a.Key]
	ks.done, ks.failed = true, true
	waiters := ks.waiters
	ks.waiters = nil
	s.skipDependents(i, i)
	for _, w := range waiters {
		s.skip(w, i)
	}
}

func (s *scheduler) skip(i, root int) {
	r := &s.results[i]
	if r.Status != Pending {
		return // reached through another path, or blocked by another root
	}
	r.Status, r.BlockedBy = Skipped, s.g.actions[root].ID
	s.settle(EventSkipped, i, Event{})
	s.skipDependents(i, root)
}

func (s *scheduler) skipDependents(i, root int) {
	for _, d := range s.g.dependents[i] {
		s.skip(d, root)
	}
}

func (s *scheduler) settle(typ EventType, i int, ev Event) {
	s.settled++
	s.emit(typ, i, ev)
}

func (s *scheduler) emit(typ EventType, i int, ev Event) {
	if s.o.observer == nil {
		return
	}
	a := s.g.actions[i]
	ev.Type, ev.Action, ev.Kind, ev.Label = typ, a.ID, a.Kind, a.Label
	ev.Done, ev.Total = s.settled, len(s.g.actions)
	s.o.observer(ev)
}

func (s *scheduler) report() (Report, error) {
	rep := Report{Results: make([]Result, 0, len(s.results))}
	for _, i := range s.g.byID {
		r := s.results[i]
		rep.Results = append(rep.Results, r)
		switch r.Status {
		case Executed:
			rep.Executed++
		case Cached:
			rep.Cached++
		case Failed:
			rep.Failed++
		case Skipped:
			rep.Skipped++
		}
	}

	slices.SortFunc(s.failures, func(x, y *ActionError) int { return strings.Compare(x.ID, y.ID) })
	errs := make([]error, 0, len(s.failures)+1)
	for _, ae := range s.failures {
		errs = append(errs, ae)
	}
	if unsettled := len(s.results) - s.settled; unsettled > 0 {
		cause := s.ctx.Err()
		if cause == nil {
			// Cannot happen without cancellation; never report success with
			// actions left unrun.
			cause = errors.New("scheduler stalled")
		}
		errs = append(errs, fmt.Errorf("engine: %d of %d actions not run: %w", unsettled, len(s.results), cause))
	}
	return rep, errors.Join(errs...)
}
