package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/spf13/cobra"
)

func TestMainUsage(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"unknown flag", []string{"verify", "--nonsense"},
			"mwedition: unknown flag: --nonsense\nRun 'mwedition verify --help' for usage.\n"},
		{"arguments to verify", []string{"verify", "out"},
			"mwedition: mwedition verify takes no arguments (got [\"out\"])\nRun 'mwedition verify --help' for usage.\n"},
		{"against and sums", []string{"verify", "--against", "a", "--sums", "b"},
			"mwedition: --against and --sums both name the original: give one\nRun 'mwedition verify --help' for usage.\n"},
		{"tree is no format to verify", []string{"verify", "--format", "deb,tree"},
			"mwedition: --format \"tree\": use deb, rpm, tarball and/or image\nRun 'mwedition verify --help' for usage.\n"},
		{"no workers", []string{"-j", "0", "verify"},
			"mwedition: --jobs must be at least 1 (got 0)\nRun 'mwedition verify --help' for usage.\n"},
		{"negative workers", []string{"-j", "-3", "validate"},
			"mwedition: --jobs must be at least 1 (got -3)\nRun 'mwedition validate --help' for usage.\n"},
		{"misspelt command", []string{"buidl"},
			"mwedition: unknown command \"buidl\" for \"mwedition\"; did you mean \"build\"?\nRun 'mwedition --help' for usage.\n"},
		{"unknown cache command", []string{"cache", "foo"},
			"mwedition: unknown command \"foo\" for \"mwedition cache\"\nRun 'mwedition cache --help' for usage.\n"},
		{"unknown shell", []string{"completion", "foo"},
			"mwedition: unknown command \"foo\" for \"mwedition completion\"\nRun 'mwedition completion --help' for usage.\n"},
		{"unknown help topic", []string{"help", "buidl"},
			"mwedition: help buidl: \"buidl\" is no command of \"mwedition\"; did you mean \"build\"?\nRun 'mwedition help --help' for usage.\n"},
		{"empty format", []string{"build", "--format", ""},
			"mwedition: --format was given an empty value: give one, or leave the flag out for its default\nRun 'mwedition build --help' for usage.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := Main(context.Background(), append([]string{"-C", t.TempDir()}, tc.args...), &out, &errOut)
			if code != ExitUsage {
				t.Errorf("exit %d, want %d", code, ExitUsage)
			}
			if diff := cmp.Diff(tc.wantStderr, errOut.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if out.Len() != 0 {
				t.Errorf("stdout: %q", out.String())
			}
		})
	}
}

func TestCacheDir(t *testing.T) {
	for _, tc := range []struct {
		name string
		flag string
		env  map[string]string
		want string
	}{
		{"flag first", "/flag", map[string]string{"MWEDITION_CACHE": "/env"}, "/flag"},
		{"MWEDITION_CACHE", "", map[string]string{"MWEDITION_CACHE": "/env", "XDG_CACHE_HOME": "/xdg"}, "/env"},
		{"XDG_CACHE_HOME", "", map[string]string{"XDG_CACHE_HOME": "/xdg", "HOME": "/srv/u"}, "/xdg/mwedition"},
		{"HOME", "", map[string]string{"HOME": "/srv/u"}, "/srv/u/.cache/mwedition"},
		{"nothing set", "", nil, "proj/.cache"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g := &globals{dir: "proj", cache: tc.flag, env: func(k string) string { return tc.env[k] }}
			if diff := cmp.Diff(tc.want, g.cacheDir()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrDefault(t *testing.T) {
	for _, tc := range []struct{ s, d, want string }{{"", "d", "d"}, {"s", "d", "s"}, {"", "", ""}} {
		if got := orDefault(tc.s, tc.d); got != tc.want {
			t.Errorf("orDefault(%q, %q) = %q, want %q", tc.s, tc.d, got, tc.want)
		}
	}
}

func TestBuildFormats(t *testing.T) {
	for _, tc := range []struct {
		name    string
		formats []string
		want    []string
		wantErr string
	}{
		{"default: every format", nil, []string{"deb", "rpm", "tarball", "image"}, ""},
		{"trees only", []string{"tree"}, nil, ""},
		{"as given", []string{"image", "deb"}, []string{"image", "deb"}, ""},
		{"tree with others", []string{"tree", "deb"}, nil, `--format "tree": use deb, rpm, tarball and/or image, or tree alone for the trees only`},
		{"unknown", []string{"zip"}, nil, `--format "zip": use deb, rpm, tarball and/or image, or tree alone for the trees only`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := buildFormats(tc.formats)
			if diff := cmp.Diff(tc.wantErr, errString(err)); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestEditionPart(t *testing.T) {
	items := []engine.PlanItem{
		{ID: "source/core"},
		{ID: "tree/core", Deps: []string{"source/core"}},
		{ID: "tree/ext", Deps: []string{"source/core"}},
		{ID: "edition/a", Group: "a", Deps: []string{"tree/core"}},
		{ID: "edition/b", Group: "b", Deps: []string{"tree/core", "tree/ext"}},
		{ID: "publish", Deps: []string{"edition/a", "edition/b"}},
	}
	ids := func(items []engine.PlanItem) []string {
		var out []string
		for _, it := range items {
			out = append(out, it.ID)
		}
		return out
	}
	got, err := editionPart(items, "a")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"source/core", "tree/core", "edition/a"}, ids(got)); diff != "" {
		t.Errorf("edition a's part (-want +got):\n%s", diff)
	}
	_, err = editionPart(items, "c")
	var ue usageError
	if !errors.As(err, &ue) || !strings.Contains(err.Error(), "the editions are a, b") {
		t.Errorf("an unknown edition: %v, want a usage error naming a and b", err)
	}
}

// TestEveryCommandDocumentsJSON holds each command to saying what --json prints, and the
// table to naming only commands that exist.
func TestEveryCommandDocumentsJSON(t *testing.T) {
	root := newRoot(&globals{})
	seen := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		path := c.CommandPath()
		seen[path] = true
		leaf := !c.HasSubCommands() || !c.HasParent()
		if leaf && !c.Hidden && c.Name() != "help" && !strings.HasPrefix(path, "mwedition completion") {
			if _, ok := jsonOutputs[path]; !ok {
				t.Errorf("%s does not say what --json prints: add it to jsonOutputs", path)
			}
			if !strings.Contains(c.Long, `"schema": 1`) {
				t.Errorf("%s --help does not document the JSON schema", path)
			}
		}
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for path := range jsonOutputs {
		if !seen[path] {
			t.Errorf("jsonOutputs documents %q, which is no command", path)
		}
	}
}

// TestJSONObjectsCarryTheSchema runs commands with --json and checks each stdout line.
func TestJSONObjectsCarryTheSchema(t *testing.T) {
	for _, args := range [][]string{
		{"version"},
		{"--version"},
		{"validate"},
		{"cache", "dir"},
		{"buidl"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			dir := t.TempDir()
			Main(context.Background(), append([]string{"--json", "-C", dir, "--cache", dir}, args...), &out, &errOut)
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) == 0 || lines[0] == "" {
				t.Fatalf("nothing on stdout; stderr:\n%s", errOut.String())
			}
			for _, l := range lines {
				var m map[string]any
				if err := json.Unmarshal([]byte(l), &m); err != nil {
					t.Fatalf("%q: %v", l, err)
				}
				if m["schema"] != float64(jsonSchema) || m["event"] == nil {
					t.Errorf("no schema or event: %s", l)
				}
			}
		})
	}
}

func TestReadVersion(t *testing.T) {
	for _, tc := range []struct {
		name     string
		info     *debug.BuildInfo
		want     []string // first two lines
		modified bool
	}{
		{"no build info", nil, []string{"mwedition (devel)", "commit:   unknown (built without version control information)"}, false},
		{"release", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.time", Value: "2026-11-30T10:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			[]string{"mwedition v1.2.0", "commit:   0123abc (2026-11-30T10:00:00Z)"}, false},
		{"dirty tree", &debug.BuildInfo{Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abc"}, {Key: "vcs.modified", Value: "true"}}},
			[]string{"mwedition (devel)", "commit:   0123abc, with uncommitted changes"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := readVersion(func() (*debug.BuildInfo, bool) { return tc.info, tc.info != nil })
			if diff := cmp.Diff(tc.want, v.lines()[:2]); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if v.Modified != tc.modified {
				t.Errorf("modified = %v", v.Modified)
			}
			if len(v.Layouts) != 4 || v.Layouts["deb"] == "" {
				t.Errorf("layouts: %v", v.Layouts)
			}
		})
	}
}
