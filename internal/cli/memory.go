package cli

import "runtime/debug"

// What a build holds, for the Go runtime's soft memory limit: every compressor's state is
// fixed, whatever the tree's size (the largest, an xz encoder with its 4 MiB dictionary, is
// 28 MiB, and its compressed chunk at most about 12 MiB), and at most one runs per job;
// the rest (trees, the action graph, the runtime) fits in the base.
const (
	memoryBase   = 64 << 20
	memoryPerJob = 48 << 20
)

// memoryBudget is the soft memory limit for a number of jobs.
func memoryBudget(jobs int) int64 { return memoryBase + int64(max(jobs, 1))*memoryPerJob }

// limitMemory gives the build a memory budget that depends on the number of jobs, never
// on the tree: the runtime's soft limit, with the proportional collector turned off, so
// that the heap is collected when it reaches the budget. With the collector's default
// (collect when the heap has doubled since the last collection), the peak follows what is
// live, and what is live grows with the number of files of the components packed at once
// (their names and digests, which RPM headers and md5sums need before any byte is
// written): on MediaWiki, 44 MB live peaked at 122 MB, and a tree twice as large, 60 MB
// live, at 165. Collecting at the budget instead gives 173 MB for both, in a fifth less
// CPU. A build whose live heap outgrows the budget still runs: the runtime then collects
// more often, within its own CPU cap, and lets the heap grow.
//
// GOMEMLIMIT in the environment replaces the budget (and leaves GOGC to the runtime);
// GOGC alone keeps its proportional collector below the budget.
func (g *globals) limitMemory() {
	if g.env("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryBudget(g.jobs))
	if g.env("GOGC") == "" {
		debug.SetGCPercent(-1)
	}
}
