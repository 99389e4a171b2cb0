package load_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/spec"
)

// writeTree writes files (slash-separated names) below dir.
func writeTree(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// twoLines is a project of two release lines sharing one edition and one git recipe.
var twoLines = map[string]string{
	"line.hcl": `line "1.39" {
  branch  = "REL1_39"
  version = "1.39.17.1"
}`,
	"recipes/core.hcl": `core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url    = "https://example.org/mediawiki-1.39.17.tar.gz"
    sha256 = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
  }
}
extension "Renameuser" {
  source "bundled" { path = "extensions/Renameuser" }
}`,
	"recipes/git.hcl": `extension "Lockdown" {
  source "git" {
    url = "https://example.org/Lockdown"
    ref = line.branch
  }
}`,
	"editions/core.hcl": `edition "core" {
  title      = "Core"
  version    = line.version
  extensions = concat(["Lockdown"], line.name == "1.39" ? ["Renameuser"] : [])
  output "image" { tags = [line.name, "latest"] }
}`,
	"lines/1.43/line.hcl": `line "1.43" {
  include = ["../../editions/*.hcl", "../../recipes/git.hcl"]
  branch  = "REL1_43"
  version = "1.43.9.1"
}`,
	"lines/1.43/recipes/core.hcl": `core "mediawiki" {
  version = "1.43.9"
  source "tarball" {
    url    = "https://example.org/mediawiki-1.43.9.tar.gz"
    sha256 = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
  }
}`,
}

func TestLines(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, twoLines)
	type view struct {
		Line       string
		Version    string
		Extensions []string
		Tags       []string
		Ref        string
	}
	for _, tc := range []struct {
		dir  string
		want view
	}{
		{".", view{"1.39", "1.39.17.1", []string{"Lockdown", "Renameuser"}, []string{"1.39", "latest"}, "REL1_39"}},
		{"lines/1.43", view{"1.43", "1.43.9.1", []string{"Lockdown"}, []string{"1.43", "latest"}, "REL1_43"}},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			p, diags := load.Dir(filepath.Join(root, tc.dir))
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			e, _ := p.Set.Edition("core")
			lockdown, _ := p.Set.Component(spec.ID(spec.Extension, "Lockdown"))
			got := view{Line: p.Line.Name, Version: e.Version, Ref: lockdown.Source.Ref, Tags: e.Outputs[0].Tags}
			for _, r := range e.Extensions {
				got.Extensions = append(got.Extensions, r.Name)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("line %s (-want +got):\n%s", tc.dir, d)
			}
		})
	}
}

func TestLineErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		edit  map[string]string
		dir   string
		wants []string
	}{
		{"merged into core", map[string]string{"lines/1.43/line.hcl": strings.Replace(twoLines["lines/1.43/line.hcl"], `"REL1_43"`, `"REL1_43"
  keep = true`, 1), "editions/core.hcl": strings.Replace(twoLines["editions/core.hcl"], `line.name == "1.39"`, `true`, 1)},
			"lines/1.43", []string{`../../editions/core.hcl:4,45-57`, `Renameuser is part of core since 1.40: remove it from edition "core" (its core "mediawiki" is 1.43.9).`}},
		{"unknown variable", map[string]string{"editions/core.hcl": strings.Replace(twoLines["editions/core.hcl"], "line.version", "line.versoin", 1)},
			"lines/1.43", []string{`../../editions/core.hcl:3,`, `versoin`}},
		{"two line blocks", map[string]string{"line.hcl": twoLines["line.hcl"] + "\nline \"x\" {}\n"},
			".", []string{"line.hcl", "exactly one line"}},
		{"include outside recipes and editions", map[string]string{"lines/1.43/line.hcl": `line "1.43" { include = ["../../line.hcl"] }`},
			"lines/1.43", []string{"Cannot include ../../line.hcl", "directory named recipes or editions"}},
		{"include matching nothing", map[string]string{"lines/1.43/line.hcl": `line "1.43" { include = ["../../editions/nope*.hcl"] }`},
			"lines/1.43", []string{"Cannot include ../../editions/nope*.hcl", "no file matches"}},
		{"a list that is not one", map[string]string{"editions/core.hcl": strings.Replace(twoLines["editions/core.hcl"], `concat(["Lockdown"], line.name == "1.39" ? ["Renameuser"] : [])`, `line.name`, 1)},
			".", []string{"editions/core.hcl:4,", "Expected a list of strings, found string"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			writeTree(t, root, twoLines)
			writeTree(t, root, tc.edit)
			_, diags := load.Dir(filepath.Join(root, tc.dir))
			if !diags.HasErrors() {
				t.Fatal("no error")
			}
			var lines []string
			for _, d := range diags {
				lines = append(lines, fmt.Sprintf("%v: %s; %s", d.Subject, d.Summary, d.Detail))
			}
			got := strings.Join(lines, "\n")
			for _, w := range tc.wants {
				if !strings.Contains(got, w) {
					t.Errorf("diagnostics lack %q:\n%s", w, got)
				}
			}
		})
	}
}
