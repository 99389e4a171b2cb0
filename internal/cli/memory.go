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

// limitMemory sets the runtime's soft memory limit from the number of jobs, unless
// GOMEMLIMIT already set one. Without a limit, the garbage collector lets the heap grow to
// twice what is live before collecting, and the encoders a build makes and drops one after
// another (tens of MiB each) make that double what the build holds at any moment. The limit
// only makes collection earlier: a build that holds more still runs.
func (g *globals) limitMemory() {
	if g.env("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(memoryBase + int64(g.jobs)*memoryPerJob)
}
