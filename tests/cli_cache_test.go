//go:build e2e

package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mwedition/mwedition/internal/lock"
)

// The cache rows never run gc on the corpus cache: each works on a copy, seeded with the
// release alone or hard-linked from the corpus (gc only unlinks, and builds write by
// renaming, so the corpus's files are never changed).
func init() {
	addCLIRows(
		cliRow{item: "cache", name: "ls says what a seeded cache holds",
			setup: withLeftovers,
			args:  []string{"--cache", "{cache}", "--json", "cache", "ls"},
			json:  map[string]any{"event": "inventory", "entries": 7},
			check: func(t *testing.T, dir string, r result) {
				var ls struct {
					Kinds []struct {
						Area, Kind string
						Entries    int
						Bytes      int64
					}
				}
				if err := json.Unmarshal([]byte(r.stdout), &ls); err != nil {
					t.Fatal(err)
				}
				got := map[string]int{}
				for _, k := range ls.Kinds {
					got[k.Area+" "+k.Kind] = k.Entries
				}
				// The release, its signature and the old release are downloads; the
				// experiment is named by nothing.
				for k, n := range map[string]int{"blobs source": 3, "blobs unreferenced": 1, "urls urls": 1, "src src": 1, "tmp tmp": 1} {
					if got[k] != n {
						t.Errorf("%s: %d entries, want %d (%v)", k, got[k], n, got)
					}
				}
				if !strings.Contains(r.stderr, "blobs: downloaded sources") || !strings.Contains(r.stderr, "no builds recorded yet") {
					t.Errorf("the table on stderr lacks the downloads or the builds:\n%s", r.stderr)
				}
			}},
		cliRow{item: "cache", name: "gc keeps the locked release and frees the rest",
			setup: withLeftovers,
			args:  []string{"--cache", "{cache}", "cache", "gc"},
			stdout: []string{"blobs: downloaded sources", "blobs: unreferenced", "unpacked sources (src/)", "work in progress (tmp/)",
				"cache gc: freed ", "(4 entries); kept 3 entries", "what editions.lock needs and the last 0 of 0 builds"},
			check: func(t *testing.T, dir string, r result) {
				c := filepath.Join(dir, ".cache")
				for _, p := range []string{"blobs/sha256/" + mediawikiSHA} {
					if _, err := os.Stat(filepath.Join(c, p)); err != nil {
						t.Errorf("gc removed %s: %v", p, err)
					}
				}
				for _, p := range []string{"blobs/sha256/" + sha([]byte(oldRelease)), "src/tarball-" + sha([]byte(oldRelease)), "blobs/sha256/" + sha([]byte(experiment)), "tmp/blob-4242"} {
					if _, err := os.Stat(filepath.Join(c, p)); err == nil {
						t.Errorf("gc kept %s", p)
					}
				}
			}},
		cliRow{item: "cache", name: "after gc --keep 1 the same build runs nothing",
			setup: withLinkedCache,
			args:  []string{"--cache", "{cache}", "--json", "cache", "gc", "--keep", "1"},
			json:  map[string]any{"event": "gc", "keptBuilds": 1, "lockKept": true, "freed": present},
			check: func(t *testing.T, dir string, r result) {
				var gc struct{ Removed, Kept, ForgottenBuilds int }
				json.Unmarshal([]byte(r.stdout), &gc)
				if gc.Removed == 0 || gc.Kept == 0 || gc.ForgottenBuilds < 1 {
					t.Errorf("gc removed %d and kept %d entries, forgot %d builds: the --format deb build's packages should go, the trees stay", gc.Removed, gc.Kept, gc.ForgottenBuilds)
				}
				if !strings.Contains(r.stderr, "blobs: made by pack.deb") {
					t.Errorf("gc did not remove the first build's packages:\n%s", r.stderr)
				}
				b := run(t, dir, filepath.Join(dir, ".cache"), "--offline", "build", "--format", "tree")
				if b.code != 0 || !strings.Contains(b.stdout, "built: 0 actions run") {
					t.Errorf("the build gc kept: exit %d\n%s%s", b.code, b.stdout, b.stderr)
				}
			}},
		cliRow{item: "cache", name: "gc refuses while a build holds the cache",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				vars := withLeftovers(t, dir, cache)
				hold(t, filepath.Join(vars["{cache}"], "lock"), "--shared", "600")
				return vars
			},
			args:   []string{"--cache", "{cache}", "cache", "gc"},
			code:   1,
			stderr: []string{"is in use by another mwedition (a build, fetch, lock or cache add); run gc once it has finished"}},
		cliRow{item: "cache", name: "a plan waits for a running gc, and says so",
			setup: func(t *testing.T, dir, cache string) map[string]string {
				vars := withLeftovers(t, dir, cache)
				hold(t, filepath.Join(vars["{cache}"], "lock"), "--exclusive", "2")
				return vars
			},
			args:   []string{"--cache", "{cache}", "--offline", "plan", "--format", "tree"},
			stderr: []string{"mwedition: waiting for 'mwedition cache gc' to finish with "},
			stdout: []string{" would run, "}},
		cliRow{item: "cache", name: "gc outside a project keeps no sources unless told",
			setup:  func(t *testing.T, dir, cache string) map[string]string { return withLeftovers(t, t.TempDir(), cache) },
			args:   []string{"--cache", "{cache}", "cache", "gc", "--dry-run"},
			code:   1,
			stderr: []string{"has no editions.lock, so gc cannot tell which sources to keep", "--no-lock"}},
		cliRow{item: "cache", name: "gc --keep -1 is a usage error",
			args: []string{"cache", "gc", "--keep", "-1"}, code: 64,
			stderr: []string{"--keep -1: give how many builds to keep, 0 or more"}},

		cliRow{item: "diff", name: "the heading names the releases by version and revision",
			setup: withTaggedRelease,
			args:  []string{"diff", "git:v" + shippedEditionVersion, "{dir}"},
			stdout: []string{"## Changes from 1.39.17.2 (v1.39.17.2) to 1.39.17.3 (v1.39.17.2-dirty)\n",
				"| `core` | 1.39.17.2 → 1.39.17.3 | — | — |"},
			check: func(t *testing.T, dir string, r result) {
				if strings.Contains(r.stdout, dir) {
					t.Errorf("the report names the project directory %s:\n%s", dir, r.stdout)
				}
			}},
		cliRow{item: "diff", name: "a removed extension leaves its tables behind",
			setup: withoutAbuseFilter,
			args:  []string{"diff", "{dir}/editions.lock", "{dir}/new.lock"},
			stdout: []string{"0 components added, 1 component removed, 0 components bumped; 1 removed component leaves database tables behind.",
				"### Database tables left behind\n\nRemoving an extension does not drop its tables: MediaWiki leaves them, and their data, in the wiki's database.",
				"back up the database and drop them by hand",
				"- `extension/AbuseFilter` 1.39.17: removed\n"}},
		cliRow{item: "diff", name: "--json lists the tables left behind",
			setup: withoutAbuseFilter,
			args:  []string{"--json", "diff", "{dir}/editions.lock", "{dir}/new.lock"},
			json:  map[string]any{"event": "diff", "format": "mwedition-diff-v1", "newRelease": present},
			check: func(t *testing.T, dir string, r result) {
				var rep struct {
					TablesLeftBehind []struct {
						ID, Version string
						Editions    []string
					}
				}
				if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
					t.Fatal(err)
				}
				if len(rep.TablesLeftBehind) != 1 || rep.TablesLeftBehind[0].ID != "extension/AbuseFilter" || rep.TablesLeftBehind[0].Editions == nil {
					t.Errorf("tablesLeftBehind %+v, want AbuseFilter alone, removed from the release", rep.TablesLeftBehind)
				}
			}},
	)
}

// withTaggedRelease is the shipped project committed to git and tagged with its editions'
// version (v1.39.17.2), then changed in the work tree: every edition's version is the next.
func withTaggedRelease(t *testing.T, dir, _ string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", append([]string{"-C", dir}, args...)...)
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.org", "GIT_COMMITTER_NAME=t",
			"GIT_COMMITTER_EMAIL=t@example.org", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	git("init", "-q")
	git(append([]string{"add"}, shippedProject...)...)
	git("commit", "-q", "-m", "release "+shippedEditionVersion)
	git("tag", "v"+shippedEditionVersion)
	for _, e := range []string{"core", "enterprise", "knowledge-base"} {
		p := filepath.Join(dir, "editions", e+".hcl")
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(b), `line.edition_version`) {
			t.Fatalf("%s has no version line.edition_version:\n%s", p, b)
		}
		os.WriteFile(p, []byte(strings.Replace(string(b), `line.edition_version`, `"`+nextEditionVersion+`"`, 1)), 0o644)
	}
	return nil
}

// withoutAbuseFilter is the shipped project beside new.lock: its lock without AbuseFilter,
// an extension with tables of its own (it registers schema updates).
func withoutAbuseFilter(t *testing.T, dir, _ string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	lk, err := lock.Read(dir)
	if err != nil {
		t.Fatal(err)
	}
	var kept []lock.Component
	for _, c := range lk.Components {
		if c.ID == "extension/AbuseFilter" {
			if !c.Registry.SchemaUpdates {
				t.Fatal("AbuseFilter no longer registers schema updates: pick another extension")
			}
			continue
		}
		kept = append(kept, c)
	}
	// Only the extension goes: the Debian bases stay as locked.
	b, err := lock.New(kept).WithDebianBases(lk.DebianBases).Encode()
	if err != nil {
		t.Fatal(err)
	}
	writeProjectFile(t, dir, "new.lock", string(b))
	return nil
}

const (
	oldRelease = "an older MediaWiki release, no longer locked\n"
	experiment = "left behind by an experiment\n"
)

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// withLeftovers is the shipped project with its own cache in DIR/.cache: the locked release
// and its signature (seededCache), plus an older release, downloaded and unpacked, a blob
// nothing names, and a temporary file of a killed process.
func withLeftovers(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	c := filepath.Join(dir, ".cache")
	if err := os.Rename(seededCache(t), c); err != nil {
		t.Fatal(err)
	}
	old := sha([]byte(oldRelease))
	writeProjectFile(t, c, "blobs/sha256/"+old, oldRelease)
	writeProjectFile(t, c, "src/tarball-"+old+"/mediawiki-1.39.16/index.php", "<?php\n")
	writeProjectFile(t, c, "blobs/sha256/"+sha([]byte(experiment)), experiment)
	writeProjectFile(t, c, "tmp/blob-4242", "half a download")
	return map[string]string{"{cache}": c}
}

// withLinkedCache is the shipped project with a hard-linked copy of the corpus cache in
// DIR/.cache, in which two builds ran: every format, then the trees alone.
func withLinkedCache(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	c := linkCacheTo(t, cache, filepath.Join(dir, ".cache"))
	for _, args := range [][]string{{"--offline", "build", "--format", "deb", "--out", filepath.Join(dir, "out-deb")}, {"--offline", "build", "--format", "tree"}} {
		if r := run(t, dir, c, args...); r.code != 0 {
			t.Fatalf("mwedition %v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	return map[string]string{"{cache}": c}
}

// hold locks file as a build (--shared) or gc (--exclusive) does, for seconds or until the
// test ends.
func hold(t *testing.T, file, how, seconds string) {
	t.Helper()
	cmd := exec.Command("flock", how, file, "sh", "-c", "echo locked; exec sleep "+seconds)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	// flock runs the shell only once it holds the lock.
	line := make([]byte, 7)
	if _, err := io.ReadFull(out, line); err != nil || string(line) != "locked\n" {
		t.Fatalf("flock did not take the lock: %q %v", line, err)
	}
}
