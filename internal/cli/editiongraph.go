package cli

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/resolve"
)

// editionGraph prints `graph --editions`: which edition starts from which, and what each
// adds and removes, as text or (--dot) as Graphviz. The README's picture of the shipped
// editions is this output, rendered.
func (g *globals) editionGraph(cmd *cobra.Command, dot bool) error {
	for _, f := range []string{"format", "image-base", "edition"} {
		if cmd.Flags().Changed(f) {
			return usageError{fmt.Errorf("--editions draws the editions, not the actions: --%s does not apply", f)}
		}
	}
	p, lk, err := g.projectAndLock()
	if err != nil {
		return err
	}
	gr, diags := resolve.Resolve(p.Set, lk)
	g.diagnostics(p, diags)
	if diags.HasErrors() {
		return exitError{ExitFailure}
	}
	heirs := resolve.Inheritance(p.Set, gr)
	switch {
	case dot:
		fmt.Fprint(g.stdout, resolve.InheritanceDOT(heirs))
		return nil
	case g.json:
		for _, h := range heirs {
			g.result(map[string]any{"event": "edition", "name": h.Edition.Name, "version": h.Edition.Version, "core": h.Core,
				"inherits": h.Inherits, "adds": orEmpty(h.Adds), "removes": orEmpty(h.Removes)})
		}
		return nil
	}
	for _, h := range heirs {
		from := "from " + h.Core
		if h.Inherits != "" {
			from = "inherits " + h.Inherits
		}
		line := fmt.Sprintf("%s %s %s", h.Edition.Name, h.Edition.Version, from)
		if len(h.Adds) > 0 {
			line += ", adds " + strings.Join(h.Adds, ", ")
		}
		if len(h.Removes) > 0 {
			line += ", removes " + strings.Join(h.Removes, ", ")
		}
		fmt.Fprintln(g.stdout, line)
	}
	return nil
}
