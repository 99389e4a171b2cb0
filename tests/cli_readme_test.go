//go:build e2e

package tests

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func init() {
	addCLIRows(
		cliRow{
			item: "readme", name: "graph --editions --dot draws the inheritance of the shipped editions",
			setup: withProject,
			args:  []string{"graph", "--editions", "--dot"},
			stdout: []string{
				`"core/mediawiki ` + shippedCoreVersion + `" -> "edition core" [label="adds 24 extensions, 4 skins"];`,
				`"edition core" -> "edition knowledge-base" [label="adds Math, PdfHandler, Scribunto,\nSyntaxHighlight_GeSHi"];`,
				`"edition knowledge-base" -> "edition enterprise" [label="removes Math, SpamBlacklist"];`,
			},
		},
		cliRow{
			item: "readme", name: "graph --editions says it in words",
			setup:  withProject,
			args:   []string{"graph", "--editions"},
			stdout: []string{"enterprise " + shippedEditionVersion + " inherits knowledge-base, removes Math, SpamBlacklist\n"},
		},
		cliRow{
			item: "readme", name: "graph --editions refuses action flags",
			setup:  withProject,
			args:   []string{"graph", "--editions", "--format", "deb"},
			code:   64,
			stderr: []string{"--editions draws the editions, not the actions: --format does not apply"},
		},
		cliRow{
			item: "readme", name: "every command the README lists exists with its flags",
			args:  []string{"--help"},
			check: readmeCommandsExist,
		},
	)
}

// readmeCommand is a line of the README's command list: "mwedition publish --apt DIR".
var readmeCommand = regexp.MustCompile(`(?m)^mwedition ([a-z]+)(?: ([a-z]+))?(?: \[?(--[a-z-]+))?`)

// readmeCommandsExist runs `COMMAND --help` for each command the README's list names, and
// finds there the flag the line names.
func readmeCommandsExist(t *testing.T, dir string, _ result) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	start := strings.Index(s, "## Commands\n")
	end := strings.Index(s[start:], "\nGlobal flags")
	if start < 0 || end < 0 {
		t.Fatal("README.md has no command list between '## Commands' and 'Global flags'")
	}
	lines := readmeCommand.FindAllStringSubmatch(s[start:start+end], -1)
	if len(lines) < 10 {
		t.Fatalf("README.md's command list names %d commands", len(lines))
	}
	for _, m := range lines {
		args := []string{m[1]}
		if m[2] != "" {
			args = append(args, m[2])
		}
		r := run(t, dir, dir, append(args, "--help")...)
		if r.code != 0 {
			t.Errorf("README lists %q, but `mwedition %s --help` exits %d:\n%s", m[0], strings.Join(args, " "), r.code, r.stderr)
		} else if m[3] != "" && !strings.Contains(r.stdout, "  "+m[3]+" ") {
			t.Errorf("README lists %q, but `mwedition %s --help` has no %s:\n%s", m[0], strings.Join(args, " "), m[3], r.stdout)
		}
	}
}
