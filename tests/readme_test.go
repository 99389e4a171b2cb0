//go:build e2e

package tests

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// update rewrites what the README tests compare with: README.md's sample blocks and the
// pictures under docs/. `make readme` runs them so.
var update = flag.Bool("update", false, "rewrite README.md's samples and docs/*.svg from what the binary and Graphviz print now")

// readmeSample is one block of README.md between `<!-- sample: NAME -->` and
// `<!-- /sample -->`: a command as the reader types it and what it prints.
type readmeSample struct {
	name string
	// setup prepares the project directory and returns the cache the command runs with.
	setup func(t *testing.T, dir string) (cache string)
	// args follow "mwedition"; they run exactly so, in the project directory, with
	// MWEDITION_CACHE set to the cache setup returned.
	args []string
	code int
	// keep, when set, keeps the matching lines of the output and shows each run of other
	// lines as one "...": the excerpt of a long output the README prints.
	keep *regexp.Regexp
}

var readmeSamples = []readmeSample{
	{
		// A misspelt extension: file:line:col, the line, a caret and a suggestion.
		name: "diagnostic",
		setup: func(t *testing.T, dir string) string {
			copyShipped(t, dir)
			readmeEdit(t, dir, "editions/knowledge-base.hcl", `"PdfHandler"`, `"PdfHandlr"`)
			return corpusCache(t)
		},
		args: []string{"validate"},
		code: 1,
	},
	{
		// After the trees are built, plan shows that only the packages remain to run,
		// and why each component is in the edition.
		name: "plan",
		setup: func(t *testing.T, dir string) string {
			copyShipped(t, dir)
			cache := seededCache(t)
			if r := readmeRunIn(t, dir, cache, "--offline", "--quiet", "build", "--format", "tree"); r.code != 0 {
				t.Fatalf("build --format tree exited %d:\n%s", r.code, r.stderr)
			}
			return cache
		},
		args: []string{"plan", "--edition", "knowledge-base", "--format", "deb"},
		keep: regexp.MustCompile(`^(\S+ +pack\.deb +deb/(edition|core)/|cached +(source\.fetch|source\.patch|component\.tree +tree/core/)|.*Scribunto|run +(edition\.tree|sbom\.documents)|$|edition |  core/|  extension/(AbuseFilter|Math|WikiEditor) |\d+ actions)`),
	},
	{
		// The release notes of a project kept in git: the last tag against the work tree,
		// where Math moved from knowledge-base into core, Poem left, and every edition's
		// version went up.
		name:  "diff",
		setup: readmeReleasedProject,
		args:  []string{"diff", "git:v" + shippedEditionVersion, "."},
	},
}

// readmeReleasedProject is the shipped project committed and tagged with its editions'
// version (v1.39.17.2) in a git repository of its own, then changed and locked again.
func readmeReleasedProject(t *testing.T, dir string) string {
	t.Helper()
	copyShipped(t, dir)
	cache := corpusCache(t)
	for _, args := range [][]string{{"init", "-q"}, {"add", "."}, {"commit", "-q", "-m", shippedEditionVersion}, {"tag", "v" + shippedEditionVersion}} {
		readmeGitIn(t, dir, args...)
	}
	readmeEdit(t, dir, "editions/core.hcl", `"Gadgets", "ImageMap",`, `"Gadgets", "ImageMap", "Math",`)
	readmeEdit(t, dir, "editions/core.hcl", `"Poem", `, ``)
	readmeEdit(t, dir, "editions/knowledge-base.hcl", `["Math", "PdfHandler"`, `["PdfHandler"`)
	for _, e := range []string{"core", "knowledge-base", "enterprise"} {
		readmeEdit(t, dir, "editions/"+e+".hcl", `line.edition_version`, `"`+nextEditionVersion+`"`)
	}
	if r := readmeRunIn(t, dir, cache, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	return cache
}

// TestREADMESamples runs each sample's command and compares its output with README.md.
func TestREADMESamples(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	want := string(readme)
	got := want
	for _, s := range readmeSamples {
		t.Run(s.name, func(t *testing.T) {
			dir := t.TempDir()
			cache := s.setup(t, dir)
			r := readmeRunIn(t, dir, cache, s.args...)
			if r.code != s.code {
				t.Errorf("mwedition %s: exit %d, want %d\n%s%s", strings.Join(s.args, " "), r.code, s.code, r.stdout, r.stderr)
			}
			out := r.stdout + r.stderr
			if strings.Contains(out, dir) || strings.Contains(out, cache) {
				t.Errorf("the output names a temporary directory, which the README cannot show:\n%s", out)
			}
			block := "$ mwedition " + strings.Join(s.args, " ") + "\n" + readmeExcerpt(out, s.keep)
			if got, err = readmeReplaceSample(got, s.name, block); err != nil {
				t.Fatal(err)
			}
		})
	}
	if names := readmeSampleNames(want); !cmp.Equal(names, readmeSampleNames(got)) || len(names) != len(readmeSamples) {
		t.Errorf("README.md has samples %q; the test has %d", names, len(readmeSamples))
	}
	if !t.Failed() {
		readmeGolden(t, "../README.md", want, got)
	}
}

// TestREADMEPictures renders the README's pictures: the pipeline from its committed
// Graphviz source, the editions from what `graph --editions --dot` says of the shipped
// manifests. Both must match the committed SVG files.
func TestREADMEPictures(t *testing.T) {
	r := readmeRunIn(t, "..", corpusCache(t), "graph", "--editions", "--dot")
	if r.code != 0 {
		t.Fatalf("graph --editions --dot exited %d:\n%s", r.code, r.stderr)
	}
	for _, name := range []string{"enterprise", "knowledge-base", "core"} {
		if !strings.Contains(r.stdout, `"edition `+name+`"`) {
			t.Errorf("graph --editions --dot does not draw edition %s:\n%s", name, r.stdout)
		}
	}
	committed := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil && !*update {
			t.Fatal(err)
		}
		return string(b)
	}
	readmeGolden(t, "../docs/editions.dot", committed("../docs/editions.dot"), r.stdout)
	for _, pic := range []struct{ src, dot string }{
		{"../docs/pipeline.dot", committed("../docs/pipeline.dot")},
		{"../docs/editions.dot", r.stdout},
	} {
		svg := strings.TrimSuffix(pic.src, ".dot") + ".svg"
		readmeGolden(t, svg, committed(svg), readmeRender(t, pic.dot))
	}
}

// readmeRender is Graphviz's SVG of a DOT text.
func readmeRender(t *testing.T, dot string) string {
	t.Helper()
	cmd := exec.Command("dot", "-Tsvg")
	cmd.Stdin = strings.NewReader(dot)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("dot -Tsvg (Debian's graphviz, `make deps`): %v\n%s", err, errb.String())
	}
	return out.String()
}

// readmeGolden compares a committed file with what it should now hold; -update writes it.
func readmeGolden(t *testing.T, path, committed, now string) {
	t.Helper()
	if committed == now {
		return
	}
	if *update {
		if err := os.WriteFile(path, []byte(now), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	hint := ""
	if strings.HasSuffix(path, ".svg") {
		hint = fmt.Sprintf(" (committed with %s, rendered here with %s)", readmeGraphvizVersion(committed), readmeGraphvizVersion(now))
	}
	t.Errorf("%s is stale%s; run `make readme` and review the change (-committed +now):\n%s", path, hint,
		cmp.Diff(strings.Split(committed, "\n"), strings.Split(now, "\n")))
}

var readmeGraphvizComment = regexp.MustCompile(`Generated by graphviz version ([^\n(]*)`)

func readmeGraphvizVersion(svg string) string {
	if m := readmeGraphvizComment.FindStringSubmatch(svg); m != nil {
		return "graphviz " + m[1]
	}
	return "no graphviz version"
}

var readmeSampleMarker = regexp.MustCompile(`<!-- sample: ([a-z-]+) -->`)

func readmeSampleNames(readme string) []string {
	var names []string
	for _, m := range readmeSampleMarker.FindAllStringSubmatch(readme, -1) {
		names = append(names, m[1])
	}
	return names
}

// readmeReplaceSample puts block, fenced, between the sample's markers.
func readmeReplaceSample(readme, name, block string) (string, error) {
	open := "<!-- sample: " + name + " -->\n"
	i := strings.Index(readme, open)
	if i < 0 {
		return "", fmt.Errorf("README.md has no %q", strings.TrimSpace(open))
	}
	start := i + len(open)
	end := strings.Index(readme[start:], "<!-- /sample -->")
	if end < 0 {
		return "", fmt.Errorf("README.md: sample %s has no closing <!-- /sample -->", name)
	}
	return readme[:start] + "```\n" + block + "```\n" + readme[start+end:], nil
}

// readmeExcerpt keeps the lines keep matches (all of them when keep is nil) and shows each run
// of the others as one "...".
func readmeExcerpt(out string, keep *regexp.Regexp) string {
	if keep == nil {
		return out
	}
	var b strings.Builder
	dropped := false
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if !keep.MatchString(l) {
			if !dropped {
				b.WriteString("...\n")
			}
			dropped = true
			continue
		}
		dropped = false
		b.WriteString(l + "\n")
	}
	return b.String()
}

// readmeRunIn runs the binary as a reader would: in dir, with the cache from the environment
// and nothing else on the command line.
func readmeRunIn(t *testing.T, dir, cache string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin(t), args...)
	cmd.Dir = dir
	cmd.Env = append(readmeGitEnv(), "MWEDITION_CACHE="+cache)
	return runCmd(t, cmd)
}

// readmeGitEnv makes commits the same wherever the test runs: no user configuration, one
// author, one date.
func readmeGitEnv() []string {
	return append(os.Environ(), "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1",
		"GIT_AUTHOR_NAME=Release Manager", "GIT_AUTHOR_EMAIL=release@example.org",
		"GIT_COMMITTER_NAME=Release Manager", "GIT_COMMITTER_EMAIL=release@example.org",
		"GIT_AUTHOR_DATE=2025-12-16T18:00:00Z", "GIT_COMMITTER_DATE=2025-12-16T18:00:00Z")
}

func readmeGitIn(t *testing.T, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command("git", append([]string{"-c", "init.defaultBranch=main"}, args...)...)
	cmd.Dir, cmd.Env = dir, readmeGitEnv()
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// readmeEdit replaces old by new in a project file, and fails when old is not there: a sample
// must not silently stop showing what its prose says.
func readmeEdit(t *testing.T, dir, rel, old, new string) {
	t.Helper()
	p := filepath.Join(dir, rel)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), old) {
		t.Fatalf("%s no longer holds %q", rel, old)
	}
	if err := os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
}
