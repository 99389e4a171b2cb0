package layout

import (
	"bytes"
	"compress/gzip"
	"io"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/platform"
)

// unitKeys reads a systemd unit's "Section.Key" values, comments and blank lines aside.
func unitKeys(t *testing.T, unit string) map[string]string {
	t.Helper()
	keys := map[string]string{}
	section := ""
	for _, l := range strings.Split(unit, "\n") {
		switch {
		case l == "" || strings.HasPrefix(l, "#"):
		case strings.HasPrefix(l, "[") && strings.HasSuffix(l, "]"):
			section = l[1 : len(l)-1]
		default:
			k, v, ok := strings.Cut(l, "=")
			if !ok {
				t.Fatalf("not a unit line: %q", l)
			}
			keys[section+"."+k] = v
		}
	}
	return keys
}

func TestJobFiles(t *testing.T) {
	for _, tc := range []struct {
		fam      platform.Family
		user     string
		unitDir  string
		preRemov string
	}{
		{platform.Debian, "www-data", "/lib/systemd/system", "deb-systemd-invoke stop mediawiki-jobrunner.timer mediawiki-jobrunner.service"},
		{platform.RPM, "apache", "/usr/lib/systemd/system", "systemctl --no-reload disable --now mediawiki-jobrunner.timer mediawiki-jobrunner.service"},
	} {
		t.Run(string(tc.fam), func(t *testing.T) {
			files := map[string][]byte{}
			for _, f := range CoreExtra(tc.fam) {
				files[f.Path] = f.Content
			}
			svc := unitKeys(t, string(files[tc.unitDir+"/mediawiki-jobrunner.service"]))
			for k, want := range map[string]string{"Service.Type": "oneshot", "Service.User": tc.user, "Service.ExecStart": RunJobsCommand, "Service.ProtectSystem": "full"} {
				if svc[k] != want {
					t.Errorf("service %s = %q, want %q", k, svc[k], want)
				}
			}
			if _, ok := svc["Install.WantedBy"]; ok {
				t.Error("the service has an [Install] section: only the timer is enabled")
			}
			timer := unitKeys(t, string(files[tc.unitDir+"/mediawiki-jobrunner.timer"]))
			if diff := cmp.Diff(map[string]string{"Timer.OnBootSec": "2min", "Timer.OnUnitActiveSec": "1min", "Install.WantedBy": "timers.target"},
				map[string]string{"Timer.OnBootSec": timer["Timer.OnBootSec"], "Timer.OnUnitActiveSec": timer["Timer.OnUnitActiveSec"], "Install.WantedBy": timer["Install.WantedBy"]}); diff != "" {
				t.Errorf("timer (-want +got):\n%s", diff)
			}
			script := string(files[RunJobsCommand])
			if !strings.Contains(script, "\nuser="+tc.user+"\n") {
				t.Errorf("the command does not switch to %s:\n%s", tc.user, script)
			}
			zr, err := gzip.NewReader(bytes.NewReader(files["/usr/share/man/man8/mediawiki-run-jobs.8.gz"]))
			if err != nil {
				t.Fatalf("manual page: %v", err)
			}
			if man, _ := io.ReadAll(zr); !bytes.HasPrefix(man, []byte(".TH MEDIAWIKI")) {
				t.Errorf("manual page: %q", man)
			}
			if s := CoreScripts(tc.fam).PreRemove; !strings.Contains(s, tc.preRemov) {
				t.Errorf("removal does not stop the timer:\n%s", s)
			}
		})
	}
}

// The command's argument checks, which run before it looks at the system.
func TestRunJobsScriptArguments(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	script := string(RunJobsScript("www-data"))
	if out, err := exec.Command(sh, "-n", "-c", script).CombinedOutput(); err != nil {
		t.Fatalf("sh -n: %v\n%s", err, out)
	}
	for _, args := range [][]string{{"--loop", "0"}, {"--loop", "10s"}} {
		cmd := exec.Command(sh, append([]string{"-c", script, RunJobsCommand}, args...)...)
		out, err := cmd.CombinedOutput()
		if code := cmd.ProcessState.ExitCode(); code != 64 || !strings.Contains(string(out), "--loop takes a number of seconds above 0") {
			t.Errorf("%v: exit %d (%v), %q; want 64 and the usage message", args, code, err, out)
		}
	}
}
