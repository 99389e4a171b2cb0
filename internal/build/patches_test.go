package build_test

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
)

// securityPatch changes core's index.php and the bundled Alpha, in git format-patch form.
const securityPatch = `From 1111111111111111111111111111111111111111 Mon Sep 17 00:00:00 2001
From: Sec Team <security@example.org>
Date: Tue, 3 Nov 2026 10:00:00 +0000
Subject: [PATCH] SECURITY: fix it (CVE-2026-0001)

---
 extensions/Alpha/Alpha.php | 1 +
 index.php                  | 2 +-
 2 files changed, 2 insertions(+), 1 deletion(-)

diff --git a/extensions/Alpha/Alpha.php b/extensions/Alpha/Alpha.php
--- a/extensions/Alpha/Alpha.php
+++ b/extensions/Alpha/Alpha.php
@@ -1 +1,2 @@
 <?php
+// patched
diff --git a/index.php b/index.php
--- a/index.php
+++ b/index.php
@@ -1 +1 @@
-<?php // entry point
+<?php // entry point, patched
`

// withPatch writes a patch file into the project and a core recipe that applies it.
func (f *fixture) withPatch(name, body, extra string) string {
	f.t.Helper()
	write(f.t, filepath.Join(f.root, "patches", name), body)
	sum := sha256.Sum256([]byte(body))
	p := filepath.Join(f.root, "recipes/core.hcl")
	b, err := os.ReadFile(p)
	must(f.t, err)
	block := "    patch \"../patches/" + name + "\" {\n      sha256 = \"" + hex.EncodeToString(sum[:]) + "\"\n" + extra + "    }\n"
	s := strings.Replace(string(b), "  }\n}", block+"  }\n}", 1)
	write(f.t, p, s)
	return hex.EncodeToString(sum[:])
}

func TestPatchesReachBundledComponents(t *testing.T) {
	f := newFixture(t)
	before := f.lock()
	sum := f.withPatch("0001-sec.patch", securityPatch, "")
	f.bumpEdition("base", "1.1")
	f.bumpEdition("full", "1.1")
	lf := f.lock()
	versions := map[string]string{}
	for _, id := range []string{"core/mediawiki", "extension/Alpha", "extension/Beta"} {
		c, _ := lf.Lookup(id)
		versions[id] = c.Version
	}
	want := map[string]string{"core/mediawiki": "1.39.17+p1", "extension/Alpha": "1.2.0+p1", "extension/Beta": "1.39.17"}
	if diff := cmp.Diff(want, versions); diff != "" {
		t.Errorf("versions (-want +got):\n%s", diff)
	}
	alpha, _ := lf.Lookup("extension/Alpha")
	wantPatch := []lock.Patch{{File: "patches/0001-sec.patch", SHA256: sum, Status: lock.PatchApplied, Subject: "SECURITY: fix it (CVE-2026-0001)", CVEs: []string{"CVE-2026-0001"}}}
	if diff := cmp.Diff(wantPatch, alpha.Patches); diff != "" {
		t.Errorf("Alpha's patches (-want +got):\n%s", diff)
	}
	wantSummary := []build.PatchSummary{{File: "patches/0001-sec.patch", Status: "applied", Components: []string{"core/mediawiki", "extension/Alpha"}, CVEs: []string{"CVE-2026-0001"}}}
	if diff := cmp.Diff(wantSummary, build.PatchSummaries(lf)); diff != "" {
		t.Errorf("what lock reports (-want +got):\n%s", diff)
	}
	beta, _ := lf.Lookup("extension/Beta")
	oldBeta, _ := before.Lookup("extension/Beta")
	if len(beta.Patches) != 0 || beta.Tree != oldBeta.Tree {
		t.Errorf("Beta, which no patch touches, changed: %+v", beta)
	}
	if alpha.Time <= func() int64 { c, _ := before.Lookup("extension/Alpha"); return c.Time }() {
		t.Errorf("Alpha's time %d did not move to the patch's date", alpha.Time)
	}
	o := f.options()
	o.Formats = []string{build.FormatDeb}
	f.buildWith(o)
	debs := listDir(t, filepath.Join(f.root, "out/deb"))
	for _, want := range []string{"mediawiki-core_1.39.17+p1-1_all.deb", "mediawiki-extension-alpha_1.2.0+mw1.39.17+p1-1_all.deb", "mediawiki-extension-beta_1.39.17-1_all.deb"} {
		if !contains(debs, want) {
			t.Errorf("out/deb lacks %s: %v", want, debs)
		}
	}
}

func TestPatchFailures(t *testing.T) {
	tests := []struct {
		name, patch, want string
		corrupt           bool
	}{
		{name: "wrong context", patch: strings.Replace(securityPatch, "-<?php // entry point", "-<?php // something else", 1),
			want: "patch patches/0001-sec.patch: index.php: hunk 1 (@@ -1,1 +1,1 @@): does not apply"},
		{name: "garbled", patch: "From nothing\nSubject: x\n\n@@ nonsense\n", want: "garbled patch"},
		{name: "outside the component", patch: strings.NewReplacer("a/index.php", "a/../../etc/passwd", "b/index.php", "b/../../etc/passwd").Replace(securityPatch), want: "escapes the tree"},
		{name: "escaping symlink", patch: "diff --git a/evil b/evil\nnew file mode 120000\nindex 0000000..1111111\n--- /dev/null\n+++ b/evil\n@@ -0,0 +1 @@\n+../../../etc\n\\ No newline at end of file\n",
			want: "evil: mode 120000 is not a regular file's: symbolic links and submodules are refused"},
		{name: "sha256 differs", patch: securityPatch, corrupt: true, want: "has sha256"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t)
			f.withPatch("0001-sec.patch", tc.patch, "")
			if tc.corrupt {
				write(t, filepath.Join(f.root, "patches/0001-sec.patch"), tc.patch+"\n")
			}
			lf, diags, err := f.lockDiags(f.options())
			msg := ""
			if err != nil {
				msg = err.Error()
			}
			if d := firstErrorOf(diags); d != nil {
				msg += d.Summary + ": " + d.Detail
			}
			if !strings.Contains(msg, tc.want) || len(lf.Components) != 0 && err == nil && !diags.HasErrors() {
				t.Errorf("lock: %q, want an error saying %q", msg, tc.want)
			}
			if _, err := os.Stat(filepath.Join(f.root, lock.FileName)); !os.IsNotExist(err) {
				t.Errorf("a failed lock wrote %s", lock.FileName)
			}
		})
	}
}

func firstErrorOf(diags hcl.Diagnostics) *hcl.Diagnostic {
	for _, d := range diags {
		if d.Severity == hcl.DiagError {
			return d
		}
	}
	return nil
}

func TestAlreadyAppliedPatchWarns(t *testing.T) {
	f := newFixture(t)
	// The same fix twice, as when a patch was copied in before upstream released it: the
	// second finds it already there.
	f.withPatch("0001-sec.patch", securityPatch, "")
	f.withPatch("0002-again.patch", securityPatch, "")
	_, diags, err := f.lockDiags(f.options())
	if err != nil || diags.HasErrors() {
		t.Fatalf("lock: %v %v", err, diags)
	}
	found := false
	for _, d := range diags {
		if d.Summary == "Patch already applied" && strings.Contains(d.Detail, "patches/0002-again.patch") && d.Subject != nil && strings.HasSuffix(d.Subject.Filename, "core.hcl") {
			found = true
		}
	}
	if !found {
		t.Errorf("no warning that 0002 is already applied: %v", diags)
	}
}
