package cli

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mwedition/mwedition/internal/engine"
)

func TestMainUsage(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		wantStderr string
	}{
		{"unknown flag", []string{"verify", "--nonsense"},
			"mwedition: unknown flag: --nonsense\nRun 'mwedition --help' for usage.\n"},
		{"arguments to verify", []string{"verify", "out"},
			"mwedition: mwedition verify takes no arguments (got [\"out\"])\nRun 'mwedition --help' for usage.\n"},
		{"against and sums", []string{"verify", "--against", "a", "--sums", "b"},
			"mwedition: --against and --sums both name the original: give one\nRun 'mwedition --help' for usage.\n"},
		{"tree is no format to verify", []string{"verify", "--format", "deb,tree"},
			"mwedition: --format \"tree\": use deb, rpm, tarball and/or image\nRun 'mwedition --help' for usage.\n"},
		{"no workers", []string{"-j", "0", "verify"},
			"mwedition: --jobs must be at least 1\nRun 'mwedition --help' for usage.\n"},
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
