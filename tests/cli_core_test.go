//go:build e2e

package tests

import (
	"os/exec"
	"strings"
	"testing"
)

// Rows for what every command shares: version, exit codes, --json, completion.
func init() {
	addCLIRows(
		cliRow{item: "version", name: "flag", args: []string{"--version"}, code: 0,
			stdout: []string{"mwedition ", "go:       go1.", "deb      mwedition-pack-v", "image    mwedition-image-v"}},
		cliRow{item: "version", name: "json", args: []string{"version", "--json"}, code: 0,
			json: map[string]any{"schema": 1, "event": "version", "commit": present, "modified": present, "layouts.tarball": present, "lockVersion": 1}},
		cliRow{item: "version", name: "commit of the binary", args: []string{"version"}, code: 0,
			check: func(t *testing.T, _ string, r result) {
				// make build builds from a git checkout: the binary names its commit.
				head, err := exec.Command("git", "rev-parse", "HEAD").Output()
				if err != nil {
					t.Skipf("not a git checkout: %v", err)
				}
				if !strings.Contains(r.stdout, strings.TrimSpace(string(head))[:12]) {
					t.Errorf("version does not name HEAD %s:\n%s", head, r.stdout)
				}
			}},

		cliRow{item: "exit codes", name: "misspelt command", args: []string{"buidl"}, code: 64,
			stderr: []string{`unknown command "buidl" for "mwedition"; did you mean "build"?`}},
		cliRow{item: "exit codes", name: "unknown cache command", args: []string{"cache", "foo"}, code: 64,
			stderr: []string{`unknown command "foo" for "mwedition cache"`, "Run 'mwedition cache --help'"}},
		cliRow{item: "exit codes", name: "unknown shell", args: []string{"completion", "foo"}, code: 64,
			stderr: []string{`unknown command "foo" for "mwedition completion"`}},
		cliRow{item: "exit codes", name: "unknown help topic", args: []string{"help", "foo"}, code: 64,
			stderr: []string{`help foo: "foo" is no command of "mwedition"`}},
		cliRow{item: "exit codes", name: "negative jobs", setup: withProject, args: []string{"-j", "-3", "validate"}, code: 64,
			stderr: []string{"--jobs must be at least 1 (got -3)"}},
		cliRow{item: "exit codes", name: "no jobs", setup: withProject, args: []string{"-j", "0", "plan"}, code: 64,
			stderr: []string{"--jobs must be at least 1 (got 0)"}},
		cliRow{item: "exit codes", name: "empty format", setup: withProject, args: []string{"build", "--format", ""}, code: 64,
			stderr: []string{"--format was given an empty value"},
			check:  func(t *testing.T, dir string, _ result) { noOutDir(t, dir) }},
		cliRow{item: "exit codes", name: "unknown flag", args: []string{"plan", "--formats", "deb"}, code: 64,
			stderr: []string{"unknown flag: --formats", "Run 'mwedition plan --help'"}},
		cliRow{item: "exit codes", name: "bare command prints help", args: []string{"cache"}, code: 0,
			stdout: []string{"Available Commands:"}},
		cliRow{item: "exit codes", name: "help of a subcommand", args: []string{"help", "cache", "add"}, code: 0,
			stdout: []string{"mwedition cache add FILE"}},

		cliRow{item: "json", name: "validate says valid", setup: withProject, args: []string{"--json", "validate"}, code: 0,
			json: map[string]any{"schema": 1, "event": "validated", "lock": true, "editions": 3, "resolved.0.name": "core"}},
		cliRow{item: "json", name: "graph", setup: withProject, args: []string{"--json", "graph", "--format", "deb", "--edition", "core"}, code: 0,
			json: map[string]any{"schema": 1, "event": "node", "action": "source/core/mediawiki", "edition": "core"}},
		cliRow{item: "json", name: "graph dot or json", setup: withProject, args: []string{"--json", "graph", "--dot"}, code: 64,
			stderr: []string{"--dot and --json both choose what graph prints"},
			json:   map[string]any{"event": "error", "usage": true}},
		cliRow{item: "json", name: "graph editions", setup: withProject, args: []string{"--json", "graph", "--editions"}, code: 0,
			json: map[string]any{"schema": 1, "event": "edition", "name": "enterprise", "inherits": "knowledge-base", "removes": []string{"Math", "SpamBlacklist"}}},
		cliRow{item: "json", name: "plan totals", setup: withProject, args: []string{"--json", "plan", "--format", "tree"}, code: 0,
			json: map[string]any{"schema": 1, "event": "planned", "actions": present}},
		cliRow{item: "json", name: "failure", setup: withProject, args: []string{"--json", "plan", "--edition", "nonesuch"}, code: 64,
			json: map[string]any{"schema": 1, "event": "error"}},
		cliRow{item: "json", name: "cache dir", args: []string{"--json", "cache", "dir"}, code: 0,
			json: map[string]any{"schema": 1, "event": "cache", "dir": present}},

		cliRow{item: "completion", name: "formats", setup: withProject, args: []string{"__complete", "build", "--format", "deb,"}, code: 0,
			stdout: []string{"deb,rpm\n", "deb,tarball\n", "deb,image\n"},
			check: func(t *testing.T, _ string, r result) {
				if strings.Contains(r.stdout, "deb,deb") {
					t.Errorf("offers a format already given:\n%s", r.stdout)
				}
			}},
		cliRow{item: "completion", name: "editions", setup: withProject, args: []string{"__complete", "plan", "--edition", ""}, code: 0,
			stdout: []string{"core\n", "enterprise\n", "knowledge-base\n"}},
		cliRow{item: "completion", name: "help topics", args: []string{"__complete", "help", "ca"}, code: 0,
			stdout: []string{"cache\n"}},
	)
}

func noOutDir(t *testing.T, dir string) {
	t.Helper()
	if _, err := exec.Command("test", "-e", dir+"/out").Output(); err == nil {
		t.Errorf("%s/out exists: a refused command wrote output", dir)
	}
}
