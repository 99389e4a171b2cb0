//go:build e2e

package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The job queue runs without web requests: core's package ships mediawiki-run-jobs, the
// service that runs it and the timer the admin enables; an image runs the command in a
// loop. These helpers are called from the lifecycle test (packages installed by apt-get)
// and the image test (the image's own user and environment).

const (
	jobService = "/lib/systemd/system/mediawiki-jobrunner.service"
	jobTimer   = "/lib/systemd/system/mediawiki-jobrunner.timer"
)

// unitValues reads a systemd unit's "Section.Key" values from the root.
func (r root) unitValues(t *testing.T, unit string) map[string]string {
	t.Helper()
	keys := map[string]string{}
	section := ""
	for _, l := range strings.Split(r.read(t, unit), "\n") {
		l = strings.TrimSpace(l)
		switch {
		case l == "" || strings.HasPrefix(l, "#") || strings.HasPrefix(l, ";"):
		case strings.HasPrefix(l, "["):
			section = strings.Trim(l, "[]")
		default:
			k, v, _ := strings.Cut(l, "=")
			keys[section+"."+strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return keys
}

// checkJobRunner checks the installed service and timer, queues jobs through MediaWiki,
// runs the service's ExecStart as its User, as the timer would, and checks the queue is
// empty after it. MediaWiki must be installed, and no web server running (web requests run
// jobs too).
func checkJobRunner(t *testing.T, r root) {
	t.Helper()
	svc, timer := r.unitValues(t, jobService), r.unitValues(t, jobTimer)
	if svc["Service.Type"] != "oneshot" || svc["Service.User"] != "www-data" || svc["Service.ExecStart"] == "" {
		t.Fatalf("%s: Type %q, User %q, ExecStart %q; want a oneshot service of www-data", jobService, svc["Service.Type"], svc["Service.User"], svc["Service.ExecStart"])
	}
	if timer["Install.WantedBy"] != "timers.target" || timer["Timer.OnUnitActiveSec"] == "" {
		t.Errorf("%s: WantedBy %q, OnUnitActiveSec %q; want a repeating timer for timers.target", jobTimer, timer["Install.WantedBy"], timer["Timer.OnUnitActiveSec"])
	}
	// Shipped disabled: nothing links the timer into timers.target.wants.
	r.wantGone(t, "/etc/systemd/system/timers.target.wants/mediawiki-jobrunner.timer")
	r.verifyUnits(t)

	queueJobs(t, r)
	// What systemd does for User=: the ExecStart line, run as that user (its leading
	// "-@+!:" prefixes aside, which it does not use).
	run := append([]string{"runuser", "-u", svc["Service.User"], "--"}, strings.Fields(strings.TrimLeft(svc["Service.ExecStart"], "-@+!:"))...)
	if out := r.run(t, run...); !strings.Contains(out, "good") {
		t.Errorf("%s ran no job successfully:\n%s", strings.Join(run, " "), tail(out))
	}
	if n := queuedJobs(t, r); n != 0 {
		t.Errorf("after the service's command, %d jobs are still queued:\n%s", n, r.run(t, "runuser", "-u", "www-data", "--", "php", "/usr/share/mediawiki/maintenance/showJobs.php", "--group"))
	}
	// Run again on an empty queue, it succeeds (the timer would mark the service failed).
	r.run(t, run...)
}

// verifyUnits has systemd-analyze check the installed units, with their command from the
// root: the root has no systemd, so the host's own units (the targets the service and timer
// depend on) are copied beside them.
func (r root) verifyUnits(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		t.Log("no systemd-analyze on the host: the units are checked by parsing only")
		return
	}
	v := t.TempDir()
	for _, d := range []string{"/lib/systemd/system", "/usr/sbin", "/etc"} {
		if err := os.MkdirAll(filepath.Join(v, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := exec.Command("cp", "-a", "/lib/systemd/system/.", filepath.Join(v, "/lib/systemd/system")).CombinedOutput(); err != nil {
		t.Fatalf("copying the host's units: %v\n%s", err, out)
	}
	for _, f := range []string{jobService, jobTimer, "/usr/sbin/mediawiki-run-jobs", "/etc/passwd", "/etc/group"} {
		if out, err := exec.Command("cp", "-a", r.path(f), filepath.Join(v, f)).CombinedOutput(); err != nil {
			t.Fatalf("copying %s: %v\n%s", f, err, out)
		}
	}
	// Unknown keys are only warnings: any output fails the check.
	out, err := exec.Command("systemd-analyze", "verify", "--man=no", "--root="+v, "mediawiki-jobrunner.timer", "mediawiki-jobrunner.service").CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// queueJobs makes MediaWiki queue jobs: pages that use a template, then an edit of the
// template, whose pages' links and caches are then out of date (refreshLinks,
// htmlCacheUpdate). Maintenance scripts never run jobs themselves.
func queueJobs(t *testing.T, r root) {
	t.Helper()
	r.run(t, "sh", "-ec", `cd /usr/share/mediawiki
edit() { runuser -u www-data -- php maintenance/edit.php --summary "job queue test" "$1"; }
echo 'Job probe {{{1}}} [[Job target]]' | edit Template:JobProbe
for i in 1 2 3; do echo "{{JobProbe|$i}}" | edit "Job page $i"; done
echo 'Job probe, changed: {{{1}}} [[Other job target]]' | edit Template:JobProbe`)
	if n := queuedJobs(t, r); n == 0 {
		t.Fatal("editing a template used by three pages queued no jobs")
	} else {
		t.Logf("%d jobs queued", n)
	}
}

// queuedJobs is showJobs.php's count of queued jobs.
func queuedJobs(t *testing.T, r root) int {
	t.Helper()
	out := strings.TrimSpace(r.run(t, "runuser", "-u", "www-data", "--", "php", "/usr/share/mediawiki/maintenance/showJobs.php"))
	n, err := strconv.Atoi(out)
	if err != nil {
		t.Fatalf("showJobs.php: %q is not a count", out)
	}
	return n
}

// checkImageJobs starts the image as a runtime would (its user and environment) with the
// documented command, mediawiki-run-jobs --loop, and checks that it drains the queue and
// keeps running.
func checkImageJobs(t *testing.T, rt root, user string, env []string) {
	t.Helper()
	queueJobs(t, rt)
	uid, gid, _ := strings.Cut(user, ":")
	argv := append([]string{"sh", "-c", `u=$0 g=$1; shift; setpriv --reuid "$u" --regid "$g" --clear-groups -- /usr/bin/env -i "$@" & wait`, uid, gid}, env...)
	loop := &server{log: &bytes.Buffer{}}
	loop.cmd = rt.command(append(argv, "mediawiki-run-jobs", "--loop", "2")...)
	loop.cmd.Stdout, loop.cmd.Stderr = loop.log, loop.log
	loop.cmd.WaitDelay = 10 * time.Second
	if err := loop.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(loop.stop)
	for deadline := time.Now().Add(2 * time.Minute); queuedJobs(t, rt) > 0; time.Sleep(time.Second) {
		if loop.cmd.ProcessState != nil || time.Now().After(deadline) {
			t.Fatalf("mediawiki-run-jobs --loop did not drain the queue:\n%s", tail(loop.log.String()))
		}
	}
	// A second pass comes, on the empty queue, and the loop goes on.
	time.Sleep(5 * time.Second)
	if loop.cmd.ProcessState != nil {
		t.Fatalf("mediawiki-run-jobs --loop ended:\n%s", tail(loop.log.String()))
	}
	loop.stop()
	if l := loop.log.String(); !strings.Contains(l, "running the job queue every 2 seconds") || !strings.Contains(l, "good") || strings.Contains(l, "failed") {
		t.Errorf("mediawiki-run-jobs --loop said:\n%s", tail(l))
	}
}
