package composertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/composer"
)

// gitRepo makes a repository with one commit per tag, each with the given
// composer.json ("" for none).
func gitRepo(t *testing.T, tags [][2]string) string {
	t.Helper()
	dir := t.TempDir()
	run := func(args ...string) {
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = []string{"PATH=/usr/bin:/bin", "GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL=/dev/null",
			"GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.org",
			"GIT_AUTHOR_DATE=2024-01-01T00:00:00Z", "GIT_COMMITTER_DATE=2024-01-01T00:00:00Z"}
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	run("init", "--quiet", "-b", "main")
	for i, tc := range tags {
		os.Remove(filepath.Join(dir, "composer.json"))
		if tc[1] != "" {
			if err := os.WriteFile(filepath.Join(dir, "composer.json"), []byte(tc[1]), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		os.WriteFile(filepath.Join(dir, "src.php"), []byte{byte('0' + i)}, 0o644)
		run("add", "-A")
		run("commit", "--quiet", "-m", tc[0])
		run("tag", "-a", "-m", tc[0], tc[0])
	}

	return dir
}

func TestBuild(t *testing.T) {
	src := gitRepo(t, [][2]string{
		{"v1.0.0", `{"name":"Acme/Lib","type":"library","require":{"php":">=7.4"}}`},
		{"v1.1.0", `{"name":"acme/lib","type":"library","require":{"php":">=7.4","psr/log":"^1.0"}}`},
		{"nightly", `{"name":"acme/lib"}`},                               // not a version: skipped
		{"v1.2.0", ``},                                                   // no composer.json: skipped
		{"v1.3.0", `{"name":"acme/lib",`},                                // broken composer.json: skipped
		{"v1.4.0", `{"name":"acme/lib","require-dev":{"x/y":"^0.3|^"}}`}, // composer skips it
		{"v2.0.0-beta1", `{"name":"acme/lib","license":"MIT"}`},
	})
	dir := filepath.Join(t.TempDir(), "repo")
	base := "file://" + dir
	work := t.TempDir()
	pub, err := Build(context.Background(), Options{Dir: dir, BaseURL: base, Work: work}, Library{Git: src})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range pub {
		got = append(got, v.Name+" "+v.Version)
		zip, err := os.ReadFile(filepath.Join(dir, v.Dist))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(zip); hex.EncodeToString(sum[:]) != v.SHA256 {
			t.Errorf("%s: the dist's sha256 differs from the published one", v.Dist)
		}
	}
	if diff := cmp.Diff([]string{"acme/lib v2.0.0-beta1", "acme/lib v1.1.0", "acme/lib v1.0.0"}, got); diff != "" {
		t.Errorf("published (-want +got):\n%s", diff)
	}

	// Read back through the parser, as a resolver would.
	ps, err := composer.NewRepository(base, Fetch).Versions(context.Background(), "acme/lib", true)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 3 {
		t.Fatalf("read back %d versions, want 3", len(ps))
	}
	v110 := ps[1]
	if v110.Version != "v1.1.0" || len(v110.Require) != 1 || v110.Require[0].Target != "psr/log" {
		t.Errorf("v1.1.0 read back as %+v", v110)
	}
	if v100 := ps[2]; len(v100.Require) != 0 {
		t.Errorf("minified v1.0.0 kept v1.1.0's require: %+v", v100.Require)
	}
	if d := v110.Dist; d == nil || d.Shasum == "" || d.SHA256 != pub[1].SHA256 || !strings.HasPrefix(d.URL, base+"/dist/acme/lib/") {
		t.Errorf("dist = %+v", d)
	}
	if ps[0].License[0] != "MIT" || len(ps[1].License) != 0 {
		t.Errorf("licences %v %v: minifying lost an __unset", ps[0].License, ps[1].License)
	}
	pkgs, err := os.ReadFile(filepath.Join(dir, "packages.json"))
	if err != nil || !strings.Contains(string(pkgs), `"metadata-url": "`+base+`/p2/%package%.json"`) {
		t.Errorf("packages.json: %s %v", pkgs, err)
	}
}

func TestBuildReusesWork(t *testing.T) {
	src := gitRepo(t, [][2]string{{"1.0.0", `{"name":"a/b"}`}, {"1.1.0", `{"name":"a/b","type":"library"}`}})
	work := t.TempDir()
	first := filepath.Join(t.TempDir(), "first")
	if _, err := Build(context.Background(), Options{Dir: first, BaseURL: "file://" + first, Work: work}, Library{Git: src}); err != nil {
		t.Fatal(err)
	}
	// A second repository from the same Work, served elsewhere, without
	// the newest tag: the same dist bytes, and metadata naming only 1.0.0.
	second := filepath.Join(t.TempDir(), "second")
	pub, err := Build(context.Background(), Options{Dir: second, BaseURL: "http://127.0.0.1:1", Work: work},
		Library{Git: src, Tags: func(tag string) bool { return tag != "1.1.0" }})
	if err != nil {
		t.Fatal(err)
	}
	if len(pub) != 1 || pub[0].Version != "1.0.0" {
		t.Fatalf("published %+v, want 1.0.0 only", pub)
	}
	a, errA := os.ReadFile(filepath.Join(first, pub[0].Dist))
	b, errB := os.ReadFile(filepath.Join(second, pub[0].Dist))
	if errA != nil || errB != nil || string(a) != string(b) {
		t.Errorf("the dists differ between the builds (%v, %v)", errA, errB)
	}
	meta, err := os.ReadFile(filepath.Join(second, "p2/a/b.json"))
	if err != nil || strings.Contains(string(meta), "1.1.0") || !strings.Contains(string(meta), "http://127.0.0.1:1/dist/a/b/a-b-1.0.0.zip") {
		t.Errorf("p2/a/b.json: %s %v", meta, err)
	}
}
