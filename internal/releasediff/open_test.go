package releasediff

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
)

func TestOpenFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, s string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	oldLock, err := os.ReadFile("testdata/old.lock")
	if err != nil {
		t.Fatal(err)
	}
	m, _ := json.Marshal(build.Manifest{Format: manifestFormat, Components: []build.ManifestComponent{{ID: "core/mediawiki", Version: "1.39.17"}},
		Editions: []build.ManifestEdition{{Name: "core", Members: []build.Member{{ID: "core/mediawiki"}}}}})
	o := Opener{}
	ctx := context.Background()

	r, err := o.Open(ctx, write("a.lock", string(oldLock)))
	if err != nil || len(r.Components) != 4 || !r.PHPKnown || r.Editions != nil {
		t.Errorf("lock: %d components, PHPKnown %v, editions %v, err %v", len(r.Components), r.PHPKnown, r.Editions, err)
	}
	r, err = o.Open(ctx, write("manifest.json", string(m)))
	if err != nil || len(r.Components) != 1 || r.PHPKnown || len(r.Editions["core"].Members) != 1 {
		t.Errorf("manifest: %+v, err %v", r, err)
	}
	// A project directory whose manifests are missing still gives its lock's components.
	proj := filepath.Join(dir, "proj")
	os.Mkdir(proj, 0o755)
	os.WriteFile(filepath.Join(proj, lock.FileName), oldLock, 0o644)
	r, err = o.Open(ctx, proj)
	if err != nil || len(r.Components) != 4 || r.Editions != nil || !strings.Contains(r.NoEditions, "have errors") || r.Revision != "" {
		t.Errorf("project without manifests: %d components, editions %v (%q), err %v", len(r.Components), r.Editions, r.NoEditions, err)
	}

	errs := []struct{ arg, want string }{
		{filepath.Join(dir, "missing.lock"), "reading " + filepath.Join(dir, "missing.lock") + ": "},
		{write("empty", ""), "empty is neither an editions.lock nor a build manifest"},
		{write("junk.lock", "{\"lockVersion\": 1, \"components\": [], \"extra\": 1}"), "junk.lock: editions.lock is not a valid lock file"},
		{write("v9.lock", "{\"lockVersion\": 9, \"components\": []}"), "v9.lock: editions.lock has lockVersion 9"},
		{write("other.json", "{\"name\": \"x\"}"), "other.json is neither an editions.lock (no lockVersion) nor a build manifest"},
		{write("m2.json", "{\"format\": \"mwedition-manifest-v2\"}"), "m2.json has format \"mwedition-manifest-v2\""},
		{write("dup.json", `{"format":"mwedition-manifest-v1","components":[{"id":"a"},{"id":"a"}]}`), "dup.json: component a is listed twice"},
		{write("orphan.json", `{"format":"mwedition-manifest-v1","components":[],"editions":[{"name":"e","members":[{"id":"x"}]}]}`), "orphan.json: edition e has member x, which is not among the components"},
		{dir, dir + " has no editions.lock"},
		{"git:", "git:: name a revision after git:"},
		{"git:--output=x", "name a revision"},
	}
	for _, tt := range errs {
		_, err := o.Open(ctx, tt.arg)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%q): %v, want an error containing %q", tt.arg, err, tt.want)
		}
	}
}

// git:REV reads the lock as it was at REV, from a project directory below the repository's
// top, whatever the work tree holds now.
func TestOpenGit(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatal("git is not installed: run `make deps`")
	}
	repo := t.TempDir()
	proj := filepath.Join(repo, "sub")
	os.Mkdir(proj, 0o755)
	env := append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
		"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", repo}, args...)...)
		cmd.Env = env
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	cp := func(src string) {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(proj, lock.FileName), b, 0o644)
	}
	git("init", "-q")
	cp("testdata/old.lock")
	git("add", ".")
	git("commit", "-q", "-m", "old")
	git("tag", "v1.0")
	cp("testdata/new.lock")
	git("commit", "-q", "-am", "new")

	o := Opener{Project: proj, GitEnv: env}
	old, err := o.Open(context.Background(), "git:HEAD~1")
	if err != nil {
		t.Fatal(err)
	}
	now, err := o.Open(context.Background(), proj)
	if err != nil {
		t.Fatal(err)
	}
	if old.Name != "git:HEAD~1" || len(old.Components) != 4 || len(now.Components) != 5 {
		t.Errorf("git:HEAD~1 has %d components (want 4), the work tree %d (want 5)", len(old.Components), len(now.Components))
	}
	// Releases are named by revision, as git describes them; the work tree's, with its
	// uncommitted changes.
	if old.Revision != "v1.0" || !strings.HasPrefix(now.Revision, "v1.0-1-g") || strings.HasSuffix(now.Revision, "-dirty") {
		t.Errorf("revisions %q and %q, want v1.0 and v1.0-1-g<commit>", old.Revision, now.Revision)
	}
	os.WriteFile(filepath.Join(proj, lock.FileName), []byte("{}"), 0o644)
	if dirty, err := o.Open(context.Background(), proj); err == nil || dirty.Revision != "" {
		// An unreadable lock is an error whatever git says; the revision is only read for a good one.
		t.Errorf("a broken lock: %v, revision %q", err, dirty.Revision)
	}
	cp("testdata/old.lock")
	if dirty, err := o.Open(context.Background(), proj); err != nil || !strings.HasSuffix(dirty.Revision, "-dirty") {
		t.Errorf("an uncommitted lock: revision %q (%v), want a -dirty one", dirty.Revision, err)
	}
	if !strings.Contains(old.NoEditions, "no recipes/*.hcl") {
		t.Errorf("NoEditions = %q", old.NoEditions)
	}
	_, err = o.Open(context.Background(), "git:nosuchrev")
	if err == nil || !strings.Contains(err.Error(), "git:nosuchrev: reading editions.lock at nosuchrev in "+proj) {
		t.Errorf("unknown revision: %v", err)
	}
}
