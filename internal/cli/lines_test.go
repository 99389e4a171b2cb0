package cli

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// cache gc keeps what every release line's lock pins, from whichever line it runs in.
func TestSiblingLines(t *testing.T) {
	top := t.TempDir()
	write := func(name, body string) {
		p := filepath.Join(top, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("line.hcl", `line "1.39" {}`)
	write("editions.lock", "{}")
	write("lines/1.43/line.hcl", `line "1.43" { include = ["../../editions/*.hcl"] }`)
	write("lines/1.43/editions.lock", "{}")
	write("lines/1.44/line.hcl", `line "1.44" { include = ["../../editions/*.hcl"] }`) // not locked yet
	write("other/editions.lock", "{}")
	for _, tc := range []struct {
		dir  string
		want []string
	}{
		{".", []string{filepath.Join(top, "lines/1.43")}},
		{"lines/1.43", []string{top}},
		{"other", nil},
	} {
		if d := cmp.Diff(tc.want, siblingLines(filepath.Join(top, tc.dir))); d != "" {
			t.Errorf("siblingLines(%s) (-want +got):\n%s", tc.dir, d)
		}
	}
}
