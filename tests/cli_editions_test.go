//go:build e2e

package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mwedition/mwedition/internal/lock"
)

// The rows of issue 15's items 7 (setting names), 8 (edition versions) and 9 (errors said
// once). Each starts from the shipped project and the real 1.39.17 corpus.
func init() {
	addCLIRows(settingRows()...)
	addCLIRows(editionVersionRows()...)
	addCLIRows(errorsOnceRows()...)
}

func settingRows() []cliRow {
	return []cliRow{
		{
			item: "settings", name: "smwg setting of a component declaring it under config_prefix",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				withProject(t, dir, cache)
				addDirExtension(t, dir, "SemanticMini", `{"name": "SemanticMini", "version": "4.1.0", "manifest_version": 2,
 "requires": {"MediaWiki": ">= 1.39.0"},
 "config_prefix": "smwg", "config": {"QMaxSize": {"value": 16}, "EnabledEditPageHelp": {"value": true}}}`)
				writeProjectFile(t, dir, "editions/semantic.hcl", `edition "semantic" {
  title      = "Semantic"
  version    = "1.39.17.1"
  extensions = ["SemanticMini"]
  settings   = { smwgQMaxSize = 32, wgEnableUploads = true }
}
`)
				return nil
			},
			args: []string{"lock"}, code: 0, stdout: []string{"editions.lock written: 35 components"},
			check: func(t *testing.T, dir string, r result) {
				c := lockedComponent(t, dir, "extension/SemanticMini")
				if cfg := c.Registry.Config; cfg == nil || cfg.Prefix != "smwg" || cfg.Names != "EnabledEditPageHelp QMaxSize" {
					t.Errorf("the lock records SemanticMini's config as %+v", cfg)
				}
				if v := run(t, dir, corpusCache(t), "validate"); v.code != 0 || !strings.Contains(v.stdout, "semantic         1.39.17.1  1 extensions") {
					t.Errorf("validate after lock: exit %d\n%s%s", v.code, v.stdout, v.stderr)
				}
			},
		},
		{
			item: "settings", name: "eg setting of a manifest_version 1 extension with config._prefix",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				withProject(t, dir, cache)
				addDirExtension(t, dir, "MapsMini", `{"name": "MapsMini", "version": "10.1.0",
 "config": {"_prefix": "eg", "@MapsDefaultService": "leaflet or google", "MapsDefaultService": "leaflet"}}`)
				writeProjectFile(t, dir, "editions/maps.hcl", `edition "maps" {
  title      = "Maps"
  version    = "1.0"
  extensions = ["MapsMini"]
  settings   = { egMapsDefaultService = "leaflet" }
}
`)
				return nil
			},
			args: []string{"--json", "lock"}, code: 0, json: map[string]any{"event": "locked", "changed": true},
			check: func(t *testing.T, dir string, _ result) {
				if cfg := lockedComponent(t, dir, "extension/MapsMini").Registry.Config; cfg == nil || cfg.Prefix != "eg" || cfg.Names != "MapsDefaultService" {
					t.Errorf("the lock records MapsMini's config as %+v", cfg)
				}
			},
		},
		{
			item: "settings", name: "misspelt name: did you mean, at file:line:col",
			setup: editProject("editions/enterprise.hcl", "wgBlockDisablesLogin    = true", "wgBlockDisableLogin     = true"),
			args:  []string{"validate"}, code: 1,
			stderr: []string{
				"editions/enterprise.hcl:14:5: error: Unknown setting",
				`wgBlockDisableLogin is not a configuration variable of MediaWiki or of any of the edition's components`,
				`Did you mean "wgBlockDisablesLogin"?`,
				"In edition enterprise.",
			},
		},
		{
			item: "settings", name: "misspelt name with --json: one diagnostic at the name",
			setup: editProject("editions/knowledge-base.hcl", "wgEnableUploads ", "wgEnableUpload  "),
			args:  []string{"--json", "validate"}, code: 1,
			json: map[string]any{"summary": "Unknown setting", "file": "editions/knowledge-base.hcl", "line": 14, "column": 5},
			check: func(t *testing.T, _ string, r result) {
				// knowledge-base and enterprise, which inherits it: one diagnostic naming both.
				if n := strings.Count(r.stdout, `"Unknown setting"`); n != 1 {
					t.Errorf("%d Unknown setting diagnostics, want 1:\n%s", n, r.stdout)
				}
				if !strings.Contains(r.stdout, `In editions enterprise and knowledge-base.`) || !strings.Contains(r.stdout, `Did you mean \"wgEnableUploads\"?`) {
					t.Errorf("the diagnostic does not name both editions or the right name:\n%s", r.stdout)
				}
			},
		},
		{
			item: "settings", name: "setting of an extension the edition removes",
			setup: editProject("editions/enterprise.hcl", "wgBlockDisablesLogin    = true", `wgMathValidModes = ["source"]`),
			args:  []string{"plan", "--format", "tree"}, code: 1,
			stderr: []string{"editions/enterprise.hcl:14:5: error: Unknown setting",
				"wgMathValidModes is declared by extension/Math, which the edition does not hold"},
		},
		{
			item: "settings", name: "a name that is no PHP variable is refused by the loader",
			setup: editProject("editions/enterprise.hcl", "wgBlockDisablesLogin    = true", `"$wgBlockDisablesLogin" = true`),
			args:  []string{"validate"}, code: 1,
			stderr: []string{"editions/enterprise.hcl:14:5: error: Invalid setting name", "without '$'"},
		},
	}
}

func editionVersionRows() []cliRow {
	return []cliRow{
		{
			item: "edition version", name: "same version, added member: lock exits 1 naming edition and change",
			setup: editProject("editions/core.hcl", `"AbuseFilter", `, `"AbuseFilter", "Math", `),
			args:  []string{"lock"}, code: 1,
			stderr: []string{
				"editions/core.hcl:5:13: error: Edition changed, version did not",
				`Edition "core" changed since editions.lock recorded its version ` + shippedEditionVersion + `: added extension/Math.`,
				"bump version at editions/core.hcl:5.",
			},
			stdout: []string{"editions.lock not written"},
			check: func(t *testing.T, dir string, r result) {
				// knowledge-base has Math already and enterprise removes it: neither changed.
				if n := strings.Count(r.stderr, "Edition changed"); n != 1 {
					t.Errorf("%d editions reported, want core only:\n%s", n, r.stderr)
				}
				sameAsShipped(t, dir)
			},
		},
		{
			item: "edition version", name: "same version, removed member: build exits 1 before building",
			setup: editProject("editions/core.hcl", `"Poem", `, ``),
			args:  []string{"build", "--format", "tree"}, code: 1,
			stderr: []string{
				`Edition "core" changed since editions.lock recorded its version ` + shippedEditionVersion + `: removed extension/Poem.`,
				`Edition "enterprise" changed since editions.lock recorded its version ` + shippedEditionVersion + `: removed extension/Poem.`,
				"editions/knowledge-base.hcl:7:14: error: Edition changed, version did not",
			},
			check: func(t *testing.T, dir string, _ result) {
				if _, err := os.Stat(filepath.Join(dir, "out")); !os.IsNotExist(err) {
					t.Errorf("a refused build made out/: %v", err)
				}
			},
		},
		{
			item: "edition version", name: "component changed version under the same edition version",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				withProject(t, dir, cache)
				addDirExtension(t, dir, "Probe", `{"name": "Probe", "version": "1.0.0", "manifest_version": 2}`)
				writeProjectFile(t, dir, "editions/probe.hcl", "edition \"probe\" {\n  title      = \"Probe\"\n  version    = \"2.0\"\n  extensions = [\"Probe\"]\n}\n")
				if r := run(t, dir, cache, "-q", "lock"); r.code != 0 {
					t.Fatalf("first lock: exit %d\n%s", r.code, r.stderr)
				}
				writeProjectFile(t, dir, "local/Probe/extension.json", `{"name": "Probe", "version": "1.0.1", "manifest_version": 2}`)
				return nil
			},
			args: []string{"lock"}, code: 1,
			stderr: []string{"editions/probe.hcl:3:16: error: Edition changed, version did not",
				`Edition "probe" changed since editions.lock recorded its version 2.0: changed extension/Probe 1.0.0 -> 1.0.1.`},
		},
		{
			item: "edition version", name: "bumped version: lock records the new members",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				editProject("editions/core.hcl", `"AbuseFilter", `, `"AbuseFilter", "Math", `)(t, dir, cache)
				editProject("editions/core.hcl", `version = line.edition_version`, `version = "`+nextEditionVersion+`"`)(t, dir, cache)
				return nil
			},
			args: []string{"--json", "lock"}, code: 0, json: map[string]any{"event": "locked", "changed": true},
			check: func(t *testing.T, dir string, _ result) {
				lk, err := lock.Read(dir)
				if err != nil {
					t.Fatal(err)
				}
				e, _ := lk.Edition("core")
				if e.Version != nextEditionVersion || !contains(e.Members, "extension/Math") || len(e.Members) != 31 {
					t.Errorf("the lock records core as %s with %d members %v", e.Version, len(e.Members), e.Members)
				}
			},
		},
	}
}

func errorsOnceRows() []cliRow {
	cycle := editProject("editions/core.hcl", `  title   = "MediaWiki Core"`, "  title   = \"MediaWiki Core\"\n  inherits = \"enterprise\"")
	once := func(what string) func(t *testing.T, dir string, r result) {
		return func(t *testing.T, _ string, r result) {
			if n := strings.Count(r.stderr, what); n != 1 {
				t.Errorf("%q is said %d times, want once:\n%s", what, n, r.stderr)
			}
		}
	}
	cycleErr := []string{"editions/core.hcl:5:14: error: Inheritance cycle",
		`Edition "core" inherits from itself: core -> enterprise -> knowledge-base -> core.`}
	return []cliRow{
		{item: "errors once", name: "cycle: validate says it once, naming the edition", setup: cycle,
			args: []string{"validate"}, code: 1, stderr: cycleErr, check: once("Inheritance cycle")},
		{item: "errors once", name: "cycle: plan says it once", setup: cycle,
			args: []string{"plan"}, code: 1, stderr: cycleErr, check: once("Inheritance cycle")},
		{item: "errors once", name: "cycle: build says it once", setup: cycle,
			args: []string{"build", "--format", "tree"}, code: 1, stderr: cycleErr, check: once("Inheritance cycle")},
		{
			item: "errors once", name: "incompatible requirement at lock: once, naming the editions",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				withProject(t, dir, cache)
				addDirExtension(t, dir, "Newer", `{"name": "Newer", "version": "1.0.0", "manifest_version": 2, "requires": {"MediaWiki": ">= 1.40.0"}}`)
				editProject("editions/core.hcl", `"AbuseFilter", `, `"AbuseFilter", "Newer", `)(t, dir, cache)
				return nil
			},
			args: []string{"lock"}, code: 1,
			stderr: []string{"editions/core.hcl:9:20: error: Incompatible MediaWiki",
				"extension/Newer 1.0.0 requires MediaWiki >= 1.40.0, but the edition's core is " + shippedCoreVersion + ".",
				"In editions core, enterprise and knowledge-base."},
			check: once("Incompatible MediaWiki"),
		},
		{
			item: "errors once", name: "incompatible requirement in the lock: build says it once",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				withProject(t, dir, cache)
				// As if Poem's extension.json required a later MediaWiki.
				b, err := os.ReadFile(filepath.Join(dir, lock.FileName))
				if err != nil {
					t.Fatal(err)
				}
				lk, err := lock.Decode(b)
				if err != nil {
					t.Fatal(err)
				}
				for i := range lk.Components {
					if lk.Components[i].ID == "extension/Poem" {
						lk.Components[i].Registry.Requires.MediaWiki = ">= 1.40.0"
					}
				}
				if err := lock.Write(dir, lk); err != nil {
					t.Fatal(err)
				}
				return nil
			},
			args: []string{"build", "--format", "tree"}, code: 1,
			stderr: []string{"editions/core.hcl:", "error: Incompatible MediaWiki",
				"extension/Poem 1.39.17 requires MediaWiki >= 1.40.0", "In editions core, enterprise and knowledge-base."},
			check: once("Incompatible MediaWiki"),
		},
	}
}

// editProject copies the shipped project and replaces old by new in one of its files.
func editProject(file, old, new string) func(t *testing.T, dir, cache string) map[string]string {
	return func(t *testing.T, dir, cache string) map[string]string {
		t.Helper()
		if _, err := os.Stat(filepath.Join(dir, lock.FileName)); err != nil {
			withProject(t, dir, cache)
		}
		p := filepath.Join(dir, file)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), old) {
			t.Fatalf("%s has no %q", file, old)
		}
		writeProjectFile(t, dir, file, strings.Replace(string(b), old, new, 1))
		return nil
	}
}

// addDirExtension adds an extension with a dir source under local/ and its recipe.
func addDirExtension(t *testing.T, dir, name, manifest string) {
	t.Helper()
	writeProjectFile(t, dir, "local/"+name+"/extension.json", manifest)
	p := filepath.Join(dir, "recipes/extensions.hcl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	writeProjectFile(t, dir, "recipes/extensions.hcl", string(b)+"\nextension \""+name+"\" {\n  source \"dir\" { path = \"../local/"+name+"\" }\n}\n")
}

func lockedComponent(t *testing.T, dir, id string) lock.Component {
	t.Helper()
	lk, err := lock.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, ok := lk.Lookup(id)
	if !ok {
		t.Fatalf("the lock has no %s", id)
	}
	return c
}

// sameAsShipped fails unless the project's lock is still the shipped one.
func sameAsShipped(t *testing.T, dir string) {
	t.Helper()
	want, _ := os.ReadFile("../" + lock.FileName)
	got, _ := os.ReadFile(filepath.Join(dir, lock.FileName))
	if string(want) != string(got) {
		t.Error("a refused lock changed editions.lock")
	}
}
