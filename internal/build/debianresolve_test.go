package build_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
)

// TestParseAptInstalls reads apt-get's simulation lines as mmdebstrap --simulate prints
// them: two runs (the essential set, then the rest), interleaved with other output.
func TestParseAptInstalls(t *testing.T) {
	tests := []struct {
		name, out string
		want      []build.AptInstall
		wantErr   string
	}{
		{name: "two runs", out: `I: running apt-get update...
Get:1 file:/srv/mirror/0 bookworm InRelease [151 kB]
Inst gcc-12-base (12.2.0-14+deb12u1 Debian:12.15/oldstable [amd64])
Inst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [amd64]) []
Conf libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [amd64])
I: simulate installing remaining packages inside the chroot...
Inst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [amd64])
Inst php8.2-cli (8.2.36-1~deb12u1 Debian-Security:12/oldstable-security [amd64])
Inst tzdata (2026f-0+deb12u1 Debian:12.15/oldstable, Debian:12-updates/oldstable-updates [all])
Inst base-files [12.4+deb12u14] (12.4+deb12u15 Debian:12.15/oldstable [amd64])
`, want: []build.AptInstall{{"base-files", "12.4+deb12u15", "amd64"}, {"gcc-12-base", "12.2.0-14+deb12u1", "amd64"},
			{"libc6", "2.36-9+deb12u14", "amd64"}, {"php8.2-cli", "8.2.36-1~deb12u1", "amd64"}, {"tzdata", "2026f-0+deb12u1", "all"}}},
		{name: "epoch", out: "Inst libpam0g (1:1.5.2-6+deb12u1 Debian:12.15/oldstable [amd64])\n",
			want: []build.AptInstall{{"libpam0g", "1:1.5.2-6+deb12u1", "amd64"}}},
		{name: "nothing", out: "I: success in 5.1 seconds\n"},
		{name: "runs disagree", out: "Inst libc6 (2.36-9 Debian:12.15/oldstable [amd64])\nInst libc6 (2.36-9+deb12u14 Debian:12.15/oldstable [amd64])\n",
			wantErr: "apt installs libc6 (amd64) at version 2.36-9 and at 2.36-9+deb12u14"},
		{name: "unreadable", out: "Inst libc6 2.36-9\n", wantErr: `cannot read apt's line "Inst libc6 2.36-9"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := build.ParseAptInstalls(strings.NewReader(tc.out))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("installs (-want +got):\n%s", diff)
			}
		})
	}
}
