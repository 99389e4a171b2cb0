package cli

import (
	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/spec"
)

// newReference prints docs/reference.md as the schema renders it: hidden, since the file
// is what people read; it regenerates the file (mwedition reference > docs/reference.md)
// and lets a test check that the binary's reference is the committed one.
func newReference(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:    "reference",
		Short:  "Print the manifest reference (docs/reference.md) as this binary's schema renders it",
		Hidden: true,
		Args:   noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ref := spec.Reference()
			if g.json {
				g.result(map[string]any{"event": "reference", "path": "docs/reference.md", "markdown": string(ref)})
				return nil
			}
			_, err := g.stdout.Write(ref)
			return err
		},
	}
}
