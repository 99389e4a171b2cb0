package engine

import (
	"cmp"
	"container/heap"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ErrInvalidGraph is wrapped by every error that rejects a graph before
// anything runs (duplicate or empty IDs, unknown deps, cycles, missing keys).
var ErrInvalidGraph = errors.New("invalid action graph")

// graph is the validated, index-based form of an action list. Indices refer
// to positions in the caller's slice; everything derived from them is ordered
// by ID so that output and dispatch order never depend on input order.
type graph struct {
	actions    []Action
	index      map[string]int
	byID       []int   // action indices sorted by ID
	rank       []int   // rank[i] is the position of action i in byID
	deps       [][]int // deduplicated, sorted by ID
	dependents [][]int // sorted by ID
}

// requirements says which per-action fields a caller of newGraph needs: DOT
// only draws the graph, Plan needs keys, Run needs keys and Run funcs.
type requirements struct {
	key, run bool
}

func newGraph(actions []Action, req requirements) (*graph, error) {
	g := &graph{actions: actions, index: make(map[string]int, len(actions))}
	var errs []error
	invalid := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("engine: %w: "+format, append([]any{ErrInvalidGraph}, args...)...))
	}
	for i, a := range actions {
		switch first, dup := g.index[a.ID]; {
		case a.ID == "":
			invalid("action #%d%s has an empty ID", i, at(a.Where))
			continue
		case dup:
			invalid("duplicate action ID %q%s (first defined%s)", a.ID, at(a.Where), at(actions[first].Where))
			continue
		}
		g.index[a.ID] = i
		if req.key && a.Key == "" {
			invalid("action %q%s has an empty Key", a.ID, at(a.Where))
		}
		if req.run && a.Run == nil {
			invalid("action %q%s has no Run func", a.ID, at(a.Where))
		}
	}
	for _, a := range actions {
		for _, d := range a.Deps {
			if _, ok := g.index[d]; !ok {
				invalid("action %q%s depends on unknown action %q", a.ID, at(a.Where), d)
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}

	n := len(actions)
	g.byID = make([]int, n)
	for i := range g.byID {
		g.byID[i] = i
	}
	slices.SortFunc(g.byID, func(x, y int) int { return strings.Compare(actions[x].ID, actions[y].ID) })
	g.rank = make([]int, n)
	for r, i := range g.byID {
		g.rank[i] = r
	}
	byRank := func(x, y int) int { return g.rank[x] - g.rank[y] }

	g.deps = make([][]int, n)
	g.dependents = make([][]int, n)
	for i, a := range actions {
		ds := make([]int, 0, len(a.Deps))
		for _, d := range a.Deps {
			ds = append(ds, g.index[d])
		}
		slices.SortFunc(ds, byRank)
		g.deps[i] = slices.Compact(ds) // a dep listed twice is still one edge
		for _, d := range g.deps[i] {
			g.dependents[d] = append(g.dependents[d], i)
		}
	}
	for i := range g.dependents {
		slices.SortFunc(g.dependents[i], byRank)
	}

	if cycle := g.findCycle(); cycle != nil {
		return nil, fmt.Errorf("engine: %w: dependency cycle %s (each action depends on the next)%s",
			ErrInvalidGraph, strings.Join(cycle, " -> "), at(actions[g.index[cycle[0]]].Where))
	}
	return g, nil
}

// at formats an optional source location for messages.
func at(where string) string {
	if where == "" {
		return ""
	}
	return " at " + where
}

// findCycle returns the IDs along one dependency cycle, first ID repeated at
// the end, or nil. Nodes and edges are visited in ID order, so the reported
// cycle is the same on every run.
func (g *graph) findCycle() []string {
	const (
		unvisited = iota
		onStack
		finished
	)
	state := make([]uint8, len(g.actions))
	var stack []int
	var visit func(i int) []int
	visit = func(i int) []int {
		state[i] = onStack
		stack = append(stack, i)
		for _, d := range g.deps[i] {
			switch state[d] {
			case onStack:
				start := slices.Index(stack, d)
				return append(slices.Clone(stack[start:]), d)
			case unvisited:
				if c := visit(d); c != nil {
					return c
				}
			}
		}
		stack = stack[:len(stack)-1]
		state[i] = finished
		return nil
	}
	for _, i := range g.byID {
		if state[i] != unvisited {
			continue
		}
		if c := visit(i); c != nil {
			ids := make([]string, len(c))
			for k, j := range c {
				ids[k] = g.actions[j].ID
			}
			return ids
		}
	}
	return nil
}

// topo returns action indices in dependency order, ties broken by ID.
func (g *graph) topo() []int {
	missing := make([]int, len(g.actions))
	q := &rankQueue{rank: g.rank}
	for i, ds := range g.deps {
		missing[i] = len(ds)
		if missing[i] == 0 {
			q.add(i)
		}
	}
	order := make([]int, 0, len(g.actions))
	for {
		i, ok := q.next()
		if !ok {
			return order
		}
		order = append(order, i)
		for _, d := range g.dependents[i] {
			if missing[d]--; missing[d] == 0 {
				q.add(d)
			}
		}
	}
}

// rankQueue is a min-heap of action indices ordered by ID rank; it gives the
// scheduler its deterministic "smallest ID first" dispatch order.
type rankQueue struct {
	items []int
	rank  []int
}

func (q *rankQueue) Len() int           { return len(q.items) }
func (q *rankQueue) Less(a, b int) bool { return q.rank[q.items[a]] < q.rank[q.items[b]] }
func (q *rankQueue) Swap(a, b int)      { q.items[a], q.items[b] = q.items[b], q.items[a] }
func (q *rankQueue) Push(x any)         { q.items = append(q.items, x.(int)) }
func (q *rankQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}

func (q *rankQueue) add(i int) { heap.Push(q, i) }

func (q *rankQueue) next() (int, bool) {
	if len(q.items) == 0 {
		return 0, false
	}
	return heap.Pop(q).(int), true
}

// PlanItem describes one action as Run would see it, without running it.
type PlanItem struct {
	ID, Kind, Key, Label string
	Group                string   // the action's Group: an edition, or "" for shared work
	Cached               bool     // the cache holds the key and the check (if any) accepts it
	Deps                 []string // sorted, deduplicated
}

// Plan says, without running anything, which actions the cache already holds
// and which would run. Items come in topological order, ties broken by ID.
// Each action shows its own cache state even when a dep would run, because
// keys are computed up front by the caller. Only WithCache and each action's Valid
// matter here; other options are validated and otherwise ignored.
func Plan(actions []Action, opts ...Option) ([]PlanItem, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	g, err := newGraph(actions, requirements{key: true})
	if err != nil {
		return nil, err
	}
	items := make([]PlanItem, 0, len(actions))
	for _, i := range g.topo() {
		a := actions[i]
		_, cached, err := o.lookup(a)
		if err != nil {
			return nil, &ActionError{ID: a.ID, Kind: a.Kind, Where: a.Where, Err: err}
		}
		items = append(items, PlanItem{
			ID: a.ID, Kind: a.Kind, Key: a.Key, Label: a.Label, Group: a.Group,
			Cached: cached,
			Deps:   g.ids(g.deps[i]),
		})
	}
	return items, nil
}

func (g *graph) ids(idx []int) []string {
	if len(idx) == 0 {
		return nil
	}
	out := make([]string, len(idx))
	for k, i := range idx {
		out[k] = g.actions[i].ID
	}
	return out
}

// DOT renders a plan in Graphviz syntax for `mwedition graph --dot`. Actions of one
// group (an edition) are drawn in a cluster of their own, shared work outside every
// cluster; cached actions are grey and dashed, so what a build would run stands out.
// Output is deterministic: clusters, and nodes within them, sorted by ID; edges (dep ->
// dependent) sorted by dependent then dep.
func DOT(items []PlanItem) string {
	items = slices.Clone(items)
	slices.SortFunc(items, func(x, y PlanItem) int {
		return cmp.Or(strings.Compare(x.Group, y.Group), strings.Compare(x.ID, y.ID))
	})
	var b strings.Builder
	// Edges merged where they run together, and small boxes: a build of three editions
	// has hundreds of actions, and the picture is to be read, not admired.
	b.WriteString("digraph mwedition {\n\trankdir=LR;\n\tconcentrate=true;\n\tranksep=1.2;\n\tnode [shape=box, fontname=\"Helvetica\", fontsize=11, height=0.3];\n")
	group, indent := "", "\t"
	for _, it := range items {
		if it.Group != group {
			if group != "" {
				b.WriteString("\t}\n")
			}
			group, indent = it.Group, "\t\t"
			fmt.Fprintf(&b, "\tsubgraph \"cluster_%s\" {\n\t\tlabel=\"edition %s\";\n\t\tfontname=\"Helvetica-Bold\";\n\t\tstyle=filled;\n\t\tfillcolor=\"#eef3fb\";\n", dotEscape(group), dotEscape(group))
		}
		// The label is what progress says ("deb mediawiki-core"); the ID is the tooltip.
		label := dotEscape(cmp.Or(it.Label, it.ID))
		if it.Kind != "" {
			label += `\n` + dotEscape(it.Kind)
		}
		style := ""
		if it.Cached {
			label += `\n(cached)`
			style = `, style=dashed, color=gray50, fontcolor=gray50`
		}
		fmt.Fprintf(&b, "%s\"%s\" [label=\"%s\", tooltip=\"%s\"%s];\n", indent, dotEscape(it.ID), label, dotEscape(it.ID), style)
	}
	if group != "" {
		b.WriteString("\t}\n")
	}
	slices.SortFunc(items, func(x, y PlanItem) int { return strings.Compare(x.ID, y.ID) })
	for _, it := range items {
		for _, d := range it.Deps {
			fmt.Fprintf(&b, "\t\"%s\" -> \"%s\";\n", dotEscape(d), dotEscape(it.ID))
		}
	}
	b.WriteString("}\n")
	return b.String()
}

var dotReplacer = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// dotEscape makes s safe inside a double-quoted DOT string.
func dotEscape(s string) string { return dotReplacer.Replace(s) }
