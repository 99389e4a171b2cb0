package layout

import (
	"fmt"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/platform"
)

// MediaWiki queues work (link tables after a template edit, cache purges, notification
// mails) and by default runs a job at the end of some web requests ($wgJobRunRate), so that
// a quiet wiki's queue never drains. Core's package ships a command that runs the queue as
// the web user, a systemd service that runs it and a timer, shipped disabled, that starts
// the service every minute; the images run the same command in a loop.

// RunJobsCommand runs the job queue once, or with --loop every so many seconds.
const RunJobsCommand = "/usr/sbin/mediawiki-run-jobs"

// JobRunnerUnit names the systemd service and timer, without their suffixes.
const JobRunnerUnit = "mediawiki-jobrunner"

// SystemdUnitDir is where packages put their systemd units.
func SystemdUnitDir(f platform.Family) string {
	if f == platform.RPM {
		return "/usr/lib/systemd/system"
	}
	return "/lib/systemd/system"
}

// runJobsMan is the command's manual page, which both lintian and rpmlint ask of anything
// in /usr/sbin.
const runJobsMan = `.TH MEDIAWIKI\-RUN\-JOBS 8 "" mwedition "System Administration"
.SH NAME
mediawiki\-run\-jobs \- run MediaWiki's job queue as the web server's user
.SH SYNOPSIS
.B mediawiki\-run\-jobs
.RB [ \-\-loop
.RI [ seconds ]]
.RI [ runJobs-option ...]
.SH DESCRIPTION
.B mediawiki\-run\-jobs
runs the jobs MediaWiki has queued (link table updates, cache purges, mails) with
.IR /usr/share/mediawiki/maintenance/runJobs.php ,
until the queue is empty or for at most
.B MEDIAWIKI_JOBS_MAXTIME
seconds, and exits 0 when it is done.
Started as root, it runs as the web server's user, so that the files the jobs write stay
the wiki's.
Before MediaWiki is installed (no
.IR /etc/mediawiki/LocalSettings.php )
it has nothing to do and exits 0.
Other options are passed on to runJobs.php (for example
.BR "\-\-type refreshLinks" ).
.PP
The systemd timer
.B mediawiki\-jobrunner.timer
runs it every minute through
.BR mediawiki\-jobrunner.service .
It is shipped disabled; enable it with
.BR "systemctl enable \-\-now mediawiki\-jobrunner.timer" .
.SH OPTIONS
.TP
.BR \-\-loop " [\fIseconds\fR]"
Run the queue again and again, waiting
.I seconds
(60 unless given) between passes, as a container's command; a failed pass is reported and
the next one follows.
.SH ENVIRONMENT
.TP
.B MEDIAWIKI_JOBS_MAXTIME
How long one pass may run, in seconds (50 unless set).
.TP
.B MEDIAWIKI_JOBS_MEMORY_LIMIT
PHP's memory limit for runJobs.php (150M unless set).
.SH SEE ALSO
.BR systemctl (1),
.BR systemd.timer (5)
`

// runJobsScript is the command, for a web user (none: the caller's user). A pass runs in
// the background and is waited for, so that a container's stop signal ends the loop at
// once; a job cut short is retried later, as MediaWiki recycles abandoned jobs.
const runJobsScript = `#!/bin/sh
# mediawiki-run-jobs: runs MediaWiki's job queue as the web server's user, once (what
# mediawiki-jobrunner.timer does every minute) or, with --loop [SECONDS], again and again
# (what a container runs). From mwedition's mediawiki-core; see mediawiki-run-jobs(8).
set -u
user=%[1]s
mediawiki=%[2]s
loop=
if [ "${1-}" = --loop ]; then
	shift
	loop=60
	case "${1-}" in
	[0-9]*) loop=$1; shift ;;
	esac
	case "$loop" in
	*[!0-9]*) loop=0 ;;
	esac
	if [ "$loop" -le 0 ]; then
		echo "mediawiki-run-jobs: --loop takes a number of seconds above 0" >&2
		exit 64
	fi
fi
if [ -n "$user" ] && [ "$(id -u)" = 0 ]; then
	# Jobs write thumbnails and caches: as root, they would leave files the wiki cannot write.
	exec runuser -u "$user" -- %[3]s ${loop:+--loop "$loop"} "$@"
fi

once() {
	if [ ! -e "$mediawiki/LocalSettings.php" ]; then
		echo "mediawiki-run-jobs: MediaWiki is not installed yet (no $mediawiki/LocalSettings.php): no jobs to run"
		exit 0
	fi
	exec php "$mediawiki/maintenance/runJobs.php" --maxtime="${MEDIAWIKI_JOBS_MAXTIME:-50}" \
		--memory-limit="${MEDIAWIKI_JOBS_MEMORY_LIMIT:-150M}" "$@"
}

if [ -z "$loop" ]; then
	once "$@"
fi
pid=
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; fi; exit 143' TERM
trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null; fi; exit 130' INT
echo "mediawiki-run-jobs: running the job queue every $loop seconds"
while :; do
	once "$@" &
	pid=$!
	wait "$pid" || echo "mediawiki-run-jobs: runJobs.php failed (exit $?); next pass in $loop seconds" >&2
	sleep "$loop" &
	pid=$!
	wait "$pid"
done
`

// RunJobsScript is the command for a system whose web user is user ("": run as whoever
// starts it).
func RunJobsScript(user string) []byte {
	return fmt.Appendf(nil, runJobsScript, user, MediaWikiDir, RunJobsCommand)
}

// JobRunnerService runs the command once as the web user. Its hardening keeps what PHP and
// MediaWiki need: the network (database, HTTP purges), writable /var (uploads, caches,
// SQLite databases); no MemoryDenyWriteExecute, which PCRE's JIT needs.
func JobRunnerService(f platform.Family) string {
	return fmt.Sprintf(`# MediaWiki's job queue, run once as the web server's user by %[1]s.timer.
# From mwedition's mediawiki-core. Change it with: systemctl edit %[1]s.service
# (for example Environment=MEDIAWIKI_JOBS_MAXTIME=120).
[Unit]
Description=MediaWiki job queue run
Documentation=man:mediawiki-run-jobs(8) https://www.mediawiki.org/wiki/Manual:Job_queue

[Service]
Type=oneshot
User=%[2]s
Group=%[2]s
ExecStart=%[3]s
Nice=10
NoNewPrivileges=yes
PrivateTmp=yes
PrivateDevices=yes
ProtectSystem=full
ProtectHome=read-only
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectControlGroups=yes
RestrictSUIDSGID=yes
RestrictRealtime=yes
LockPersonality=yes
# Writable under ProtectSystem=full already; named so that a stricter drop-in keeps them.
ReadWritePaths=-/var/lib/mediawiki -/var/cache/mediawiki
`, JobRunnerUnit, WebUser(f), RunJobsCommand)
}

// JobRunnerTimer starts the service a minute after each run; the admin enables it.
const JobRunnerTimer = `# Runs MediaWiki's job queue every minute (mediawiki-jobrunner.service), so that jobs do
# not wait for web requests. From mwedition's mediawiki-core; shipped disabled. Enable it
# with: systemctl enable --now mediawiki-jobrunner.timer
[Unit]
Description=Run MediaWiki's job queue every minute
Documentation=man:mediawiki-run-jobs(8)

[Timer]
OnBootSec=2min
OnUnitActiveSec=1min
AccuracySec=10s

[Install]
WantedBy=timers.target
`

// jobFiles are the command, its manual page and the units, as core's package ships them.
func jobFiles(f platform.Family) []pack.File {
	units := SystemdUnitDir(f) + "/" + JobRunnerUnit
	return []pack.File{
		{Path: RunJobsCommand, Type: fstree.File, Mode: 0o755, Content: RunJobsScript(WebUser(f))},
		{Path: "/usr/share/man/man8/mediawiki-run-jobs.8.gz", Type: fstree.File, Content: pack.GzipN([]byte(runJobsMan))},
		{Path: units + ".service", Type: fstree.File, Content: []byte(JobRunnerService(f))},
		{Path: units + ".timer", Type: fstree.File, Content: []byte(JobRunnerTimer)},
	}
}

// stopJobRunner stops the timer and the service before the command goes: a timer left
// running would start a service whose command is gone, every minute, until a reboot.
// Enabling stays the admin's: Debian keeps it until purge, Fedora's %systemd_preun
// disables on erase.
func stopJobRunner(f platform.Family) string {
	units := JobRunnerUnit + ".timer " + JobRunnerUnit + ".service"
	if f == platform.RPM {
		return fmt.Sprintf("if [ \"$1\" -eq 0 ]; then\n\tsystemctl --no-reload disable --now %s >/dev/null 2>&1 || :\nfi", units)
	}
	return fmt.Sprintf("if [ -d /run/systemd/system ] && command -v deb-systemd-invoke >/dev/null; then\n\tdeb-systemd-invoke stop %s >/dev/null || true\nfi", units)
}
