package ospkg

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
)

func TestPatchChanges(t *testing.T) {
	const sum = "ab12"
	tests := []struct {
		name string
		in   []lock.Patch
		want []string
	}{
		{"none", nil, nil},
		{"subject names it all", []lock.Patch{{File: "patches/0003-a.patch", SHA256: sum, Status: lock.PatchApplied, Subject: "SECURITY: Escape X (CVE-2026-1)", CVEs: []string{"CVE-2026-1"}}},
			[]string{"SECURITY: Escape X (CVE-2026-1), patches/0003-a.patch sha256 ab12"}},
		{"cve attribute only", []lock.Patch{{File: "patches/b.patch", SHA256: sum, Status: lock.PatchApplied, Subject: "Escape Y", CVEs: []string{"CVE-2026-2", "CVE-2026-3"}}},
			[]string{"SECURITY: Escape Y (CVE-2026-2, CVE-2026-3), patches/b.patch sha256 ab12"}},
		{"not a security fix", []lock.Patch{{File: "patches/0001-lua.patch", SHA256: sum, Status: lock.PatchApplied, Subject: "Use the system lua5.1"}},
			[]string{"Use the system lua5.1, patches/0001-lua.patch sha256 ab12"}},
		{"no subject", []lock.Patch{{File: "patches/c.diff", SHA256: sum, Status: lock.PatchApplied}},
			[]string{"Patched, patches/c.diff sha256 ab12"}},
		{"already applied says nothing", []lock.Patch{{File: "patches/d.patch", SHA256: sum, Status: lock.PatchAlreadyApplied, Subject: "SECURITY: old (CVE-2025-9)", CVEs: []string{"CVE-2025-9"}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, patchChanges(tc.in)); diff != "" {
				t.Errorf("patchChanges (-want +got):\n%s", diff)
			}
		})
	}
}
