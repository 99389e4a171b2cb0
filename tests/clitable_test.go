//go:build e2e

package tests

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// cliRow is one everyday use of the command line, run through the binary: what a release
// manager types and what they must see. Each file adds the rows of its area with addCLIRows.
type cliRow struct {
	item string // what the row is about, e.g. "exit codes"
	name string
	// setup prepares the project directory (nil: an empty directory) and may return extra
	// placeholders for args, stderr and stdout, e.g. {"{repo}": dir}.
	setup func(t *testing.T, dir, cache string) map[string]string
	// args follow "-C DIR --cache CACHE"; "{dir}" is the project directory.
	args   []string
	code   int
	stderr []string // substrings stderr must hold
	stdout []string // substrings stdout must hold
	// json: with --json, every key must appear with this value (compared as JSON text) in
	// at least one object on stdout; a dotted key looks inside nested objects and lists
	// ("editions.0.name"), and the
	// value present matches any value.
	json map[string]any
	// check runs last, for what the fields above cannot say.
	check func(t *testing.T, dir string, r result)
}

var cliRows []cliRow

// present, as a json value of a cliRow, matches any value of a field that is there.
const present = "<present>"

func addCLIRows(rows ...cliRow) { cliRows = append(cliRows, rows...) }

func TestCLITableCoversTheCommandLine(t *testing.T) {
	if len(cliRows) < 30 {
		t.Errorf("%d rows: the command line deserves at least 30", len(cliRows))
	}
}

// TestCLITable runs every row through the binary, each in its own project directory.
func TestCLITable(t *testing.T) {
	cache := corpusCache(t)
	seen := map[string]bool{}
	for _, row := range cliRows {
		name := row.item + "/" + row.name
		if seen[name] {
			t.Errorf("two rows are named %q", name)
		}
		seen[name] = true
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			vars := map[string]string{"{dir}": dir}
			if row.setup != nil {
				for k, v := range row.setup(t, dir, cache) {
					vars[k] = v
				}
			}
			expand := func(s string) string {
				for k, v := range vars {
					s = strings.ReplaceAll(s, k, v)
				}
				return s
			}
			args := make([]string, len(row.args))
			for i, a := range row.args {
				args[i] = expand(a)
			}
			r := run(t, dir, cache, args...)
			if r.code != row.code {
				t.Errorf("mwedition %s: exit %d, want %d\nstderr:\n%s", strings.Join(args, " "), r.code, row.code, r.stderr)
			}
			// The placeholders of args stand for the same in the expected output.
			for _, s := range row.stderr {
				if s = expand(s); !strings.Contains(r.stderr, s) {
					t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
				}
			}
			for _, s := range row.stdout {
				if s = expand(s); !strings.Contains(r.stdout, s) {
					t.Errorf("stdout lacks %q:\n%s", s, r.stdout)
				}
			}
			if len(row.json) > 0 {
				checkJSON(t, r.stdout, row.json)
			}
			if row.check != nil {
				row.check(t, dir, r)
			}
		})
	}
}

// checkJSON asserts that stdout is JSON (one object, or one object per line) and that each
// wanted field has its value in some object.
func checkJSON(t *testing.T, stdout string, want map[string]any) {
	t.Helper()
	var objs []map[string]any
	sc := bufio.NewScanner(strings.NewReader(stdout))
	sc.Buffer(nil, 64<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var o map[string]any
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			// One indented object rather than JSON lines.
			if err := json.Unmarshal([]byte(stdout), &o); err != nil {
				t.Fatalf("stdout is not JSON: %v\n%s", err, stdout)
			}
			objs = []map[string]any{o}
			break
		}
		objs = append(objs, o)
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		wantText, _ := json.Marshal(want[k])
		found := false
		for _, o := range objs {
			if v, ok := field(o, k); ok {
				got, _ := json.Marshal(v)
				if want[k] == present || string(got) == string(wantText) {
					found = true
					break
				}
			}
		}
		if !found {
			t.Errorf("no JSON object on stdout has %s = %s:\n%s", k, wantText, stdout)
		}
	}
}

func field(o map[string]any, dotted string) (any, bool) {
	var cur any = o
	for _, part := range strings.Split(dotted, ".") {
		switch v := cur.(type) {
		case map[string]any:
			var ok bool
			if cur, ok = v[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			cur = v[i]
		default:
			return nil, false
		}
	}
	return cur, true
}

// withProject copies the shipped manifests and lock into the row's directory.
func withProject(t *testing.T, dir, _ string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	return nil
}

func copyShipped(t *testing.T, dir string) {
	t.Helper()
	for _, p := range shippedProject {
		copyTree(t, "../"+p, dir+"/"+p)
	}
}

// writeProjectFile writes a file of the row's project, creating its directory.
func writeProjectFile(t *testing.T, dir, rel, content string) {
	t.Helper()
	p := dir + "/" + rel
	if err := os.MkdirAll(p[:strings.LastIndex(p, "/")], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
