//go:build e2e

package tests

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Ctrl-C during a cold build, while core's .rpm (a 177 MB stream, the build's longest
// action) is being written: the command stops within a second, says it failed, and
// leaves nothing half-written in out/ or among the cache's blobs and records.
func TestCancelWhileWritingCoreRPM(t *testing.T) {
	dir := project(t)
	cacheDir := seededCache(t)
	cmd := exec.Command(bin(t), "-C", dir, "--cache", cacheDir, "--offline", "--json", "build", "--format", "rpm")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	const core = "rpm/core/mediawiki"
	if !waitForStart(stdout, core, 10*time.Minute) {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("the build never started %s:\n%s", core, stderr.String())
	}
	go io.Copy(io.Discard, stdout)
	time.Sleep(700 * time.Millisecond) // well into the stream: it takes seconds
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	took := time.Since(sent)
	t.Logf("interrupted while writing %s: exited after %s (%v)", core, took.Round(time.Millisecond), err)
	if took > time.Second {
		t.Errorf("the build took %s to stop after SIGINT; want at most 1s", took)
	}
	if err == nil {
		t.Errorf("an interrupted build exited 0")
	}
	assertNothingPublished(t, filepath.Join(dir, "out"))
	assertBlobsWhole(t, cacheDir)

	// The core .rpm was not recorded as made: the next plan still has it to run.
	r := run(t, dir, cacheDir, "--offline", "--json", "plan", "--format", "rpm")
	if r.code != 0 {
		t.Fatalf("plan after the interrupted build exited %d:\n%s", r.code, r.stderr)
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		var ev struct {
			Action string `json:"action"`
			Cached bool   `json:"cached"`
		}
		if json.Unmarshal([]byte(line), &ev) == nil && ev.Action == core && ev.Cached {
			t.Errorf("plan says %s is cached after the build making it was interrupted", core)
		}
	}
}

// waitForStart reads --json events until action starts.
func waitForStart(r io.Reader, action string, limit time.Duration) bool {
	found := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			var ev struct{ Event, Action string }
			if json.Unmarshal(sc.Bytes(), &ev) == nil && ev.Event == "started" && ev.Action == action {
				found <- true
				return
			}
		}
		found <- false
	}()
	select {
	case ok := <-found:
		return ok
	case <-time.After(limit):
		return false
	}
}

// assertNothingPublished checks that a cancelled cold build left out/ without packages,
// manifest or temporary files.
func assertNothingPublished(t *testing.T, out string) {
	t.Helper()
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return nil // no out/ at all is what we want
		}
		if !d.IsDir() {
			t.Errorf("a cancelled build left %s", p)
		}
		return nil
	})
}

// assertBlobsWhole checks that every blob in the cache hashes to its name: nothing was
// published under its digest before it was complete.
func assertBlobsWhole(t *testing.T, cacheDir string) {
	t.Helper()
	blobs, err := filepath.Glob(filepath.Join(cacheDir, "blobs/sha256/*"))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range blobs {
		f, err := os.Open(b)
		if err != nil {
			t.Fatal(err)
		}
		h := sha256.New()
		_, err = io.Copy(h, f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != filepath.Base(b) {
			t.Errorf("cache blob %s holds bytes hashing to %s: half-written", filepath.Base(b), got)
		}
	}
}
