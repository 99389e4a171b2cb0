//go:build e2e

package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func init() {
	usage := func(name string, args []string, stderr string) cliRow {
		return cliRow{item: "bump usage", name: name, setup: withProject, args: append([]string{"bump"}, args...), code: 64,
			stderr: []string{stderr, "Run 'mwedition bump --help' for usage."}, check: unchangedProject}
	}
	addCLIRows(
		usage("no arguments", nil, "bump takes what to move and where: bump core VERSION, or bump extension|skin NAME --ref REF (got 0 arguments)"),
		usage("unknown kind", []string{"ext", "Poem", "--ref", "x"}, `cannot bump "ext": bump core, extension or skin; did you mean "extension"?`),
		usage("core version is no version", []string{"core", "latest"}, `bump core "latest": VERSION is a MediaWiki release such as 1.39.18`),
		usage("core with a bad sha256", []string{"core", "1.39.18", "--sha256", "ABC"}, `--sha256 "ABC" is not 64 lowercase hex digits`),
		usage("core with --ref", []string{"core", "1.39.18", "--ref", "main"}, "--ref moves an extension or a skin; a core moves to a VERSION"),
		usage("extension without --ref", []string{"extension", "Poem"}, "bump extension Poem needs --ref REF, the git ref to follow"),
		usage("extension with --sha256", []string{"extension", "Poem", "--ref", "x", "--sha256", strings.Repeat("0", 64)},
			"--url, --sha256, --signature and --name are for bump core; an extension moves with --ref"),
		usage("empty --url", []string{"core", "1.39.18", "--url", ""}, "--url was given an empty value"),
		cliRow{
			item: "bump", name: "a bundled extension moves with its core: exit 1, nothing written",
			setup: withProject, args: []string{"bump", "extension", "Cite", "--ref", "master"}, code: 1,
			stderr: []string{`mwedition: bump: extension/Cite is bundled in core "mediawiki": it moves with its core (mwedition bump core VERSION); nothing was written`},
			check:  unchangedProject,
		},
		cliRow{
			item: "bump", name: "an unreachable URL: exit 1, nothing written",
			setup: withProject, args: []string{"bump", "core", "1.39.18", "--url", "file:///srv/missing/mediawiki-1.39.18.tar.gz"}, code: 1,
			stderr: []string{"mwedition: bump: core/mediawiki: downloading file:///srv/missing/mediawiki-1.39.18.tar.gz: open /srv/missing/mediawiki-1.39.18.tar.gz: no such file or directory; nothing was written"},
			check:  unchangedProject,
		},
		cliRow{
			item: "bump", name: "no lock yet: exit 1",
			setup: func(t *testing.T, dir, _ string) map[string]string {
				for _, p := range []string{"line.hcl", "recipes", "patches", "editions"} {
					copyTree(t, "../"+p, filepath.Join(dir, p))
				}
				return nil
			},
			args: []string{"bump", "core", "1.39.18"}, code: 1,
			stderr: []string{"has no editions.lock: run mwedition lock first"},
		},
		cliRow{
			item: "bump", name: "a git extension to another ref: recipe, editions and lock move, the diff is printed",
			setup: withGitBranch, args: []string{"-q", "bump", "extension", "Gitty", "--ref", "next"}, code: 0,
			stdout: []string{
				"bump: extension/Gitty main → next",
				"edition core " + nextEditionVersion + " → 1.39.17.4",
				"wrote editions/core.hcl, editions/enterprise.hcl, editions/knowledge-base.hcl, recipes/extensions.hcl, editions.lock",
				"## Changes from " + nextEditionVersion + " to 1.39.17.4",
				"| `extension/Gitty` | 0.1.0+git", " → 0.2.0+git",
			},
			check: func(t *testing.T, dir string, _ result) {
				b := readProjectFile(t, dir, "recipes/extensions.hcl")
				if !strings.Contains(b, `    ref = "next"`) || strings.Contains(b, `ref = "main"`) {
					t.Errorf("recipes/extensions.hcl does not follow ref next:\n%s", b)
				}
			},
		},
		cliRow{
			item: "bump", name: "a git extension, --json",
			setup: withGitBranch, args: []string{"--json", "bump", "extension", "Gitty", "--ref", "next", "--edition-version", "2.0"}, code: 0,
			json: map[string]any{"event": "bumped", "component": "extension/Gitty", "from": "main", "to": "next", "changed": true,
				"editions.0.to": "2.0", "diff.format": "mwedition-diff-v1"},
		},
		cliRow{
			item: "bump", name: "a git extension to the ref it follows: exit 1",
			setup: withLockedGit, args: []string{"bump", "extension", "Gitty", "--ref", "main"}, code: 1,
			stderr: []string{"extension/Gitty already follows ref main (to move it to what main names now: mwedition lock --update Gitty)"},
		},
	)
}

// withGitBranch is withLockedGit whose repository also has a branch "next", one commit
// further, with another version in extension.json.
func withGitBranch(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	withLockedGit(t, dir, cache)
	repo := filepath.Join(dir, "remote", "Gitty")
	writeProjectFile(t, dir, "remote/Gitty/extension.json", `{"name": "Gitty", "version": "0.2.0", "manifest_version": 2}`+"\n")
	for _, args := range [][]string{{"checkout", "--quiet", "-b", "next"}, {"commit", "--quiet", "-am", "0.2.0"}, {"checkout", "--quiet", "main"}} {
		cmd := exec.Command("git", append([]string{"-C", repo, "-c", "user.name=Test", "-c", "user.email=test@example.org"}, args...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	return nil
}

// unchangedProject checks that the project's recipes, editions and lock are the shipped ones.
func unchangedProject(t *testing.T, dir string, _ result) {
	t.Helper()
	for _, p := range []string{"recipes/core.hcl", "recipes/extensions.hcl", "editions/core.hcl", "editions.lock"} {
		if readProjectFile(t, dir, p) != readProjectFile(t, "..", p) {
			t.Errorf("%s changed", p)
		}
	}
}

func readProjectFile(t *testing.T, dir, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
