package cli

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"sort"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/sbom"
)

// builder names this program in SBOMs and provenance: the module version the binary was
// built from ("(devel)" for a build of a source tree) and the Go toolchain that built it,
// which decides the bytes of gzip layers (DESIGN §5).
func builder() sbom.Builder {
	v := readVersion(debug.ReadBuildInfo)
	return sbom.Builder{Version: v.Module, Go: v.Go}
}

// versionInfo is what `mwedition version` reports: enough to rebuild the same binary and
// to know which output layouts it writes.
type versionInfo struct {
	Module   string
	Commit   string
	Time     string
	Modified bool
	Go       string
	Platform string
	Lock     int
	Layouts  map[string]string
}

func readVersion(read func() (*debug.BuildInfo, bool)) versionInfo {
	v := versionInfo{Module: "(devel)", Go: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
		Lock: lock.FormatVersion, Layouts: build.FormatLayouts()}
	bi, ok := read()
	if !ok {
		return v
	}
	if bi.Main.Version != "" {
		v.Module = bi.Main.Version
	}
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			v.Commit = s.Value
		case "vcs.time":
			v.Time = s.Value
		case "vcs.modified":
			v.Modified = s.Value == "true"
		}
	}
	return v
}

func (v versionInfo) lines() []string {
	commit := "unknown (built without version control information)"
	if v.Commit != "" {
		commit = v.Commit
		if v.Time != "" {
			commit += " (" + v.Time + ")"
		}
		if v.Modified {
			commit += ", with uncommitted changes"
		}
	}
	out := []string{
		"mwedition " + v.Module,
		"commit:   " + commit,
		fmt.Sprintf("go:       %s %s", v.Go, v.Platform),
		fmt.Sprintf("lock:     editions.lock format %d", v.Lock),
		"layouts:",
	}
	names := make([]string, 0, len(v.Layouts))
	for n := range v.Layouts {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		out = append(out, fmt.Sprintf("  %-8s %s", n, v.Layouts[n]))
	}
	return out
}

func (g *globals) printVersion() {
	v := readVersion(debug.ReadBuildInfo)
	if g.json {
		g.result(map[string]any{"event": "version", "version": v.Module, "commit": v.Commit, "commitTime": v.Time,
			"modified": v.Modified, "go": v.Go, "platform": v.Platform, "lockVersion": v.Lock, "layouts": v.Layouts})
		return
	}
	for _, l := range v.lines() {
		fmt.Fprintln(g.stdout, l)
	}
}

func newVersion(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the commit it was built from, and the output layouts it writes",
		Long: `Version prints the module version, the commit the binary was built from (and whether the
tree had uncommitted changes), the Go toolchain and platform, the editions.lock format it
reads and writes, and the layout version of each output format: a new layout rebuilds that
format's outputs, so two binaries with the same layouts make the same bytes.`,
		Example: "  mwedition version\n  mwedition --version\n  mwedition version --json | jq -r .commit",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			g.printVersion()
			return nil
		},
	}
}
