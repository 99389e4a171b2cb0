package cli

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/repro"
	"github.com/mwedition/mwedition/internal/spec"
)

func TestVerifyFlagsCheck(t *testing.T) {
	for _, tc := range []struct {
		name string
		v    verifyFlags
		want string // "" for no error
	}{
		{"defaults", verifyFlags{}, ""},
		{"every format", verifyFlags{formats: []string{"deb", "rpm", "tarball", "image"}}, ""},
		{"against and sums", verifyFlags{against: "a", sums: "s"}, "--against and --sums both name the original: give one"},
		{"tree is no format to compare", verifyFlags{formats: []string{"tree"}}, `--format "tree": use deb, rpm, tarball and/or image`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.v.check()
			if diff := cmp.Diff(tc.want, errString(err)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if err != nil && !errors.As(err, new(usageError)) {
				t.Errorf("%v is not a usage error", err)
			}
		})
	}
}

func TestCheckEditions(t *testing.T) {
	set := spec.NewSet(nil, []spec.Edition{{Name: "core"}, {Name: "enterprise"}})
	for _, tc := range []struct {
		name  string
		names []string
		want  string
	}{
		{"all", nil, ""},
		{"known", []string{"enterprise", "core"}, ""},
		{"unknown", []string{"core", "intranet"}, "--edition intranet: the project has no such edition"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, errString(checkEditions(set, tc.names))); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestWriteArtifact(t *testing.T) {
	for _, tc := range []struct {
		name string
		r    repro.Result
		want string
	}{
		{"identical, note hidden", repro.Result{Artifact: "deb/a.deb", Status: repro.Identical, Note: "compared without its build field"},
			"identical  deb/a.deb\n"},
		{"identical but signed", repro.Result{Artifact: "rpm/a.rpm", Status: repro.Identical, Note: "the original is signed: compared without"},
			"identical  rpm/a.rpm  (the original is signed: compared without)\n"},
		{"differs", repro.Result{Artifact: "deb/a.deb", Status: repro.Differs, More: 3,
			Differences: []repro.Difference{{Entry: "data.tar.xz/x", Field: "mode", Original: "0644", Rebuilt: "0600"}}},
			"DIFFERS    deb/a.deb\n           data.tar.xz/x: mode 0644 (original) != 0600 (rebuilt)\n           ... and 3 more differences\n"},
		{"missing", repro.Result{Artifact: "oci/index.json", Status: repro.Missing, Note: "the rebuild made no images"},
			"MISSING    oci/index.json  (the rebuild made no images)\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			writeArtifact(&b, tc.r)
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestArtifactEvent(t *testing.T) {
	d := []repro.Difference{{Entry: "e", Field: "size", Original: "1", Rebuilt: "2"}}
	for _, tc := range []struct {
		name string
		r    repro.Result
		want map[string]any
	}{
		{"plain", repro.Result{Artifact: "a", Status: repro.Identical, Original: "x", Rebuilt: "x"},
			map[string]any{"event": "artifact", "artifact": "a", "status": repro.Identical, "original": "x", "rebuilt": "x"}},
		{"noted with differences", repro.Result{Artifact: "a", Status: repro.Differs, Note: "n", Differences: d},
			map[string]any{"event": "artifact", "artifact": "a", "status": repro.Differs, "original": "", "rebuilt": "", "note": "n", "differences": d, "more": 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, artifactEvent(tc.r)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestVerifyReport(t *testing.T) {
	results := []repro.Result{
		{Artifact: "deb/a.deb", Status: repro.Identical},
		{Artifact: "deb/b.deb", Status: repro.Skipped, Note: "a signature"},
	}
	differs := append(results, repro.Result{Artifact: "rpm/c.rpm", Status: repro.Extra, Note: "the original output lacks it"})
	for _, tc := range []struct {
		name       string
		quiet      bool
		res        repro.VerifyResult
		wantOut    string
		wantExit   int
		wantStderr string
	}{
		{"all identical", false, repro.VerifyResult{Results: results, Editions: []string{"core", "lite"}},
			"identical  deb/a.deb\nskipped    deb/b.deb  (a signature)\n" +
				"verify: 2 artifacts of core, lite: 1 identical, 0 differ, 0 missing from the rebuild, 0 only in the rebuild, 1 skipped\n", 0, ""},
		{"quiet hides identical", true, repro.VerifyResult{Results: results, Editions: []string{"core"}},
			"skipped    deb/b.deb  (a signature)\n" +
				"verify: 2 artifacts of core: 1 identical, 0 differ, 0 missing from the rebuild, 0 only in the rebuild, 1 skipped\n", 0, ""},
		{"an extra artifact", false, repro.VerifyResult{Results: differs, Editions: []string{"core"}},
			"identical  deb/a.deb\nskipped    deb/b.deb  (a signature)\nEXTRA      rpm/c.rpm  (the original output lacks it)\n" +
				"verify: 3 artifacts of core: 1 identical, 0 differ, 0 missing from the rebuild, 1 only in the rebuild, 1 skipped\n" +
				"verify: rerun with --keep to inspect the rebuilt artifacts (diffoscope compares them in full)\n", ExitMismatch, ""},
		{"kept", false, repro.VerifyResult{Results: differs[2:], Editions: []string{"core"}, Kept: true, Rebuild: repro.Rebuild{Dir: "/srv/v"}},
			"EXTRA      rpm/c.rpm  (the original output lacks it)\n" +
				"verify: 1 artifacts of core: 0 identical, 0 differ, 0 missing from the rebuild, 1 only in the rebuild, 0 skipped\n" +
				"verify: the rebuild is kept in /srv/v (project, cache, out)\n", ExitMismatch, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			g := &globals{stdout: &out, stderr: &errOut, quiet: tc.quiet}
			err := g.verifyReport(tc.res)
			exit := 0
			var ee exitError
			if errors.As(err, &ee) {
				exit = ee.code
			} else if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantOut, out.String()); diff != "" {
				t.Errorf("stdout (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantStderr, errOut.String()); diff != "" {
				t.Errorf("stderr (-want +got):\n%s", diff)
			}
			if exit != tc.wantExit {
				t.Errorf("exit %d, want %d", exit, tc.wantExit)
			}
		})
	}
}

func TestVerifyReportJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	g := &globals{stdout: &out, stderr: &errOut, json: true}
	res := repro.VerifyResult{Results: []repro.Result{{Artifact: "deb/a.deb", Status: repro.Identical}}, Editions: []string{"core"},
		Rebuild: repro.Rebuild{Project: "/t/project", Conditions: repro.Conditions{TZ: "GMT-14", Jobs: 1}}}
	if err := g.verifyReport(res); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], `{"artifact":"deb/a.deb","event":"artifact"`) ||
		!strings.Contains(lines[1], `"event":"verified"`) || !strings.Contains(lines[1], `"ok":true`) || strings.Contains(lines[1], "rebuildDir") {
		t.Errorf("stdout:\n%s", out.String())
	}
	want := "verify: 1 artifacts of core: 1 identical, 0 differ, 0 missing from the rebuild, 0 only in the rebuild, 0 skipped\n"
	if diff := cmp.Diff(want, errOut.String()); diff != "" {
		t.Errorf("stderr (-want +got):\n%s", diff)
	}
}

func TestPrefixWriter(t *testing.T) {
	for _, tc := range []struct {
		name   string
		writes []string
		want   string
	}{
		{"whole lines", []string{"a\nb\n"}, "rebuild: a\nrebuild: b\n"},
		{"split lines", []string{"ab", "c\nd", "e\n"}, "rebuild: abc\nrebuild: de\n"},
		{"unfinished last line", []string{"a\nlast"}, "rebuild: a\nrebuild: last\n"},
		{"nothing", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			p := &prefixWriter{w: &b, prefix: "rebuild: "}
			for _, w := range tc.writes {
				if n, err := p.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write(%q) = %d, %v", w, n, err)
				}
			}
			p.flush()
			if diff := cmp.Diff(tc.want, b.String()); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestShowRebuild(t *testing.T) {
	rb := repro.Rebuild{Dir: "/t", Project: "/t/project", Seeded: repro.Seeded{Blobs: 2, Mirrors: 1, Absent: []string{"base r@sha256:1"}},
		Conditions: repro.Conditions{TZ: "GMT-14", Locale: "C.UTF-8", Umask: 0o077, Home: "/t/home", Jobs: 1, SourceDateEpoch: 5}}
	var quiet, loud bytes.Buffer
	(&globals{stderr: &quiet, quiet: true}).showRebuild(rb)
	(&globals{stderr: &loud}).showRebuild(rb)
	if quiet.Len() != 0 {
		t.Errorf("quiet printed %q", quiet.String())
	}
	lines := strings.Split(strings.TrimSuffix(loud.String(), "\n"), "\n")
	want := []string{"verify: rebuilding in /t (3 pinned sources from your cache), under:"}
	for _, l := range rb.Conditions.Describe(rb.Project) {
		want = append(want, "  "+l)
	}
	want = append(want, "  not in your cache, fetched by the rebuild: base r@sha256:1")
	if diff := cmp.Diff(want, lines); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
