package repro

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestChild(t *testing.T) {
	for _, tc := range []struct {
		name    string
		script  string
		want    string
		wantErr string
	}{
		{"conditions", `umask; echo "$TZ"; pwd`, "0077\nGMT-14\n/\n", ""},
		{"failure", `echo partial; exit 3`, "partial\n", "the rebuild failed (exit status 3): its output is above"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			rb := Rebuild{Args: []string{"-c", tc.script}, Env: []string{"TZ=GMT-14", "PATH=/usr/bin:/bin"}, Conditions: Conditions{Umask: 0o077}}
			err := Child{Exe: "/bin/sh", Dir: "/", Output: &out}.Run(context.Background(), rb)
			if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tc.wantErr)
			}
			if diff := cmp.Diff(tc.want, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}
