package cli

import (
	"math"
	"runtime/debug"
	"testing"
)

func TestLimitMemory(t *testing.T) {
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(-1))
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	for _, c := range []struct {
		name      string
		env       map[string]string
		jobs      int
		limit     int64
		gcPercent int
	}{
		{"budget, collected at it", nil, 2, memoryBase + 2*memoryPerJob, -1},
		{"one job", nil, 1, memoryBase + memoryPerJob, -1},
		{"GOGC set: its collector, below the budget", map[string]string{"GOGC": "100"}, 2, memoryBase + 2*memoryPerJob, 100},
		{"GOMEMLIMIT set: left to the runtime", map[string]string{"GOMEMLIMIT": "1GiB"}, 2, math.MaxInt64, 100},
	} {
		t.Run(c.name, func(t *testing.T) {
			debug.SetMemoryLimit(math.MaxInt64)
			debug.SetGCPercent(100)
			g := &globals{jobs: c.jobs, env: func(k string) string { return c.env[k] }}
			g.limitMemory()
			if got := debug.SetMemoryLimit(-1); got != c.limit {
				t.Errorf("memory limit = %d, want %d", got, c.limit)
			}
			if got := debug.SetGCPercent(100); got != c.gcPercent {
				t.Errorf("GC percent = %d, want %d", got, c.gcPercent)
			}
		})
	}
}
