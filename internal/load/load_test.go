package load_test

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/spec"
)

// A test case is a text file holding several project files. A line of the form
//
//	-- recipes/a.hcl --
//
// starts a new file with that name (slash-separated, relative to the project root); the
// lines up to the next such header are its contents. Anything before the first header is
// a free-form description. Sections ending in .hcl are manifests handed to load.Sources;
// every section, manifest or not, exists in the case's FS, and so does every directory
// above it (so a section "recipes/keys/k.asc" makes a keyring and "local/Foo/x" a dir).

type section struct {
	Name string
	Body string
}

type testCase struct {
	Name     string
	Sections []section
}

func parseCase(name string, data []byte) (testCase, error) {
	tc := testCase{Name: name}
	var cur *section
	for i, line := range strings.SplitAfter(string(data), "\n") {
		trimmed := strings.TrimRight(line, "\r\n")
		if strings.HasPrefix(trimmed, "-- ") && strings.HasSuffix(trimmed, " --") && len(trimmed) > 6 {
			fname := strings.TrimSpace(trimmed[3 : len(trimmed)-3])
			if fname == "" {
				return tc, fmt.Errorf("%s:%d: empty file name", name, i+1)
			}
			for _, s := range tc.Sections {
				if s.Name == fname {
					return tc, fmt.Errorf("%s:%d: file %s appears twice", name, i+1, fname)
				}
			}
			tc.Sections = append(tc.Sections, section{Name: fname})
			cur = &tc.Sections[len(tc.Sections)-1]
			continue
		}
		if cur != nil {
			cur.Body += line
		}
	}
	if len(tc.Sections) == 0 {
		return tc, fmt.Errorf("%s: no sections", name)
	}
	return tc, nil
}

// sources returns the case's manifests, in the order they are written.
func (tc testCase) sources() []load.Source {
	var srcs []load.Source
	for _, s := range tc.Sections {
		if strings.HasSuffix(s.Name, ".hcl") {
			srcs = append(srcs, load.Source{Name: s.Name, Bytes: []byte(s.Body)})
		}
	}
	return srcs
}

// fs returns an FS in which every section and every directory above one exists.
func (tc testCase) fs() mapFS {
	m := mapFS{}
	for _, s := range tc.Sections {
		for n := s.Name; n != "." && n != "/" && n != ""; n = path.Dir(n) {
			m[n] = true
		}
	}
	return m
}

func (tc testCase) load() (spec.Set, map[string]*hcl.File, hcl.Diagnostics) {
	return load.Sources(tc.sources(), tc.fs())
}

type mapFS map[string]bool

func (m mapFS) Exists(name string) bool { return m[name] }

func readCases(t testing.TB, dir string) []testCase {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", dir, "*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(names) == 0 {
		t.Fatalf("no test cases in testdata/%s", dir)
	}
	sort.Strings(names)
	var out []testCase
	for _, n := range names {
		data, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		tc, err := parseCase(strings.TrimSuffix(filepath.Base(n), ".txt"), data)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tc)
	}
	return out
}

func errorsOf(diags hcl.Diagnostics) hcl.Diagnostics {
	var out hcl.Diagnostics
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			out = append(out, d)
		}
	}
	return out
}

func describe(d *hcl.Diagnostic) string {
	where := "<no subject>"
	if d.Subject != nil {
		where = fmt.Sprintf("%s:%d:%d", d.Subject.Filename, d.Subject.Start.Line, d.Subject.Start.Column)
	}
	return fmt.Sprintf("%s: %s: %s", where, d.Summary, d.Detail)
}

func TestParseCase(t *testing.T) {
	tc, err := parseCase("x", []byte("description\n-- recipes/a.hcl --\nline 1\nline 2\n-- recipes/keys/k.asc --\n-- editions/e.hcl --\nx = 1\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []section{
		{Name: "recipes/a.hcl", Body: "line 1\nline 2\n"},
		{Name: "recipes/keys/k.asc", Body: ""},
		{Name: "editions/e.hcl", Body: "x = 1\n"},
	}
	if diff := cmp.Diff(want, tc.Sections); diff != "" {
		t.Errorf("sections (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"recipes/a.hcl", "editions/e.hcl"}, names(tc.sources())); diff != "" {
		t.Errorf("sources (-want +got):\n%s", diff)
	}
	wantFS := mapFS{
		"recipes": true, "recipes/a.hcl": true, "recipes/keys": true, "recipes/keys/k.asc": true,
		"editions": true, "editions/e.hcl": true,
	}
	if diff := cmp.Diff(wantFS, tc.fs()); diff != "" {
		t.Errorf("fs (-want +got):\n%s", diff)
	}
	if _, err := parseCase("y", []byte("no sections\n")); err == nil {
		t.Error("a case without sections parsed")
	}
	if _, err := parseCase("z", []byte("-- a.hcl --\n-- a.hcl --\n")); err == nil {
		t.Error("a case with a repeated file parsed")
	}
}

func names(srcs []load.Source) []string {
	var out []string
	for _, s := range srcs {
		out = append(out, s.Name)
	}
	return out
}

// specOpts compares decoded specs ignoring source ranges (TestSourceAttrs checks those of
// source attributes).
var specOpts = cmp.Options{
	cmpopts.IgnoreTypes(hcl.Range{}),
	cmpopts.IgnoreFields(spec.Source{}, "Attrs"),
	cmp.Comparer(func(a, b cty.Value) bool { return a.RawEquals(b) }),
	cmpopts.EquateEmpty(),
}

func ref(name string) spec.Ref { return spec.Ref{Name: name} }

func refs(names ...string) []spec.Ref {
	var out []spec.Ref
	for _, n := range names {
		out = append(out, ref(n))
	}
	return out
}

// want holds the expected decoding of the valid cases that have one.
var want = map[string]struct {
	Components []spec.Component
	Editions   []spec.Edition
}{
	"full": {
		Components: []spec.Component{
			{Kind: spec.Core, Name: "mediawiki", Version: "1.39.17", Source: spec.Source{
				Kind:      spec.Tarball,
				URL:       "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz",
				SHA256:    "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9",
				Signature: "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig",
				Keyring:   "keys/mediawiki-release.asc",
				KeyFile:   "recipes/keys/mediawiki-release.asc",
			}},
			{Kind: spec.Extension, Name: "Cite", Source: spec.Source{Kind: spec.Bundled, Path: "extensions/Cite", Core: "mediawiki"}},
			{Kind: spec.Extension, Name: "Local", Source: spec.Source{Kind: spec.Dir, Path: "local/Local"}},
			{Kind: spec.Extension, Name: "PluggableAuth", Source: spec.Source{
				Kind: spec.Git, URL: "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth", Ref: "REL1_39",
			}},
			{Kind: spec.Extension, Name: "Scribunto", Exclude: []string{"includes/engines/LuaStandalone/binaries", "**/.git"},
				Source: spec.Source{Kind: spec.Bundled, Path: "extensions/Scribunto", Core: "mediawiki"}},
			{Kind: spec.Extension, Name: "Tarred", Source: spec.Source{
				Kind:   spec.Tarball,
				URL:    "file:///srv/mirror/Tarred.tar.gz",
				SHA256: "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
			}},
			{Kind: spec.Skin, Name: "Timeless", Source: spec.Source{Kind: spec.Bundled, Path: "skins/Timeless", Core: "mediawiki"}},
			{Kind: spec.Skin, Name: "Vector", Source: spec.Source{Kind: spec.Bundled, Path: "skins/Vector", Core: "mediawiki"}},
		},
		Editions: []spec.Edition{
			{
				Name: "base", Title: "Base", Version: "1.39.17.1", Core: ref("mediawiki"),
				Extensions:  refs("Cite", "Scribunto"),
				Skins:       refs("Vector", "Timeless"),
				DefaultSkin: "vector",
				Settings: []spec.Setting{
					{Name: "wgEnableUploads", Value: cty.True},
					{Name: "wgLogos", Value: cty.ObjectVal(map[string]cty.Value{"1x": cty.StringVal("/logo.png")})},
					{Name: "wgMaxArticleSize", Value: cty.NumberIntVal(2048)},
					{Name: "wgNothing", Value: cty.NullVal(cty.DynamicPseudoType)},
					{Name: "wgSitename", Value: cty.StringVal("Base")},
				},
				Outputs: []spec.Output{
					{Format: "deb", PHP: "8.2"},
					{Format: "image", Base: "debian:bookworm", Tags: []string{"1.39", "latest"}, PHP: "8.2.7"},
					{Format: "tarball", Compression: []string{"gz"}},
				},
			},
			{
				Name: "plus", Title: "Base plus", Version: "1.39.17.2~rc1", Core: ref("mediawiki"),
				Inherits:   &spec.Ref{Name: "base"},
				Extensions: refs("PluggableAuth", "Local", "Tarred"),
				Remove:     refs("Scribunto", "Timeless"),
				Outputs: []spec.Output{
					{Format: "rpm"},
					{Format: "tarball", Compression: []string{"xz", "zst"}},
				},
			},
		},
	},
	"two-cores": {
		Components: []spec.Component{
			{Kind: spec.Core, Name: "mediawiki", Version: "1.39.17", Source: spec.Source{
				Kind: spec.Git, URL: "ssh://git@example.org/mediawiki/core.git", Ref: "REL1_39",
			}},
			{Kind: spec.Core, Name: "mediawiki-next", Version: "1.43.0", Source: spec.Source{Kind: spec.Dir, Path: "cores/next"}},
			{Kind: spec.Extension, Name: "Cite", Source: spec.Source{Kind: spec.Bundled, Path: "extensions/Cite", Core: "mediawiki-next"}},
		},
		Editions: []spec.Edition{
			{Name: "lts", Title: "LTS", Version: "1.39.17.1", Core: ref("mediawiki")},
			{Name: "next", Title: "Next", Version: "1.43.0.1", Core: ref("mediawiki-next"), Extensions: refs("Cite")},
		},
	},
}

func TestValid(t *testing.T) {
	compared := 0
	for _, tc := range readCases(t, "valid") {
		t.Run(tc.Name, func(t *testing.T) {
			set, files, diags := tc.load()
			for _, d := range errorsOf(diags) {
				t.Errorf("unexpected error: %s", describe(d))
			}
			for _, s := range tc.sources() {
				if files[s.Name] == nil {
					t.Errorf("no parsed file for %s", s.Name)
				}
			}
			w, ok := want[tc.Name]
			if !ok {
				return
			}
			compared++
			if diff := cmp.Diff(w.Components, set.Components(), specOpts); diff != "" {
				t.Errorf("components (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(w.Editions, set.Editions(), specOpts); diff != "" {
				t.Errorf("editions (-want +got):\n%s", diff)
			}
		})
	}
	if compared != len(want) {
		t.Errorf("compared %d decoded cases, want %d (a case in want has no file?)", compared, len(want))
	}
}

// TestValidRanges checks that the ranges kept in the spec point at what they describe.
func TestValidRanges(t *testing.T) {
	var tc testCase
	for _, c := range readCases(t, "valid") {
		if c.Name == "full" {
			tc = c
		}
	}
	set, _, diags := tc.load()
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	at := func(r hcl.Range) string { return fmt.Sprintf("%s:%d", r.Filename, r.Start.Line) }
	type pos struct{ What, Where string }
	var got []pos
	for _, id := range []string{"core/mediawiki", "extension/Cite", "skin/Vector"} {
		c, ok := set.Component(id)
		if !ok {
			t.Fatalf("no component %s", id)
		}
		got = append(got, pos{id, at(c.DeclRange)}, pos{id + " source", at(c.Source.Range)})
	}
	e, ok := set.Edition("plus")
	if !ok {
		t.Fatal("no edition plus")
	}
	got = append(got, pos{"plus", at(e.DeclRange)}, pos{"plus inherits", at(e.Inherits.Range)},
		pos{"plus extensions[2]", at(e.Extensions[2].Range)}, pos{"plus remove[1]", at(e.Remove[1].Range)},
		pos{"plus core", at(e.Core.Range)}, pos{"plus version", at(e.VersionRange)})
	base, _ := set.Edition("base")
	for _, st := range base.Settings {
		if st.Name == "wgEnableUploads" {
			got = append(got, pos{"base wgEnableUploads", at(st.NameRange)})
		}
	}
	wantPos := []pos{
		{"core/mediawiki", "recipes/core.hcl:1"},
		{"core/mediawiki source", "recipes/core.hcl:4"},
		{"extension/Cite", "recipes/extensions.hcl:1"},
		{"extension/Cite source", "recipes/extensions.hcl:2"},
		{"skin/Vector", "recipes/skins.hcl:2"},
		{"skin/Vector source", "recipes/skins.hcl:3"},
		{"plus", "editions/plus.hcl:1"},
		{"plus inherits", "editions/plus.hcl:4"},
		{"plus extensions[2]", "editions/plus.hcl:8"},
		{"plus remove[1]", "editions/plus.hcl:10"},
		{"plus core", "editions/plus.hcl:1"}, // defaulted: the edition's declaration
		{"plus version", "editions/plus.hcl:3"},
		{"base wgEnableUploads", "editions/base.hcl:10"},
	}
	if diff := cmp.Diff(wantPos, got); diff != "" {
		t.Errorf("ranges (-want +got):\n%s", diff)
	}
}

// TestProject loads the project's own manifests.
func TestProject(t *testing.T) {
	p, diags := load.Dir("../..")
	for _, d := range errorsOf(diags) {
		t.Errorf("unexpected error: %s", describe(d))
	}
	count := map[string]int{}
	for _, c := range p.Set.Components() {
		count[string(c.Kind)]++
		if c.Source.Kind == spec.Bundled {
			count["bundled "+string(c.Kind)]++
			if c.Source.Core != "mediawiki" {
				t.Errorf("%s is bundled in %q, want mediawiki", c.ID(), c.Source.Core)
			}
		}
	}
	wantCount := map[string]int{"core": 1, "bundled extension": 29, "bundled skin": 4}
	if diff := cmp.Diff(wantCount, count, cmpopts.IgnoreMapEntries(func(k string, _ int) bool {
		return k == "extension" || k == "skin"
	})); diff != "" {
		t.Errorf("component counts (-want +got):\n%s", diff)
	}
	var eds []string
	for _, e := range p.Set.Editions() {
		eds = append(eds, e.Name)
	}
	if diff := cmp.Diff([]string{"core", "enterprise", "knowledge-base"}, eds); diff != "" {
		t.Errorf("editions (-want +got):\n%s", diff)
	}
	core, ok := p.Set.Component("core/mediawiki")
	if !ok {
		t.Fatal("no core/mediawiki")
	}
	if core.Source.KeyFile != "recipes/keys/mediawiki-release.asc" {
		t.Errorf("core keyring resolved to %q", core.Source.KeyFile)
	}
	for _, n := range []string{"recipes/core.hcl", "recipes/extensions.hcl", "recipes/skins.hcl", "editions/core.hcl"} {
		if p.Files[n] == nil {
			t.Errorf("Files has no %s", n)
		}
	}
}

func TestDirWithoutManifests(t *testing.T) {
	_, diags := load.Dir(t.TempDir())
	var sums []string
	for _, d := range diags {
		sums = append(sums, d.Summary)
	}
	if diff := cmp.Diff([]string{"No manifests found"}, sums); diff != "" {
		t.Errorf("diagnostics (-want +got):\n%s", diff)
	}
}

// TestNoCore covers the one error that concerns no particular line.
func TestNoCore(t *testing.T) {
	srcs := []load.Source{{Name: "recipes/x.hcl", Bytes: []byte(`extension "Cite" {
  source "git" {
    url = "https://example.org/Cite.git"
    ref = "main"
  }
}
`)}}
	_, _, diags := load.Sources(srcs, mapFS{})
	var got []string
	for _, d := range errorsOf(diags) {
		got = append(got, describe(d))
	}
	if len(got) != 1 || !strings.HasPrefix(got[0], "<no subject>: No core recipe:") {
		t.Errorf("errors = %q, want only No core recipe", got)
	}
}

// marker is an expected error, written in a case as a trailing comment
//
//	# ERROR: <Summary>
//	# ERROR: <Summary> ~ <text the Detail contains>
//
// on the line the error's Subject starts on. A line may carry several markers.
type marker struct {
	File    string
	Line    int
	Summary string
	Detail  string
}

func (m marker) String() string {
	s := fmt.Sprintf("%s:%d: %s", m.File, m.Line, m.Summary)
	if m.Detail != "" {
		s += " ~ " + m.Detail
	}
	return s
}

const markerPrefix = "# ERROR: "

func markers(tc testCase) []marker {
	var out []marker
	for _, s := range tc.Sections {
		for i, line := range strings.Split(s.Body, "\n") {
			parts := strings.Split(line, markerPrefix)
			for _, p := range parts[1:] {
				m := marker{File: s.Name, Line: i + 1}
				m.Summary, m.Detail, _ = strings.Cut(strings.TrimSpace(p), " ~ ")
				out = append(out, m)
			}
		}
	}
	return out
}

func TestInvalid(t *testing.T) {
	cases := readCases(t, "invalid")
	if len(cases) < 20 {
		t.Errorf("only %d invalid cases", len(cases))
	}
	for _, tc := range cases {
		t.Run(tc.Name, func(t *testing.T) {
			ms := markers(tc)
			if len(ms) == 0 {
				t.Fatal("case has no # ERROR: markers")
			}
			_, _, diags := tc.load()
			errs := errorsOf(diags)
			// Each marker claims one error of its own, so two markers on a line need two
			// errors there; markers that also name Detail text go first, being pickier.
			sort.SliceStable(ms, func(i, j int) bool { return ms[i].Detail != "" && ms[j].Detail == "" })
			matched := make([]bool, len(errs))
			for _, m := range ms {
				found := false
				for i, d := range errs {
					if matched[i] || d.Subject == nil || d.Subject.Filename != m.File || d.Subject.Start.Line != m.Line || d.Summary != m.Summary {
						continue
					}
					if m.Detail != "" && !strings.Contains(d.Detail, m.Detail) {
						continue
					}
					found, matched[i] = true, true
					break
				}
				if !found {
					t.Errorf("missing error %s", m)
				}
			}
			for i, d := range errs {
				if !matched[i] {
					t.Errorf("unexpected error %s", describe(d))
				}
			}
			if t.Failed() {
				for _, d := range errs {
					t.Logf("got %s", describe(d))
				}
			}
		})
	}
}

// TestMarkers checks the marker syntax itself.
func TestMarkers(t *testing.T) {
	tc, err := parseCase("m", []byte("-- recipes/a.hcl --\nfoo\nbar # ERROR: Some summary\nbaz # ERROR: A ~ Did you mean \"x\"? # ERROR: B\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := []marker{
		{File: "recipes/a.hcl", Line: 2, Summary: "Some summary"},
		{File: "recipes/a.hcl", Line: 3, Summary: "A", Detail: `Did you mean "x"?`},
		{File: "recipes/a.hcl", Line: 3, Summary: "B"},
	}
	if diff := cmp.Diff(want, markers(tc)); diff != "" {
		t.Errorf("markers (-want +got):\n%s", diff)
	}
}

// TestSourceAttrs checks that a source block records where each attribute's value is
// written: a stale lock points at the sha256 or ref that changed.
func TestSourceAttrs(t *testing.T) {
	src := `core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url    = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256 = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
  }
}
extension "Alpha" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/Alpha"
    ref = "REL1_39"
  }
}
`
	set, _, diags := load.Sources([]load.Source{{Name: "recipes/r.hcl", Bytes: []byte(src)}}, nil)
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	got := map[string]string{}
	for _, c := range set.Components() {
		for name, r := range c.Source.Attrs {
			got[c.ID()+" "+name] = fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
		}
	}
	want := map[string]string{
		"core/mediawiki url":    "recipes/r.hcl:4:14",
		"core/mediawiki sha256": "recipes/r.hcl:5:14",
		"extension/Alpha url":   "recipes/r.hcl:10:11",
		"extension/Alpha ref":   "recipes/r.hcl:11:11",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attribute ranges (-want +got):\n%s", diff)
	}
}

// TestComposerRepositories checks that declared repositories reach the set, sorted by name.
func TestComposerRepositories(t *testing.T) {
	src := `core "mediawiki" {
  version = "1.39.17"
  source "git" {
    url = "https://example.org/core.git"
    ref = "main"
  }
}
composer_repository "satis" { url = "file:///srv/satis" }
composer_repository "packagist" { url = "https://repo.packagist.org" }
`
	set, _, diags := load.Sources([]load.Source{{Name: "recipes/a.hcl", Bytes: []byte(src)}}, mapFS{})
	for _, d := range errorsOf(diags) {
		t.Errorf("unexpected error: %s", describe(d))
	}
	var got [][2]string
	for _, r := range set.ComposerRepositories() {
		got = append(got, [2]string{r.Name, r.URL})
	}
	want := [][2]string{{"packagist", "https://repo.packagist.org"}, {"satis", "file:///srv/satis"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("repositories (-want +got):\n%s", diff)
	}
}

// TestPrivateTargets checks that private targets reach the set, sorted by name, with the
// range of their location.
func TestPrivateTargets(t *testing.T) {
	src := `core "mediawiki" {
  version = "1.39.17"
  source "git" {
    url = "https://example.org/core.git"
    ref = "main"
  }
}
private_target "internal-registry" { registry = "registry.internal.example.org/restricted" }
private_target "internal-apt" {
  directory = "/srv/embargo/apt"
}
private_target "staging-dnf" { directory = "embargo/dnf" }
`
	set, _, diags := load.Sources([]load.Source{{Name: "recipes/a.hcl", Bytes: []byte(src)}}, mapFS{})
	for _, d := range errorsOf(diags) {
		t.Errorf("unexpected error: %s", describe(d))
	}
	var got [][4]string
	for _, p := range set.PrivateTargets() {
		r := p.LocationRange
		got = append(got, [4]string{p.Name, p.Directory, p.Registry, fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)})
	}
	want := [][4]string{
		{"internal-apt", "/srv/embargo/apt", "", "recipes/a.hcl:10:15"},
		{"internal-registry", "", "registry.internal.example.org/restricted", "recipes/a.hcl:8:49"},
		{"staging-dnf", "embargo/dnf", "", "recipes/a.hcl:12:44"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("private targets (-want +got):\n%s", diff)
	}
}
