package build_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// fixture is a small project: a core tarball with two bundled extensions and a skin, an
// extension from a local git repository, and one from a directory of the project.
type fixture struct {
	root, repo, cacheDir string
	t                    *testing.T
}

var epoch = time.Date(2025, 12, 16, 10, 0, 0, 0, time.UTC)

func newFixture(t *testing.T) *fixture {
	t.Helper()
	base := t.TempDir()
	f := &fixture{root: filepath.Join(base, "project"), repo: filepath.Join(base, "gamma.git"), cacheDir: filepath.Join(base, "cache"), t: t}
	tarball := filepath.Join(base, "mediawiki-1.39.17.tar.gz")
	sha := writeTarball(t, tarball, map[string]string{
		"includes/Defines.php":            "<?php\ndefine( 'MW_VERSION', '1.39.17' );\n",
		"composer.json":                   `{"require": {"php": ">=7.4.3", "ext-intl": "*", "ext-json": "*", "ext-xml": "*"}}`,
		"index.php":                       "<?php // entry point\n",
		"extensions/README":               "Extensions go here.\n",
		"extensions/Alpha/extension.json": `{"name": "Alpha", "version": "1.2.0", "manifest_version": 2, "requires": {"MediaWiki": ">= 1.39.0"}}`,
		"extensions/Alpha/Alpha.php":      "<?php\n",
		"extensions/Beta/extension.json":  `{"name": "Beta", "manifest_version": 2, "requires": {"MediaWiki": ">= 1.39.0", "extensions": {"Alpha": ">= 1.0"}}}`,
		"extensions/Beta/bin/tool":        "#!/bin/sh\n",
		"skins/Vector/skin.json":          `{"name": "Vector", "version": "1.0.0", "manifest_version": 2}`,
	})
	must(t, os.MkdirAll(filepath.Join(f.root, "recipes"), 0o755))
	must(t, os.MkdirAll(filepath.Join(f.root, "editions"), 0o755))
	must(t, os.MkdirAll(filepath.Join(f.root, "local/Delta"), 0o755))
	write(t, filepath.Join(f.root, "local/Delta/extension.json"), `{"name": "Delta", "version": "0.1", "requires": {"MediaWiki": ">= 1.35"}}`)
	f.git("init", "-q", "-b", "main", f.repo)
	f.commit("extension.json", `{"name": "Gamma", "manifest_version": 2, "requires": {"extensions": {"Alpha": "*"}, "platform": {"ext-curl": "*"}}}`, epoch)
	write(t, filepath.Join(f.root, "recipes/core.hcl"), fmt.Sprintf(`
core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url    = "file://%s"
    sha256 = "%s"
  }
}
`, tarball, sha))
	write(t, filepath.Join(f.root, "recipes/extensions.hcl"), fmt.Sprintf(`
extension "Alpha" {
  source "bundled" { path = "extensions/Alpha" }
}
extension "Beta" {
  source "bundled" { path = "extensions/Beta" }
}
extension "Gamma" {
  source "git" {
    url = "file://%s"
    ref = "main"
  }
}
extension "Delta" {
  source "dir" { path = "../local/Delta" }
}
skin "Vector" {
  source "bundled" { path = "skins/Vector" }
}
`, f.repo))
	write(t, filepath.Join(f.root, "editions/editions.hcl"), `
edition "base" {
  title   = "Base"
  version = "1.0"
  skins   = ["Vector"]
  extensions = ["Beta"]
  default_skin = "vector"
  output "deb" {}
}
edition "full" {
  title    = "Full"
  version  = "1.0"
  inherits = "base"
  extensions = ["Gamma", "Delta"]
  settings = { wgEnableUploads = true, wgSitename = "It's \\ full" }
}
`)
	return f
}

func (f *fixture) git(args ...string) string {
	f.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org")
	out, err := cmd.CombinedOutput()
	if err != nil {
		f.t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return strings.TrimSpace(string(out))
}

func (f *fixture) commit(name, content string, when time.Time) {
	f.t.Helper()
	write(f.t, filepath.Join(f.repo, name), content)
	f.git("-C", f.repo, "add", "-A")
	d := when.Format(time.RFC3339)
	cmd := exec.Command("git", "-C", f.repo, "commit", "-q", "-m", "change")
	cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_AUTHOR_DATE="+d, "GIT_COMMITTER_DATE="+d)
	if out, err := cmd.CombinedOutput(); err != nil {
		f.t.Fatalf("git commit: %v\n%s", err, out)
	}
}

func (f *fixture) options() build.Options {
	st, err := cache.Open(f.cacheDir)
	must(f.t, err)
	return build.Options{Root: f.root, Jobs: 2, Fetcher: &source.Fetcher{Store: st, Root: f.root, GitEnv: os.Environ(), Now: func() time.Time { return epoch }}}
}

func (f *fixture) load() load.Project {
	f.t.Helper()
	p, diags := load.Dir(f.root)
	if diags.HasErrors() {
		f.t.Fatalf("load: %v", diags)
	}
	return p
}

// lock runs Lock and writes the lock, as `mwedition lock` does.
func (f *fixture) lock(update ...string) lock.File {
	f.t.Helper()
	lf, _ := f.lockReport(update...)
	return lf
}

func (f *fixture) lockReport(update ...string) (lock.File, engine.Report) {
	f.t.Helper()
	prev, err := build.ReadLock(f.root)
	if err != nil && !errors.Is(err, build.ErrNoLock) {
		f.t.Fatal(err)
	}
	lf, rep, diags, err := build.Lock(context.Background(), f.options(), f.load().Set, prev, update)
	if err != nil || diags.HasErrors() {
		f.t.Fatalf("lock: %v %v", err, diags)
	}
	must(f.t, lock.Write(f.root, lf))
	return lf, rep
}

// bumpEdition sets the version of an edition of the fixture, as a release manager does
// when its members change.
func (f *fixture) bumpEdition(name, version string) {
	f.t.Helper()
	p := filepath.Join(f.root, "editions/editions.hcl")
	b, err := os.ReadFile(p)
	must(f.t, err)
	re := regexp.MustCompile(`(edition "` + name + `" \{[^}]*?\n  version +)= "[^"]*"`)
	if !re.Match(b) {
		f.t.Fatalf("no edition %s with a version in %s", name, p)
	}
	write(f.t, p, re.ReplaceAllString(string(b), `$1= "`+version+`"`))
}

func (f *fixture) build() build.Result {
	f.t.Helper()
	lk, err := build.ReadLock(f.root)
	must(f.t, err)
	res, diags, err := build.Build(context.Background(), f.options(), f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		f.t.Fatalf("build: %v %v", err, diags)
	}
	return res
}

func executed(r engine.Report) []string {
	var ids []string
	for _, res := range r.Results {
		if res.Status == engine.Executed {
			ids = append(ids, res.ID)
		}
	}
	sort.Strings(ids)
	return ids
}

func TestLockIsStableAndComplete(t *testing.T) {
	f := newFixture(t)
	lf := f.lock()
	first, err := os.ReadFile(filepath.Join(f.root, lock.FileName))
	must(t, err)
	f.lock()
	second, err := os.ReadFile(filepath.Join(f.root, lock.FileName))
	must(t, err)
	if diff := cmp.Diff(string(first), string(second)); diff != "" {
		t.Fatalf("lock twice differs (-first +second):\n%s", diff)
	}
	var ids []string
	for _, c := range lf.Components {
		ids = append(ids, c.ID)
	}
	want := []string{"core/mediawiki", "extension/Alpha", "extension/Beta", "extension/Delta", "extension/Gamma", "skin/Vector"}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("locked components (-want +got):\n%s", diff)
	}
	gamma, _ := lf.Lookup("extension/Gamma")
	if !strings.HasPrefix(gamma.Version, "1.39.17+git20251216.100000.") || len(gamma.Source.Commit) != 40 {
		t.Errorf("Gamma has no version of its own and comes from git: got version %q commit %q", gamma.Version, gamma.Source.Commit)
	}
	if gamma.Time != epoch.Unix() {
		t.Errorf("Gamma's source time is its commit time %d, got %d", epoch.Unix(), gamma.Time)
	}
	beta, _ := lf.Lookup("extension/Beta")
	if beta.Version != "1.39.17" {
		t.Errorf("a versionless bundled extension takes the core's version, got %q", beta.Version)
	}
	alpha, _ := lf.Lookup("extension/Alpha")
	if alpha.Version != "1.2.0" || alpha.Files != 2 {
		t.Errorf("Alpha: version %q files %d, want 1.2.0 and 2", alpha.Version, alpha.Files)
	}
	core, _ := lf.Lookup("core/mediawiki")
	if diff := cmp.Diff([]string{"intl", "json", "xml"}, core.Registry.Requires.PHPExtensions); diff != "" {
		t.Errorf("core PHP extensions (-want +got):\n%s", diff)
	}
}

func TestReorderedDeclarationsLockTheSame(t *testing.T) {
	f := newFixture(t)
	f.lock()
	want, err := os.ReadFile(filepath.Join(f.root, lock.FileName))
	must(t, err)
	// Reverse the order of the top-level blocks in every manifest.
	for _, name := range []string{"recipes/extensions.hcl", "editions/editions.hcl"} {
		p := filepath.Join(f.root, name)
		b, err := os.ReadFile(p)
		must(t, err)
		blocks := splitBlocks(string(b))
		for i, j := 0, len(blocks)-1; i < j; i, j = i+1, j-1 {
			blocks[i], blocks[j] = blocks[j], blocks[i]
		}
		write(t, p, strings.Join(blocks, "\n"))
	}
	must(t, os.Remove(filepath.Join(f.root, lock.FileName)))
	f.lock()
	got, err := os.ReadFile(filepath.Join(f.root, lock.FileName))
	must(t, err)
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Fatalf("reordering declarations changed the lock (-before +after):\n%s", diff)
	}
}

// splitBlocks cuts an HCL file into its top-level blocks (they start at column 1).
func splitBlocks(s string) []string {
	var blocks []string
	for _, line := range strings.Split(strings.TrimSpace(s), "\n") {
		if line != "" && line[0] != ' ' && line[0] != '}' || len(blocks) == 0 {
			blocks = append(blocks, line)
			continue
		}
		blocks[len(blocks)-1] += "\n" + line
	}
	return blocks
}

func TestSecondBuildRunsNothing(t *testing.T) {
	f := newFixture(t)
	f.lock()
	first := f.build()
	if first.Report.Executed == 0 {
		t.Fatal("a first build after lock must assemble the editions")
	}
	m1, err := os.ReadFile(filepath.Join(f.root, "out/manifest.json"))
	must(t, err)
	second := f.build()
	if len(executed(second.Report)) != 0 {
		t.Fatalf("second build executed %v, want nothing", executed(second.Report))
	}
	if second.Report.Cached != len(second.Report.Results) {
		t.Errorf("second build: %d cached of %d", second.Report.Cached, len(second.Report.Results))
	}
	m2, err := os.ReadFile(filepath.Join(f.root, "out/manifest.json"))
	must(t, err)
	if diff := cmp.Diff(string(m1), string(m2)); diff != "" {
		t.Errorf("manifest.json differs between builds:\n%s", diff)
	}
	var full build.ManifestEdition
	for _, e := range first.Manifest.Editions {
		if e.Name == "full" {
			full = e
		}
	}
	if diff := cmp.Diff([]string{"Alpha", "Beta", "Delta", "Gamma"}, full.Extensions); diff != "" {
		t.Errorf("full's extensions (Alpha pulled in by Beta's requirement) (-want +got):\n%s", diff)
	}
	reasons := map[string]string{}
	for _, m := range full.Members {
		reasons[m.ID] = m.Reason
	}
	if reasons["extension/Alpha"] != "required by Beta" || reasons["extension/Beta"] != "inherited from base" || reasons["extension/Gamma"] != "listed" {
		t.Errorf("member reasons: %v", reasons)
	}
}

func TestEditionTreeLayout(t *testing.T) {
	f := newFixture(t)
	f.lock()
	res := f.build()
	st, err := cache.Open(f.cacheDir)
	must(t, err)
	var tree string
	for _, e := range res.Manifest.Editions {
		if e.Name == "full" {
			tree = e.Tree
		}
	}
	tr, err := st.Tree(tree)
	must(t, err)
	var paths []string
	for _, e := range tr.Entries() {
		paths = append(paths, fmt.Sprintf("%s %o", e.Path, e.Mode().Perm()))
	}
	want := []string{
		"EditionSettings.php 644", "composer.json 644", "extensions 755", "extensions/Alpha 755", "extensions/Alpha/Alpha.php 644",
		"extensions/Alpha/extension.json 644", "extensions/Beta 755", "extensions/Beta/bin 755", "extensions/Beta/bin/tool 755",
		"extensions/Beta/extension.json 644", "extensions/Delta 755", "extensions/Delta/extension.json 644", "extensions/Gamma 755",
		"extensions/Gamma/extension.json 644", "extensions/Gamma/gitinfo.json 644", "extensions/README 644", "includes 755",
		"includes/Defines.php 644", "index.php 644", "skins 755", "skins/Vector 755", "skins/Vector/skin.json 644",
	}
	if diff := cmp.Diff(want, paths); diff != "" {
		t.Fatalf("edition tree (-want +got):\n%s", diff)
	}
	e, _ := tr.Lookup("EditionSettings.php")
	settings, err := os.ReadFile(st.Path(e.Src))
	must(t, err)
	for _, s := range []string{"wfLoadSkins( [\n\t'Vector',\n] );", "\t'Alpha',\n\t'Beta',\n\t'Delta',\n\t'Gamma',\n", "$wgDefaultSkin = 'vector';",
		"$wgEnableUploads = true;", `$wgSitename = 'It\'s \\ full';`} {
		if !strings.Contains(string(settings), s) {
			t.Errorf("EditionSettings.php lacks %q:\n%s", s, settings)
		}
	}
}

func TestChangingOnePinRebuildsOnlyItsDependents(t *testing.T) {
	f := newFixture(t)
	f.lock()
	f.build()
	f.commit("Gamma.php", "<?php // new\n", epoch.Add(48*time.Hour))
	// Without --update the lock keeps the pinned commit: nothing changes.
	f.lock()
	if got := executed(f.build().Report); len(got) != 0 {
		t.Fatalf("lock without --update moved a pin: build executed %v", got)
	}
	// Gamma's new version changes the edition holding it: its version must change too.
	f.bumpEdition("full", "1.1")
	lf, lockRep := f.lockReport("Gamma")
	gamma, _ := lf.Lookup("extension/Gamma")
	if !strings.HasPrefix(gamma.Version, "1.39.17+git20251218.100000.") {
		t.Errorf("Gamma's version after the bump: %q", gamma.Version)
	}
	// Lock fetches the new commit and makes its tree; build then assembles only the
	// edition that holds Gamma and reads the new tree's libraries. Every edition's
	// documents are made again, since the provenance names the lock's digest, and so is the
	// publication. Across both, nothing else runs.
	if diff := cmp.Diff([]string{"source/extension/Gamma", "tree/extension/Gamma"}, executed(lockRep)); diff != "" {
		t.Errorf("lock --update Gamma executed (-want +got):\n%s", diff)
	}
	want := []string{"edition/full", "libraries/extension/Gamma", "publish", "sbom/base", "sbom/full"}
	if diff := cmp.Diff(want, executed(f.build().Report)); diff != "" {
		t.Fatalf("build after bumping Gamma executed (-want +got):\n%s", diff)
	}
}

// TestLockRefusesOtherMembersUnderARecordedVersion: a component moved by lock --update
// changes the editions holding it, and lock says so before anything is built or published.
func TestLockRefusesOtherMembersUnderARecordedVersion(t *testing.T) {
	f := newFixture(t)
	first := f.lock()
	if r, ok := first.Edition("full"); !ok || r.Version != "1.0" || !slices.Contains(r.Members, "extension/Gamma") {
		t.Fatalf("the lock records full as %+v", r)
	}
	f.commit("Gamma.php", "<?php // new\n", epoch.Add(48*time.Hour))
	_, _, diags, err := build.Lock(context.Background(), f.options(), f.load().Set, first, []string{"Gamma"})
	if err != nil {
		t.Fatal(err)
	}
	d := firstError(diags)
	if d == nil || d.Summary != "Edition changed, version did not" || d.Subject == nil || d.Subject.Filename != "editions/editions.hcl" || d.Subject.Start.Line != 12 {
		t.Fatalf("want one error at full's version, got %v", diags)
	}
	for _, s := range []string{`Edition "full"`, "changed extension/Gamma 1.39.17+git20251216.100000.", "-> 1.39.17+git20251218.100000.", "bump version at editions/editions.hcl:12"} {
		if !strings.Contains(d.Detail, s) {
			t.Errorf("detail lacks %q: %s", s, d.Detail)
		}
	}
	if len(diags.Errs()) != 1 {
		t.Errorf("base does not hold Gamma, yet: %v", diags)
	}
}

func TestBuildRefusesMissingOrStaleLock(t *testing.T) {
	f := newFixture(t)
	if _, err := build.ReadLock(f.root); !errors.Is(err, build.ErrNoLock) || !strings.Contains(err.Error(), "mwedition lock") {
		t.Fatalf("missing lock: %v", err)
	}
	f.lock()
	p := filepath.Join(f.root, "recipes/extensions.hcl")
	b, err := os.ReadFile(p)
	must(t, err)
	write(t, p, strings.Replace(string(b), `  source "bundled" { path = "extensions/Alpha" }`,
		`  source "bundled" { path = "extensions/Alpha" }
  exclude = ["*.php"]`, 1))
	lk, err := build.ReadLock(f.root)
	must(t, err)
	_, diags, err := build.Build(context.Background(), f.options(), f.load().Set, lk)
	if err != nil {
		t.Fatal(err)
	}
	d := firstError(diags)
	if d == nil || d.Summary != "Stale lock" || d.Subject == nil || d.Subject.Filename != "recipes/extensions.hcl" || d.Subject.Start.Line != 2 ||
		!strings.Contains(d.Detail, "mwedition lock") {
		t.Fatalf("want a Stale lock error at recipes/extensions.hcl:2 saying how to fix it, got %v", diags)
	}
	if _, err := os.Stat(filepath.Join(f.root, "out/manifest.json")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused build wrote out/manifest.json")
	}
	// A changed dir source is stale too. (Alpha's tree changed: so did the editions.)
	f.bumpEdition("base", "1.1")
	f.bumpEdition("full", "1.1")
	f.lock()
	write(t, filepath.Join(f.root, "local/Delta/new.php"), "<?php\n")
	lk, err = build.ReadLock(f.root)
	must(t, err)
	_, diags, err = build.Build(context.Background(), f.options(), f.load().Set, lk)
	if err != nil || firstError(diags) == nil || !strings.Contains(firstError(diags).Detail, "lock --update Delta") {
		t.Fatalf("changed dir source: err %v diags %v", err, diags)
	}
}

func TestOfflineBuildFromCache(t *testing.T) {
	f := newFixture(t)
	f.lock()
	f.build()
	// A fresh output directory and a cold action cache, but sources in the cache: offline works.
	must(t, os.RemoveAll(filepath.Join(f.cacheDir, "actions")))
	must(t, os.RemoveAll(filepath.Join(f.cacheDir, "src")))
	must(t, os.RemoveAll(f.repo)) // the remote is gone; the mirror has the commit
	o := f.options()
	o.Fetcher.Offline = true
	lk, err := build.ReadLock(f.root)
	must(t, err)
	if _, diags, err := build.Build(context.Background(), o, f.load().Set, lk); err != nil || diags.HasErrors() {
		t.Fatalf("offline build from the cache: %v %v", err, diags)
	}
	// Without the tarball in the cache, offline fails and says what to do.
	must(t, os.RemoveAll(filepath.Join(f.cacheDir, "blobs")))
	must(t, os.RemoveAll(filepath.Join(f.cacheDir, "src")))
	must(t, os.RemoveAll(filepath.Join(f.cacheDir, "actions")))
	_, _, err = build.Build(context.Background(), o, f.load().Set, lk)
	if !errors.Is(err, source.ErrOffline) || !strings.Contains(err.Error(), "cache add") || !strings.Contains(err.Error(), "core/mediawiki") {
		t.Fatalf("offline without the tarball: %v", err)
	}
}

func firstError(diags hcl.Diagnostics) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d
		}
	}
	return nil
}

func writeTarball(t *testing.T, path string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	dirs := map[string]bool{}
	for _, n := range names {
		for d := filepath.Dir(n); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	var dl []string
	for d := range dirs {
		dl = append(dl, d)
	}
	sort.Strings(dl)
	must(t, tw.WriteHeader(&tar.Header{Name: "mediawiki-1.39.17/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch}))
	for _, d := range dl {
		must(t, tw.WriteHeader(&tar.Header{Name: "mediawiki-1.39.17/" + d + "/", Typeflag: tar.TypeDir, Mode: 0o755, ModTime: epoch}))
	}
	for _, n := range names {
		mode := int64(0o664)
		if strings.Contains(n, "/bin/") {
			mode = 0o775
		}
		must(t, tw.WriteHeader(&tar.Header{Name: "mediawiki-1.39.17/" + n, Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(files[n])), ModTime: epoch.Add(-time.Hour)}))
		_, err := tw.Write([]byte(files[n]))
		must(t, err)
	}
	must(t, tw.Close())
	must(t, zw.Close())
	must(t, os.WriteFile(path, buf.Bytes(), 0o644))
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

func write(t *testing.T, path, content string) {
	t.Helper()
	must(t, os.MkdirAll(filepath.Dir(path), 0o755))
	must(t, os.WriteFile(path, []byte(content), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestPackagesFromTheGraph(t *testing.T) {
	f := newFixture(t)
	f.lock()
	o := f.options()
	o.Formats = []string{build.FormatDeb, build.FormatRPM}
	lk, err := build.ReadLock(f.root)
	must(t, err)
	res, diags, err := build.Build(context.Background(), o, f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		t.Fatalf("build: %v %v", err, diags)
	}
	debs, _ := filepath.Glob(filepath.Join(f.root, "out/deb/*.deb"))
	rpms, _ := filepath.Glob(filepath.Join(f.root, "out/rpm/*.rpm"))
	var names []string
	for _, p := range append(debs, rpms...) {
		names = append(names, filepath.Base(p))
	}
	sort.Strings(names)
	// Only "base" asks for deb; nothing asks for rpm. base holds core, Alpha, Beta, Vector.
	want := []string{
		"mediawiki-core_1.39.17-1_all.deb", "mediawiki-edition-base_1.0-1_all.deb",
		"mediawiki-extension-alpha_1.2.0+mw1.39.17-1_all.deb", "mediawiki-extension-beta_1.39.17-1_all.deb",
		"mediawiki-skin-vector_1.0.0+mw1.39.17-1_all.deb",
	}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("packages (-want +got):\n%s\n%v", diff, executed(res.Report))
	}
	ctl := func(name string) string {
		out, err := exec.Command("dpkg-deb", "--field", filepath.Join(f.root, "out/deb", name), "Depends", "Provides", "Conflicts").CombinedOutput()
		if err != nil {
			t.Fatalf("dpkg-deb (run make deps): %v %s", err, out)
		}
		return string(out)
	}
	if got := ctl("mediawiki-extension-beta_1.39.17-1_all.deb"); !strings.Contains(got, "mediawiki-extension-alpha (>= 1~)") || !strings.Contains(got, "mediawiki-core (>= 1.39~)") {
		t.Errorf("Beta requires Alpha >= 1.0 and MediaWiki >= 1.39.0; Depends:\n%s", got)
	}
	if got := ctl("mediawiki-core_1.39.17-1_all.deb"); !strings.Contains(got, "php (>= 2:7.4.3~)") || !strings.Contains(got, "php-intl") {
		t.Errorf("core Depends:\n%s", got)
	}
	if got := ctl("mediawiki-edition-base_1.0-1_all.deb"); !strings.Contains(got, "mediawiki-extension-alpha (= 1.2.0+mw1.39.17-1)") || !strings.Contains(got, "Conflicts: mediawiki-edition") {
		t.Errorf("edition control:\n%s", got)
	}
	first, err := os.ReadFile(debs[0])
	must(t, err)
	again, _, err := build.Build(context.Background(), o, f.load().Set, lk)
	must(t, err)
	if got := executed(again.Report); len(got) != 0 {
		t.Errorf("second build with packages executed %v", got)
	}
	second, err := os.ReadFile(debs[0])
	must(t, err)
	if !bytes.Equal(first, second) {
		t.Error("the package changed between builds")
	}
}

// Plan shows every action a build runs, for every format, and nothing else: the packages,
// tarballs, images, documents and publication are actions of the one graph.
func TestPlanListsEveryActionBuildRuns(t *testing.T) {
	f := newFixture(t)
	f.lock()
	lk, err := build.ReadLock(f.root)
	must(t, err)
	o := f.options()
	o.Formats = build.FormatNames()
	items, _, diags, err := build.Plan(context.Background(), o, f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		t.Fatalf("plan: %v %v", err, diags)
	}
	res, diags, err := build.Build(context.Background(), o, f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		t.Fatalf("build: %v %v", err, diags)
	}
	var planned, ran []string
	kinds := map[string]bool{}
	for _, it := range items {
		planned = append(planned, it.ID)
		kinds[it.Kind] = true
	}
	for _, r := range res.Report.Results {
		ran = append(ran, r.ID)
	}
	sort.Strings(planned)
	if diff := cmp.Diff(planned, ran); diff != "" {
		t.Errorf("plan and build differ (-plan +build):\n%s", diff)
	}
	for _, k := range []string{"pack.deb", "sbom.libraries", "sbom.documents", "publish.decide"} {
		if !kinds[k] {
			t.Errorf("the plan has no %s action", k)
		}
	}
}

// Every output format the manifests may name has an implementation, in the same order.
func TestFormatsMatchTheManifestsFormats(t *testing.T) {
	if diff := cmp.Diff(spec.OutputFormatNames(), build.FormatNames()); diff != "" {
		t.Errorf("registered formats (-spec +build):\n%s", diff)
	}
}
