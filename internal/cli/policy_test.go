package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/spec"
)

// A release line answers to its own policy.hcl, or else to the one of the project whose
// manifests it includes.
func TestPolicyPath(t *testing.T) {
	top := t.TempDir()
	line := &spec.Line{Name: "1.43", Include: []string{"../../editions/*.hcl"}}
	for _, tc := range []struct {
		name, dir string
		line      *spec.Line
		own       bool
		want      string
	}{
		{"the root", ".", nil, false, "policy.hcl"},
		{"a line without its own", "lines/1.43", line, false, "policy.hcl"},
		{"a line with its own", "lines/1.43", line, true, "lines/1.43/policy.hcl"},
		{"a line including nothing above it", "lines/1.43", &spec.Line{Name: "1.43"}, false, "lines/1.43/policy.hcl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(top, tc.name, tc.dir)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			if tc.own {
				if err := os.WriteFile(filepath.Join(dir, "policy.hcl"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			g := &globals{dir: dir}
			got, err := filepath.Rel(filepath.Join(top, tc.name), g.policyPath(load.Project{Line: tc.line}))
			if err != nil || got != filepath.FromSlash(tc.want) {
				t.Errorf("policyPath = %s (%v), want %s", got, err, tc.want)
			}
		})
	}
}
