//go:build e2e

package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The core recipe with another sha256, as a release manager moving to a new tarball (or
// mistyping its digest) writes it.
const otherSHA = "1c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"

// Where the rows' diagnostics point, in the shipped recipes, which grow: the core recipe's
// sha256, and the source line of the Probe block addExtension appends after a blank line.
var (
	coreSHALine  = shippedLine("recipes/core.hcl", "    sha256    = ")
	coreSHAPos   = fmt.Sprintf("recipes/core.hcl:%d:17", coreSHALine)
	probeSrcLine = shippedLine("recipes/extensions.hcl", "") + 3
	probeSrcPos  = fmt.Sprintf("recipes/extensions.hcl:%d:25", probeSrcLine)
)

// shippedLine is the number of the first line of a shipped file that starts with prefix
// (with "", the number of lines): 0 if there is none, which no diagnostic names.
func shippedLine(rel, prefix string) int {
	b, err := os.ReadFile("../" + rel)
	if err != nil {
		return 0
	}
	lines := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if prefix == "" {
		return len(lines)
	}
	for i, l := range lines {
		if strings.HasPrefix(l, prefix) {
			return i + 1
		}
	}
	return 0
}

func init() {
	addCLIRows(
		cliRow{
			item: "validate checks the lock", name: "clean project: ok, and says what it did not check",
			setup: withProject, args: []string{"validate"}, code: 0,
			stdout: []string{
				"ok: 38 components, 3 editions, resolved against editions.lock",
				"checked: the recipes of the 34 components the editions use, against what editions.lock records of them",
				"not checked: the bytes of the tarball of core/mediawiki (checked against its sha256 when fetched: mwedition fetch)",
			},
		},
		cliRow{
			item: "validate checks the lock", name: "clean project: --json says the same",
			setup: withProject, args: []string{"--json", "validate"}, code: 0,
			json: map[string]any{"event": "validated", "lock": true, "checked.recipes": 34,
				"notChecked": []any{map[string]any{"what": "tarball bytes", "components": []any{"core/mediawiki"},
					"detail": "checked against their sha256 when fetched (mwedition fetch)"}}},
		},
		cliRow{
			item: "validate checks the lock", name: "unchanged dir source: read again, ok",
			setup: withLockedDir, args: []string{"validate"}, code: 0,
			stdout: []string{"checked: the files of extension/Probe are as locked (2 files"},
		},
		cliRow{
			item: "validate checks the lock", name: "edited dir source: exit 1 naming the component and files",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				withLockedDir(t, dir, cache)
				writeProjectFile(t, dir, "local/Probe/includes/Hooks.php", "<?php // edited after lock\n")
				writeProjectFile(t, dir, "local/Probe/i18n/en.json", "{}\n")
				return nil
			},
			args: []string{"validate"}, code: 1,
			stderr: []string{
				probeSrcPos + ": error: Stale lock",
				"The files of extension/Probe (local/Probe) changed since they were locked:",
				"modified: includes/Hooks.php",
				"added: i18n/en.json",
			},
			check: func(t *testing.T, _ string, r result) {
				if strings.Contains(r.stdout, "ok:") {
					t.Errorf("validate said ok about a stale lock:\n%s", r.stdout)
				}
			},
		},
		cliRow{
			item: "validate checks the lock", name: "edited dir source: --json names the component",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				withLockedDir(t, dir, cache)
				writeProjectFile(t, dir, "local/Probe/includes/Hooks.php", "<?php // edited after lock\n")
				return nil
			},
			args: []string{"--json", "validate"}, code: 1,
			json: map[string]any{"event": "diagnostic", "summary": "Stale lock", "component": "extension/Probe",
				"affected": []any{"extension/Probe"}, "file": "recipes/extensions.hcl", "line": probeSrcLine},
		},
		cliRow{
			item: "validate checks the lock", name: "git source: the ref is not asked of the remote, and validate says so",
			setup: withLockedGit, args: []string{"validate"}, code: 0,
			stdout: []string{"not checked: whether the git refs of extension/Gitty moved on their remotes (run mwedition lock --update NAME to move them)"},
		},
		cliRow{
			item: "stale lock", name: "changed core sha256: one root cause, old and new, one line of components",
			setup: withCoreSHA(otherSHA), args: []string{"validate"}, code: 1,
			stderr: []string{
				coreSHAPos + ": error: Stale lock",
				"  core \"mediawiki\" changed since it was locked:\n    the tarball's sha256\n",
				"locked: " + mediawikiSHA + "\n",
				"recipe: " + otherSHA + "\n",
				"Affected, being bundled in it (33): extensions AbuseFilter, CategoryTree, Cite,",
				"; skins MinervaNeue, MonoBook, Timeless, Vector.\n",
			},
			check: func(t *testing.T, _ string, r result) {
				if n := strings.Count(r.stderr, "error:"); n != 1 {
					t.Errorf("%d errors, want the one root cause:\n%s", n, r.stderr)
				}
				if n := strings.Count(r.stderr, "Affected"); n != 1 {
					t.Errorf("%d lines of affected components, want 1", n)
				}
			},
		},
		cliRow{
			item: "stale lock", name: "changed core sha256: --json names the component and the 34 affected",
			setup: withCoreSHA(otherSHA), args: []string{"--json", "validate"}, code: 1,
			json: map[string]any{"event": "diagnostic", "summary": "Stale lock", "component": "core/mediawiki",
				"file": "recipes/core.hcl", "line": coreSHALine},
			check: func(t *testing.T, _ string, r result) {
				var diags []map[string]any
				for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
					var d map[string]any
					if err := json.Unmarshal([]byte(l), &d); err != nil {
						t.Fatalf("not a JSON line: %q", l)
					}
					diags = append(diags, d)
				}
				if len(diags) != 1 {
					t.Fatalf("%d diagnostics, want 1:\n%s", len(diags), r.stdout)
				}
				if a, _ := diags[0]["affected"].([]any); len(a) != 34 || a[0] != "core/mediawiki" {
					t.Errorf("affected: %v, want core/mediawiki and the 33 components bundled in it", diags[0]["affected"])
				}
			},
		},
		cliRow{
			item: "stale lock", name: "changed core sha256: plan reports it the same way",
			setup: withCoreSHA(otherSHA), args: []string{"plan"}, code: 1,
			stderr: []string{coreSHAPos + ": error: Stale lock", "recipe: " + otherSHA},
			check: func(t *testing.T, _ string, r result) {
				if n := strings.Count(r.stderr, "error:"); n != 1 {
					t.Errorf("%d errors, want 1:\n%s", n, r.stderr)
				}
			},
		},
		cliRow{
			item: "stale lock", name: "lock edited by hand: the pin that disagrees, once",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				copyShipped(t, dir)
				editFile(t, dir, "editions.lock", `"sha256": "`+mediawikiSHA+`"`, `"sha256": "`+otherSHA+`"`)
				return nil
			},
			args: []string{"validate"}, code: 1,
			stderr: []string{coreSHAPos + ": error: Lock does not match recipe",
				"locked: " + otherSHA, "recipe: " + mediawikiSHA, "Was the lock edited by hand?"},
			check: func(t *testing.T, _ string, r result) {
				if n := strings.Count(r.stderr, "error:"); n != 1 {
					t.Errorf("%d errors, want 1:\n%s", n, r.stderr)
				}
			},
		},
	)
}

// withCoreSHA copies the shipped project and gives the core recipe another sha256.
func withCoreSHA(sha string) func(t *testing.T, dir, cache string) map[string]string {
	return func(t *testing.T, dir, _ string) map[string]string {
		t.Helper()
		copyShipped(t, dir)
		editFile(t, dir, "recipes/core.hcl", mediawikiSHA, sha)
		return nil
	}
}

// editFile replaces every old with new in a project file, which must hold old.
func editFile(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s does not hold %q", rel, old)
	}
	writeProjectFile(t, dir, rel, strings.ReplaceAll(string(b), old, new))
}

// withLockedDir is the shipped project plus Probe, an extension from a dir source in the
// core edition, locked.
func withLockedDir(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	writeProjectFile(t, dir, "local/Probe/extension.json", `{"name": "Probe", "version": "1.0.0", "license-name": "GPL-2.0-or-later",
 "requires": {"MediaWiki": ">= 1.39.0"}, "type": "other", "manifest_version": 2}
`)
	writeProjectFile(t, dir, "local/Probe/includes/Hooks.php", "<?php // hooks\n")
	addExtension(t, dir, "Probe", `source "dir" { path = "../local/Probe" }`)
	lockProject(t, dir, cache, "--offline")
	return nil
}

// withLockedGit is the shipped project plus Gitty, an extension from a git repository in
// the row's directory, locked; the repository then gets a newer commit on its branch.
func withLockedGit(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	repo := filepath.Join(dir, "remote", "Gitty")
	writeProjectFile(t, dir, "remote/Gitty/extension.json", `{"name": "Gitty", "version": "0.1.0", "manifest_version": 2}`+"\n")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=Test", "-c", "user.email=test@example.org"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "--quiet", "--initial-branch=main")
	git("add", ".")
	git("commit", "--quiet", "-m", "first")
	addExtension(t, dir, "Gitty", `source "git" {
    url = "file://`+repo+`"
    ref = "main"
  }`)
	lockProject(t, dir, cache)
	writeProjectFile(t, dir, "remote/Gitty/README", "newer\n")
	git("add", ".")
	git("commit", "--quiet", "-m", "second")
	return nil
}

// addExtension appends a recipe and lists the extension in the core edition.
func addExtension(t *testing.T, dir, name, source string) {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "recipes/extensions.hcl"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString("\nextension \"" + name + "\" {\n  " + source + "\n}\n"); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	editFile(t, dir, "editions/core.hcl", `"AbuseFilter",`, `"AbuseFilter", "`+name+`",`)
	bumpEditions(t, dir, nextEditionVersion)
}

func lockProject(t *testing.T, dir, cache string, flags ...string) {
	t.Helper()
	if r := run(t, dir, cache, append(flags, "--quiet", "lock")...); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
