//go:build e2e

package tests

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The apt repository acceptance test: the lifecycle test's small edition is published into a
// signed apt repository inside a Debian bookworm root (mmdebstrap), installed from it with
// apt-get, and upgraded after a newer build is published. Tampered and unsigned copies of
// the repository are refused, publishing the same builds again gives the same bytes, and a
// publisher killed at random points always leaves a repository apt accepts.

const (
	repoInRoot = "/srv/apt"
	keyInRoot  = "/etc/apt/keyrings/mwedition-archive-keyring.asc"
	listInRoot = "/etc/apt/sources.list.d/mwedition.list"
)

func TestAptRepository(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("the apt repository test needs root (chroot, unshare): run `make e2e` as root")
	}
	start := time.Now()
	cacheDir := corpusCache(t)
	tarball := bookwormRoot(t, cacheDir)
	priv, _, fpr := releaseKey(t)

	// Two builds, as in the lifecycle test: the second bumps the probe extension (and so the
	// edition's meta-package).
	nonce := fmt.Sprintf("apt %d", time.Now().UnixNano())
	proj := lifecycleProject(t, nonce)
	out1 := filepath.Join(t.TempDir(), "out1")
	lockAndBuild(t, proj, cacheDir, out1)
	writeProbe(t, proj, "1.0.1", nonce, time.Date(2025, 12, 2, 0, 0, 0, 0, time.UTC))
	setEditionVersion(t, proj, "1.39.17.2")
	out2 := filepath.Join(t.TempDir(), "out2")
	lockAndBuild(t, proj, cacheDir, out2)
	t.Logf("%s: packages built", time.Since(start).Round(time.Second))

	r := unpackRoot(t, tarball)
	repo := r.path(repoInRoot)
	publish := func(t *testing.T, out, dir string, extra ...string) publishResult {
		t.Helper()
		args := append([]string{"--json", "publish", "--apt", dir, "--out", out, "--sign-key", priv, "--sign-fingerprint", fpr}, extra...)
		res := run(t, proj, cacheDir, args...)
		if res.code != 0 {
			t.Fatalf("publish exited %d:\n%s%s", res.code, res.stdout, res.stderr)
		}
		return published(t, res.stdout)
	}

	// Publish the first build; a user saves the key and adds the one-line source entry.
	p1 := publish(t, out1, repo)
	t.Logf("%s: first build published into an empty repository in %.2fs (%d packages, %d MiB)", time.Since(start).Round(time.Second), p1.Seconds, p1.Packages, p1.PoolAddedBytes>>20)
	r.copyIn(t, filepath.Join(repo, "mwedition-archive-keyring.asc"), keyInRoot)
	writeFile(t, r.path(listInRoot), "deb [signed-by="+keyInRoot+"] file://"+repoInRoot+" "+shippedSuite+" main\n")
	r.aptUpdate(t, listInRoot)
	r.run(t, "apt-get", "install", "-y", edition)
	if got := r.version(t, probePackage); got != "1.0.0-1" {
		t.Fatalf("%s installed at %q, want 1.0.0-1", probePackage, got)
	}
	if got := r.version(t, edition); got != "1.39.17.1-1" {
		t.Fatalf("%s installed at %q, want 1.39.17.1-1", edition, got)
	}
	t.Logf("%s: installed from the repository", time.Since(start).Round(time.Second))

	// A newer build: one changed extension and the edition. apt-get upgrade takes both; the
	// older versions stay in the repository for rollback.
	p2 := publish(t, out2, repo)
	t.Logf("%s: publishing a build with one changed extension took %.2fs (%d files added to the pool)", time.Since(start).Round(time.Second), p2.Seconds, p2.PoolAdded)
	if want := []string{edition + " 1.39.17.2-1", probePackage + " 1.0.1-1"}; strings.Join(p2.New, ",") != strings.Join(want, ",") {
		t.Errorf("the second publish added %v, want %v", p2.New, want)
	}
	r.aptUpdate(t, listInRoot)
	r.run(t, "apt-get", "upgrade", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold")
	if got := r.version(t, probePackage); got != "1.0.1-1" {
		t.Errorf("after apt-get upgrade, %s is at %q, want 1.0.1-1", probePackage, got)
	}
	if got := r.version(t, edition); got != "1.39.17.2-1" {
		t.Errorf("after apt-get upgrade, %s is at %q, want 1.39.17.2-1", edition, got)
	}
	if out := r.run(t, "apt-cache", "madison", probePackage); !strings.Contains(out, "1.0.0-1") || !strings.Contains(out, "1.0.1-1") {
		t.Errorf("the repository does not offer both versions of %s:\n%s", probePackage, out)
	}
	t.Logf("%s: upgraded from the repository", time.Since(start).Round(time.Second))

	// The same builds again: nothing changes. Into another repository: the same bytes.
	before := metadata(t, repo)
	if p := publish(t, out2, repo); !p.Unchanged {
		t.Errorf("publishing the same build again made generation %d", p.Generation)
	}
	other := filepath.Join(t.TempDir(), "other")
	publish(t, out1, other)
	publish(t, out2, other)
	for name, sum := range metadata(t, other) {
		if before[name] != sum {
			t.Errorf("%s differs between two repositories published from the same builds", name)
		}
	}
	if len(before) != 7 {
		t.Errorf("compared %d metadata files, want 7: %v", len(before), before)
	}

	// Tampered copies are refused: one byte of Packages.xz (and of its by-hash copy, which
	// apt fetches), and a Release with no signature. A Release signed only by the detached
	// Release.gpg is accepted.
	for _, tc := range []struct {
		name   string
		change func(t *testing.T, dir string)
		refuse string
	}{
		{"flipped-byte", func(t *testing.T, dir string) {
			index := filepath.Join(dir, "dists/"+shippedSuite+"/main/binary-all/Packages.xz")
			flipByte(t, index, filepath.Join(dir, "dists/"+shippedSuite+"/main/binary-all/by-hash/SHA256", sha256File(t, index)))
		}, "Hash Sum mismatch"},
		{"unsigned", func(t *testing.T, dir string) {
			removeServed(t, dir, "dists/"+shippedSuite+"/InRelease", "dists/"+shippedSuite+"/Release.gpg")
		}, "is not signed"},
		{"release-gpg-only", func(t *testing.T, dir string) {
			removeServed(t, dir, "dists/"+shippedSuite+"/InRelease")
		}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := "/srv/" + tc.name
			copyRepo(t, repo, r.path(dir))
			tc.change(t, r.path(dir))
			list := "/etc/apt/" + tc.name + ".list"
			writeFile(t, r.path(list), "deb [signed-by="+keyInRoot+"] file://"+dir+" "+shippedSuite+" main\n")
			out, err := r.aptUpdateCmd(list).CombinedOutput()
			switch {
			case tc.refuse == "" && err != nil:
				t.Errorf("apt-get update refused the repository: %v\n%s", err, out)
			case tc.refuse != "" && err == nil:
				t.Errorf("apt-get update accepted the repository:\n%s", out)
			case tc.refuse != "" && !strings.Contains(string(out), tc.refuse):
				t.Errorf("apt-get update failed, but not saying %q:\n%s", tc.refuse, out)
			}
		})
	}
	t.Logf("%s: tampered repositories refused", time.Since(start).Round(time.Second))

	killPublisher(t, r, proj, cacheDir, out2, priv, fpr)
	t.Logf("%s: done", time.Since(start).Round(time.Second))
}

// killPublisher SIGKILLs publishes at random moments, at least 20 times; after each kill,
// apt-get update must accept the repository, serving the Release from before the publish or
// the one it was writing. Each publish changes Valid-Until, so each makes a new generation.
func killPublisher(t *testing.T, r root, proj, cacheDir, out, priv, fpr string) {
	repo := r.path(repoInRoot)
	// validFor is the --valid-for of the publish whose Release is served, in hours.
	validFor := func() int {
		b, err := os.ReadFile(filepath.Join(repo, "dists/"+shippedSuite+"/Release"))
		if err != nil {
			t.Fatal(err)
		}
		var date, until time.Time
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "Date: "); ok {
				date, _ = time.Parse(time.RFC1123, v)
			}
			if v, ok := strings.CutPrefix(l, "Valid-Until: "); ok {
				until, _ = time.Parse(time.RFC1123, v)
			}
		}
		if date.IsZero() || until.IsZero() {
			t.Fatalf("the served Release has no Date or Valid-Until:\n%s", b)
		}
		return int(until.Sub(date) / time.Hour)
	}
	const hours = 200000 // some 23 years: the Release stays valid
	// start starts a publish; the channels are closed when it holds the lock (its first
	// report on a pool file) and when it is about to switch to the new generation.
	start := func(i int) (cmd *exec.Cmd, locked, switching <-chan struct{}) {
		cmd = exec.Command(bin(t), "-C", proj, "--cache", cacheDir, "--json", "publish", "--apt", repo, "--out", out,
			"--sign-key", priv, "--sign-fingerprint", fpr, "--valid-for", fmt.Sprintf("%dh", hours+i))
		l, sw := startWatched(t, cmd)
		return cmd, l, sw
	}
	// How long a whole publish takes, and its parts under the lock and from the switch on,
	// to spread the kills over: a third of them come at a random moment of the whole
	// publish, a third at a random moment of its part under the lock (where it writes), and
	// a third at a random moment from the switch on.
	begin := time.Now()
	cmd, locked, switching := start(0)
	<-locked
	lockedAt := time.Since(begin)
	<-switching
	switchAt := time.Since(begin)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("publish: %v", err)
	}
	full := time.Since(begin)
	underLock, fromSwitch := full-lockedAt, max(full-switchAt, time.Millisecond)
	kills, old, new := 0, 0, 0
	for i := 1; kills < 21 || old == 0 || new == 0; i++ {
		if i > 80 {
			t.Fatalf("after %d publishes, %d were killed (%d leaving the old Release, %d the new): the publish is too quick to kill", i, kills, old, new)
		}
		prev := validFor()
		cmd, locked, switching := start(i)
		switch i % 3 {
		case 0:
			time.Sleep(time.Duration(rand.Int64N(int64(full))))
		case 1:
			<-locked
			time.Sleep(time.Duration(rand.Int64N(int64(underLock))))
		case 2:
			<-switching
			time.Sleep(time.Duration(rand.Int64N(int64(fromSwitch))))
		}
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			if err != nil {
				t.Fatalf("publish %d failed before it was killed: %v", i, err)
			}
			continue // it finished first
		}
		kills++
		switch now := validFor(); now {
		case prev:
			old++
		case hours + i:
			new++
		default:
			t.Fatalf("after publish %d (--valid-for %dh) was killed, the Release served is valid for %dh; before, %dh", i, hours+i, now, prev)
		}
		lists, _ := filepath.Glob(r.path("/var/lib/apt/lists/*srv_apt*"))
		for _, l := range lists {
			os.Remove(l)
		}
		if out, err := r.aptUpdateCmd(listInRoot).CombinedOutput(); err != nil || strings.Contains(string(out), "\nW: ") {
			t.Fatalf("after publish %d was killed, apt-get update: %v\n%s", i, err, out)
		}
	}
	t.Logf("killed %d publishes (a whole one takes %s, %s of it under the lock, %s from the switch on): %d left the old Release, %d the new; apt-get update accepted the repository after each", kills, full.Round(time.Millisecond), underLock.Round(time.Millisecond), fromSwitch.Round(time.Microsecond), old, new)
	// The next publish tidies up what the killed ones left.
	cmd, _, _ = start(1000)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("publish after the kills: %v", err)
	}
	filepath.WalkDir(repo, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.Contains(d.Name(), ".tmp-publish") {
			t.Errorf("left behind after a complete publish: %s", p)
		}
		return nil
	})
	r.aptUpdate(t, listInRoot)
}

type publishResult struct {
	Event          string   `json:"event"`
	Generation     int      `json:"generation"`
	Unchanged      bool     `json:"unchanged"`
	Packages       int      `json:"packages"`
	New            []string `json:"new"`
	PoolAdded      int      `json:"pool_added"`
	PoolAddedBytes int64    `json:"pool_added_bytes"`
	Seconds        float64  `json:"seconds"`
}

// published finds the result line of publish --json.
func published(t *testing.T, stdout string) publishResult {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var p publishResult
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			t.Fatalf("publish --json printed a line that is not JSON: %q", sc.Text())
		}
		if p.Event == "published" {
			return p
		}
	}
	t.Fatalf("publish --json printed no result:\n%s", stdout)
	return publishResult{}
}

// metadata maps the served Release files, indexes and key to their sha256.
func metadata(t *testing.T, repo string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range []string{"Release", "InRelease", "Release.gpg", "main/binary-all/Packages", "main/binary-all/Packages.gz", "main/binary-all/Packages.xz"} {
		out[f] = sha256File(t, filepath.Join(repo, "dists/"+shippedSuite, f))
	}
	out["key"] = sha256File(t, filepath.Join(repo, "mwedition-archive-keyring.asc"))
	return out
}

// aptUpdateCmd updates the package lists from one sources file only, keeping the lists of
// the others (Debian's, which need the network).
func (r root) aptUpdateCmd(list string) *exec.Cmd {
	return r.command("apt-get", "update", "-o", "Dir::Etc::sourcelist="+list, "-o", "Dir::Etc::sourceparts=-", "-o", "APT::Get::List-Cleanup=0")
}

// aptUpdate updates from one sources file, which must give no warning or notice.
func (r root) aptUpdate(t *testing.T, list string) {
	t.Helper()
	out, err := r.aptUpdateCmd(list).CombinedOutput()
	if err != nil {
		t.Fatalf("apt-get update: %v\n%s", err, out)
	}
	if s := "\n" + string(out); strings.Contains(s, "\nW: ") || strings.Contains(s, "\nN: ") || strings.Contains(s, "\nE: ") {
		t.Errorf("apt-get update warned:\n%s", out)
	}
}

func (r root) copyIn(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(r.path(to)), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.path(to), b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// copyRepo copies a repository, symlinks as symlinks, files as new files (not hard links
// that a change would reach through).
func copyRepo(t *testing.T, from, to string) {
	t.Helper()
	if out, err := exec.Command("cp", "-a", from, to).CombinedOutput(); err != nil {
		t.Fatalf("cp -a %s %s: %v\n%s", from, to, err, out)
	}
}

// flipByte flips one bit in the middle of each file (the same bytes in each).
func flipByte(t *testing.T, files ...string) {
	t.Helper()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		b[len(b)/2] ^= 1
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// removeServed removes metadata files from the served generation.
func removeServed(t *testing.T, dir string, rel ...string) {
	t.Helper()
	for _, p := range rel {
		real, err := filepath.EvalSymlinks(filepath.Join(dir, p))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Remove(real); err != nil {
			t.Fatal(err)
		}
	}
}

// startWatched starts a `publish --json` and reports when it takes the lock (its first
// report on a pool file) and when it is about to switch to the new generation; both close
// when it ends, whatever it reported.
func startWatched(t *testing.T, cmd *exec.Cmd) (locked, switching <-chan struct{}) {
	t.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	l, sw := make(chan struct{}), make(chan struct{})
	go func() {
		seen := map[string]bool{}
		mark := func(step string, c chan struct{}) {
			if !seen[step] {
				seen[step] = true
				close(c)
			}
		}
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if strings.Contains(sc.Text(), `"step":"pool"`) {
				mark("pool", l)
			}
			if strings.Contains(sc.Text(), `"step":"switch"`) {
				mark("switch", sw)
			}
		}
		mark("pool", l)
		mark("switch", sw)
	}()
	return l, sw
}
