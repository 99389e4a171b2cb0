//go:build e2e

// Package tests runs the mwedition binary end to end on the real MediaWiki 1.39.17 release
// and the shipped editions. `make e2e` builds the binary, puts the release into the cache
// (upstream, else Debian's source package) and runs these with MWEDITION_BIN and
// MWEDITION_CACHE set.
package tests

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const mediawikiSHA = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"

func bin(t *testing.T) string {
	t.Helper()
	b := os.Getenv("MWEDITION_BIN")
	if b == "" {
		t.Fatal("MWEDITION_BIN is not set: run these tests with `make e2e`, which builds the binary and fetches the MediaWiki release")
	}
	return b
}

// corpusCache is the cache `make corpus` filled with the real release.
func corpusCache(t *testing.T) string {
	t.Helper()
	c := os.Getenv("MWEDITION_CACHE")
	if c == "" {
		t.Fatal("MWEDITION_CACHE is not set: run `make e2e`")
	}
	if _, err := os.Stat(filepath.Join(c, "blobs/sha256", mediawikiSHA)); err != nil {
		t.Fatalf("the MediaWiki 1.39.17 release is not in %s: run `make corpus` first (%v)", c, err)
	}
	return c
}

type result struct {
	code           int
	stdout, stderr string
}

func run(t *testing.T, dir, cacheDir string, args ...string) result {
	t.Helper()
	return runCmd(t, exec.Command(bin(t), append([]string{"-C", dir, "--cache", cacheDir}, args...)...))
}

// runCmd runs a command and returns its exit code and output; only a command that could
// not start fails the test.
func runCmd(t *testing.T, cmd *exec.Cmd) result {
	t.Helper()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{code, out.String(), errb.String()}
}

// shippedProject is what the repository's project is made of: the recipes (with their
// keys), the patches they apply, the editions and the lock.
var shippedProject = []string{"line.hcl", "recipes", "patches", "editions", "editions.lock"}

// shippedEditionVersion is the version of every shipped edition; tests that change an
// edition's members bump it to nextEditionVersion.
const (
	shippedEditionVersion = "1.39.17.2"
	nextEditionVersion    = "1.39.17.3"
	// shippedSuite is the apt suite publish --apt chooses for the shipped project (its line's).
	shippedSuite = "1.39"
	// shippedCoreVersion is core's version in the shipped lock: the release and the four
	// security patches that change core's own files (the fifth is OATHAuth's).
	shippedCoreVersion = "1.39.17+p4"
)

// project copies the shipped manifests, keys, patches and lock into a temporary project.
func project(t *testing.T) string {
	t.Helper()
	dst := t.TempDir()
	for _, p := range shippedProject {
		copyTree(t, filepath.Join("..", p), filepath.Join(dst, p))
	}
	return dst
}

// smallEditionProject is the shipped project with one small edition in place of the
// shipped ones: core, Poem and Vector, at 1.39.17.1, with the given output blocks.
func smallEditionProject(t *testing.T, name, title, outputs string) string {
	t.Helper()
	dir := project(t)
	old, _ := filepath.Glob(filepath.Join(dir, "editions", "*.hcl"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "editions", name+".hcl"), `edition "`+name+`" {
  title      = "`+title+`"
  version    = "1.39.17.1"
  skins      = ["Vector"]
  extensions = ["Poem"]
  `+outputs+`
}
`)
	return dir
}

// seededCache is a fresh cache holding only the downloaded release and its signature:
// a cold build from a warm source cache.
func seededCache(t *testing.T) string {
	t.Helper()
	c := filepath.Join(t.TempDir(), "cache")
	src := corpusCache(t)
	copyTree(t, filepath.Join(src, "urls"), filepath.Join(c, "urls"))
	// Only the release and what the recorded URLs give (its signature): the corpus cache
	// also holds every package, layer and image base earlier builds made.
	blobs := []string{mediawikiSHA}
	urls, _ := filepath.Glob(filepath.Join(src, "urls", "*"))
	for _, u := range urls {
		b, err := os.ReadFile(u)
		if err != nil {
			t.Fatal(err)
		}
		blobs = append(blobs, strings.TrimSpace(string(b)))
	}
	if err := os.MkdirAll(filepath.Join(c, "blobs/sha256"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sha := range blobs {
		b, err := os.ReadFile(filepath.Join(src, "blobs/sha256", sha))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(c, "blobs/sha256", sha), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return c
}

func TestValidateShippedEditions(t *testing.T) {
	r := run(t, "..", corpusCache(t), "validate")
	if r.code != 0 {
		t.Fatalf("validate exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, e := range []string{"core", "knowledge-base", "enterprise"} {
		if !regexp.MustCompile(`(?m)^\s+` + e + `\s+` + regexp.QuoteMeta(shippedEditionVersion) + `\s`).MatchString(r.stdout) {
			t.Errorf("validate does not list edition %s:\n%s", e, r.stdout)
		}
	}
}

func TestLockReproducesTheCommittedLock(t *testing.T) {
	dir := project(t)
	want, err := os.ReadFile(filepath.Join(dir, "editions.lock"))
	if err != nil {
		t.Fatal(err)
	}
	removeLockKeepingDebianBases(t, dir)
	cacheDir := seededCache(t)
	if r := run(t, dir, cacheDir, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	got, _ := os.ReadFile(filepath.Join(dir, "editions.lock"))
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Fatalf("a fresh lock differs from the committed one (-committed +fresh):\n%s", diff)
	}
	// Declarations in another order: the same bytes.
	p := filepath.Join(dir, "recipes/extensions.hcl")
	b, _ := os.ReadFile(p)
	var blocks []string // top-level blocks start at column 1; comments go with the block after them
	cur := ""
	for _, l := range strings.Split(string(b), "\n") {
		cur += l + "\n"
		if l == "}" {
			blocks = append(blocks, cur)
			cur = ""
		}
	}
	if len(blocks) < 29 { // the 29 bundled ones; the git ones are in git-extensions.hcl
		t.Fatalf("expected every extension recipe as a block, found %d", len(blocks))
	}
	for i, j := 0, len(blocks)-1; i < j; i, j = i+1, j-1 {
		blocks[i], blocks[j] = blocks[j], blocks[i]
	}
	os.WriteFile(p, []byte(strings.Join(blocks, "")+cur), 0o644)
	if r := run(t, dir, cacheDir, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock after reordering exited %d:\n%s", r.code, r.stderr)
	}
	got, _ = os.ReadFile(filepath.Join(dir, "editions.lock"))
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Fatalf("reordering recipes changed the lock:\n%s", diff)
	}
}

type event struct {
	Event    string `json:"event"`
	Action   string `json:"action"`
	Kind     string `json:"kind"`
	Executed int    `json:"executed"`
	Cached   int    `json:"cached"`
}

func events(t *testing.T, out string) []event {
	var evs []event
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
			t.Fatalf("--json printed a line that is not JSON: %q", sc.Text())
		}
		evs = append(evs, e)
	}
	return evs
}

func TestBuildRealTree(t *testing.T) {
	dir := project(t)
	cacheDir := seededCache(t)
	r := run(t, dir, cacheDir, "--offline", "--json", "build", "--format", "tree")
	if r.code != 0 {
		t.Fatalf("cold build exited %d:\n%s", r.code, r.stderr)
	}
	evs := events(t, r.stdout)
	last := evs[len(evs)-1]
	// 1 source, its patching, 34 component trees, 3 editions; 34 components' libraries, 3
	// editions' documents, the publication.
	if last.Event != "built" || last.Executed != 77 || last.Cached != 0 {
		t.Fatalf("cold build: %+v, want 77 actions executed", last)
	}
	m1, _ := os.ReadFile(filepath.Join(dir, "out/manifest.json"))

	r = run(t, dir, cacheDir, "--offline", "--json", "build", "--format", "tree")
	evs = events(t, r.stdout)
	last = evs[len(evs)-1]
	if r.code != 0 || last.Executed != 0 || last.Cached != 77 {
		t.Fatalf("second build: exit %d, %+v: want 0 executed", r.code, last)
	}
	m2, _ := os.ReadFile(filepath.Join(dir, "out/manifest.json"))
	if !bytes.Equal(m1, m2) {
		t.Fatal("manifest.json differs between two builds")
	}

	var m struct {
		Editions []struct {
			Name       string
			Tree       string
			Entries    int
			Extensions []string
			Skins      []string
			Members    []struct{ ID, Reason string }
		}
		Components []struct {
			ID, Version, Tree string
			Files             int
			OSDeps            map[string][]string `json:"osDependencies"`
		}
	}
	if err := json.Unmarshal(m1, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Components) != 34 || len(m.Editions) != 3 {
		t.Fatalf("manifest has %d components and %d editions, want 34 and 3", len(m.Components), len(m.Editions))
	}
	byName := map[string]int{}
	for i, e := range m.Editions {
		byName[e.Name] = i
	}
	ent := m.Editions[byName["enterprise"]]
	if contains(ent.Extensions, "Math") || contains(ent.Extensions, "SpamBlacklist") || !contains(ent.Extensions, "Scribunto") || !contains(ent.Extensions, "WikiEditor") {
		t.Errorf("enterprise extensions: %v", ent.Extensions)
	}
	// CodeEditor requires WikiEditor, which core does not list: resolution pulls it in.
	core := m.Editions[byName["core"]]
	found := false
	for _, mem := range core.Members {
		found = found || (mem.ID == "extension/WikiEditor" && mem.Reason == "required by CodeEditor")
	}
	if !found {
		t.Errorf("core edition does not say WikiEditor was required by CodeEditor: %+v", core.Members)
	}
	for _, c := range m.Components {
		if c.ID == "core/mediawiki" {
			if diff := cmp.Diff([]string{"php-calendar", "php-ctype", "php-fileinfo", "php-iconv", "php-intl", "php-mbstring", "php-xml"}, c.OSDeps["debian"]); diff != "" {
				t.Errorf("core's Debian PHP dependencies (-want +got):\n%s", diff)
			}
		}
	}
	// The assembled tree: Scribunto's prebuilt Lua binaries are gone, the settings file is there.
	tree := readTree(t, cacheDir, m.Editions[byName["knowledge-base"]].Tree)
	if !tree["EditionSettings.php"] || !tree["extensions/Scribunto/extension.json"] || !tree["includes/Defines.php"] || !tree["skins/Vector/skin.json"] {
		t.Error("knowledge-base tree lacks expected files")
	}
	for p := range tree {
		if strings.Contains(p, "LuaStandalone/binaries") {
			t.Fatalf("prebuilt binary in the tree: %s", p)
		}
	}
	if len(tree) != m.Editions[byName["knowledge-base"]].Entries {
		t.Errorf("tree listing has %d entries, manifest says %d", len(tree), m.Editions[byName["knowledge-base"]].Entries)
	}
}

func TestCLIErrors(t *testing.T) {
	cacheDir := corpusCache(t)
	dir := project(t)
	os.WriteFile(filepath.Join(dir, "editions/broken.hcl"), []byte("edition \"broken\" {\n  title = \"B\"\n  version = \"1\"\n  extensions = [\"Citee\"]\n}\n"), 0o644)
	r := run(t, dir, cacheDir, "validate")
	if r.code != 1 || !strings.Contains(r.stderr, `editions/broken.hcl:4:17: error: Unknown extension`) || !strings.Contains(r.stderr, `Did you mean "Cite"?`) {
		t.Errorf("invalid edition: exit %d\n%s", r.code, r.stderr)
	}
	os.Remove(filepath.Join(dir, "editions/broken.hcl"))
	os.Remove(filepath.Join(dir, "editions.lock"))
	r = run(t, dir, cacheDir, "--offline", "build")
	if r.code != 1 || !strings.Contains(r.stderr, "run `mwedition lock` first") {
		t.Errorf("missing lock: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, dir, cacheDir, "build", "extra")
	if r.code != 64 {
		t.Errorf("extra argument: exit %d, want 64\n%s", r.code, r.stderr)
	}
}

func readTree(t *testing.T, cacheDir, digest string) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(cacheDir, "trees", strings.TrimPrefix(digest, "sha256:")+".tree"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	dec := json.NewDecoder(f)
	var header map[string]any
	dec.Decode(&header)
	for {
		var e struct {
			P string `json:"p"`
		}
		if err := dec.Decode(&e); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		out[e.P] = true
	}
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		to := filepath.Join(dst, rel)
		if fi.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(to, b, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

var editionVersion = regexp.MustCompile(`(?m)^(  version +=) ("[^"]*"|line\.edition_version)`)

// bumpEditions sets the version of every shipped edition: adding a member to core changes
// all three (the others inherit it), and lock refuses other members under a recorded version.
func bumpEditions(t *testing.T, dir, version string) {
	t.Helper()
	for _, e := range []string{"core", "knowledge-base", "enterprise"} {
		p := filepath.Join(dir, "editions", e+".hcl")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !editionVersion.Match(b) {
			t.Fatalf("%s has no version to bump", p)
		}
		if err := os.WriteFile(p, editionVersion.ReplaceAll(b, []byte(`${1} "`+version+`"`)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// plannedActions lists what `plan --json` says a build of every format would run.
func plannedActions(t *testing.T, dir, cacheDir string, args ...string) []planEvent {
	t.Helper()
	r := run(t, dir, cacheDir, append([]string{"--offline", "--json", "plan"}, args...)...)
	if r.code != 0 {
		t.Fatalf("plan exited %d:\n%s", r.code, r.stderr)
	}
	var out []planEvent
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var kind struct{ Event string }
		if err := json.Unmarshal([]byte(line), &kind); err != nil {
			t.Fatalf("plan --json printed %q: %v", line, err)
		}
		if kind.Event != "plan" { // the closing "planned" totals
			continue
		}
		var ev planEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatalf("plan --json printed %q: %v", line, err)
		}
		out = append(out, ev)
	}
	return out
}

type planEvent struct {
	Event, Action, Kind, Edition string
	Cached                       bool
	Deps                         []string
}

// One edition's part of the plan and the graph: its own actions and the shared ones they
// need, and none of another edition's; the drawing has a cluster per edition.
func TestPlanAndGraphPerEdition(t *testing.T) {
	dir := project(t)
	cacheDir := corpusCache(t)
	all := plannedActions(t, dir, cacheDir)
	core := plannedActions(t, dir, cacheDir, "--edition", "core")
	if len(core) == 0 || len(core) >= len(all) {
		t.Fatalf("plan --edition core lists %d of %d actions", len(core), len(all))
	}
	ids := map[string]bool{}
	for _, ev := range core {
		ids[ev.Action] = true
		if ev.Edition != "" && ev.Edition != "core" {
			t.Errorf("plan --edition core lists %s of edition %s", ev.Action, ev.Edition)
		}
	}
	for _, want := range []string{"edition/core", "deb/edition/core", "image/core", "sbom/core", "tree/core/mediawiki", "rpm/core/mediawiki"} {
		if !ids[want] {
			t.Errorf("plan --edition core lacks %s", want)
		}
	}
	r := run(t, dir, cacheDir, "--offline", "graph", "--dot")
	if r.code != 0 {
		t.Fatalf("graph --dot exited %d:\n%s", r.code, r.stderr)
	}
	for _, e := range []string{"core", "knowledge-base", "enterprise"} {
		if !strings.Contains(r.stdout, `subgraph "cluster_`+e+`"`) {
			t.Errorf("graph --dot has no cluster for edition %s", e)
		}
	}
	r = run(t, dir, cacheDir, "--offline", "graph", "--dot", "--edition", "core")
	if r.code != 0 || !strings.Contains(r.stdout, `"cluster_core"`) || strings.Contains(r.stdout, `"cluster_enterprise"`) {
		t.Errorf("graph --dot --edition core (exit %d) draws other editions or not core:\n%.2000s", r.code, r.stdout)
	}
}
