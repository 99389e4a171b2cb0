package cli

import (
	"runtime"
	"runtime/debug"

	"github.com/mwedition/mwedition/internal/sbom"
)

// builder names this program in SBOMs and provenance: the module version the binary was
// built from ("(devel)" for a build of a source tree) and the Go toolchain that built it,
// which decides the bytes of gzip layers (DESIGN §5).
func builder() sbom.Builder {
	b := sbom.Builder{Version: "(devel)", Go: runtime.Version()}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		b.Version = bi.Main.Version
	}
	return b
}
