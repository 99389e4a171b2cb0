//go:build e2e

package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// embargoPatch changes a comment of the release's includes/FauxResponse.php, as a security
// fix not public yet would change the code.
const embargoPatch = `From 2222222222222222222222222222222222222222 Mon Sep 17 00:00:00 2001
From: Security Team <security@mwedition.example.org>
Date: Tue, 3 Nov 2026 10:00:00 +0000
Subject: [PATCH] SECURITY: embargoed fix (CVE-2026-0001)

---
 includes/FauxResponse.php | 1 +
 1 file changed, 1 insertion(+)

diff --git a/includes/FauxResponse.php b/includes/FauxResponse.php
--- a/includes/FauxResponse.php
+++ b/includes/FauxResponse.php
@@ -26,6 +26,7 @@ use MediaWiki\MediaWikiServices;
 
 /**
  * @ingroup HTTP
+ * Embargoed fix applied.
  */
 class FauxResponse extends WebResponse {
 ` + "\tprivate $headers;\n"

// embargoedProject is a small edition (core, Poem, Vector) whose core takes embargoPatch
// with embargoed = true, built into out as .deb, signed .rpm and an image.
func embargoedProject(t *testing.T, cacheDir, priv, fpr string) (proj, out string) {
	t.Helper()
	proj = smallEditionProject(t, "sectest", "Security test", `output "deb" {}
  output "rpm" {}
  output "image" {}`)
	if err := os.MkdirAll(filepath.Join(proj, "patches"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(proj, "patches/0001-embargoed-fix.patch"), embargoPatch)
	sum := sha256.Sum256([]byte(embargoPatch))
	p := filepath.Join(proj, "recipes/core.hcl")
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	block := `    patch "../patches/0001-embargoed-fix.patch" {
      sha256    = "` + hex.EncodeToString(sum[:]) + `"
      embargoed = true
    }
  }
}`
	s := strings.Replace(string(b), "  }\n}", block, 1)
	if s == string(b) {
		t.Fatal("recipes/core.hcl has no source block to patch")
	}
	writeFile(t, p, s)
	if r := run(t, proj, cacheDir, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s", r.code, r.stderr)
	}
	out = filepath.Join(t.TempDir(), "out")
	if r := run(t, proj, cacheDir, "--offline", "--quiet", "build", "--format", "deb,rpm,image", "--image-base", "scratch", "--out", out,
		"--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	return proj, out
}

// TestEmbargoedPublish: a build holding an embargoed patch is refused by publish --apt,
// --dnf and --registry to targets no private_target declares, with nothing written, and
// published to the declared ones: real repository directories and the real local registry,
// read back with skopeo.
func TestEmbargoedPublish(t *testing.T) {
	cacheDir := corpusCache(t)
	priv, _, fpr := releaseKey(t)
	proj, out := embargoedProject(t, cacheDir, priv, fpr)
	checkEmbargoMarks(t, out)

	reg := startRegistry(t, "")
	repos := t.TempDir()
	writeFile(t, filepath.Join(proj, "recipes/private.hcl"), `private_target "security-apt" {
  directory = "`+filepath.Join(repos, "private/apt")+`"
}
private_target "security-dnf" {
  directory = "private/dnf" # the project directory's
}
private_target "security-registry" {
  registry = "`+reg.host+`/restricted"
}
`)
	sign := []string{"--sign-key", priv, "--sign-fingerprint", fpr}
	publish := func(args ...string) result {
		return run(t, proj, cacheDir, append(append([]string{"publish", "--out", out}, args...), sign...)...)
	}
	refused := func(t *testing.T, r result, target string) {
		t.Helper()
		for _, want := range []string{
			"refusing to publish embargoed work to " + target + ", which no private_target declares:\n",
			"  edition sectest holds patches/0001-embargoed-fix.patch (CVE-2026-0001)\n",
			"declare it in a recipe (recipes/*.hcl) and publish again:\n  private_target \"embargoed\" {\n",
			"private targets declared: security-apt (",
		} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("the refusal lacks %q:\n%s", want, r.stderr)
			}
		}
		if r.code != 1 {
			t.Errorf("refused publish exited %d, want 1", r.code)
		}
	}

	t.Run("apt", func(t *testing.T) {
		public := filepath.Join(repos, "public/apt")
		refused(t, publish("--apt", public), public)
		// One undeclared target refuses the whole publish, before the declared one is written.
		private := filepath.Join(repos, "private/apt")
		refused(t, publish("--apt", private, "--dnf", filepath.Join(repos, "public/dnf")), filepath.Join(repos, "public/dnf"))
		for _, d := range []string{public, private, filepath.Join(repos, "public/dnf")} {
			if _, err := os.Stat(d); err == nil {
				t.Errorf("a refused publish wrote %s", d)
			}
		}
		if r := publish("--apt", private+"/."); r.code != 0 {
			t.Fatalf("publish to the declared %s exited %d:\n%s", private, r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(private, "dists/"+shippedSuite+"/InRelease")); err != nil {
			t.Errorf("the declared apt repository was not published: %v", err)
		}
	})
	t.Run("dnf", func(t *testing.T) {
		public := filepath.Join(repos, "public/dnf")
		refused(t, publish("--dnf", public), public)
		if _, err := os.Stat(public); err == nil {
			t.Errorf("a refused publish wrote %s", public)
		}
		private := filepath.Join(proj, "private/dnf")
		if r := publish("--dnf", private); r.code != 0 {
			t.Fatalf("publish to the declared %s exited %d:\n%s", private, r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(private, "repodata/repomd.xml.asc")); err != nil {
			t.Errorf("the declared dnf repository was not published: %v", err)
		}
	})
	t.Run("registry", func(t *testing.T) {
		for _, prefix := range []string{"public", "restricted-public"} {
			refused(t, publish("--registry", reg.host+"/"+prefix), reg.host+"/"+prefix)
			if tags := tagsOf(t, reg.host+"/"+prefix+"/sectest"); len(tags) != 0 {
				t.Errorf("a refused publish pushed %s/sectest: %v", prefix, tags)
			}
		}
		r := publish("--registry", reg.host+"/restricted/mw")
		if r.code != 0 {
			t.Fatalf("publish to the declared registry exited %d:\n%s", r.code, r.stderr)
		}
		raw := command(t, "skopeo", append(append([]string{"inspect", "--raw"}, skopeoArgs()...), "docker://"+reg.host+"/restricted/mw/sectest:1.39.17.1")...)
		var m struct{ Annotations map[string]string }
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatal(err)
		}
		if m.Annotations["io.mwedition.embargoed"] != "true" || m.Annotations["io.mwedition.embargoed-patches"] != "patches/0001-embargoed-fix.patch" {
			t.Errorf("the pushed image's annotations: %v", m.Annotations)
		}
	})
}

// checkEmbargoMarks checks that manifest.json and the SBOM say the edition is embargoed.
func checkEmbargoMarks(t *testing.T, out string) {
	t.Helper()
	var m struct {
		Editions []struct {
			Name             string
			Embargoed        bool
			EmbargoedPatches []struct {
				File       string
				CVEs       []string
				Components []string
			}
		}
	}
	b, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	if len(m.Editions) != 1 || !m.Editions[0].Embargoed || len(m.Editions[0].EmbargoedPatches) != 1 {
		t.Fatalf("manifest.json's editions: %+v", m.Editions)
	}
	got := m.Editions[0].EmbargoedPatches[0]
	if diff := cmp.Diff([]string{"patches/0001-embargoed-fix.patch", "CVE-2026-0001", "core/mediawiki"}, []string{got.File, strings.Join(got.CVEs, ","), strings.Join(got.Components, ",")}); diff != "" {
		t.Errorf("manifest.json's embargoed patch (-want +got):\n%s", diff)
	}
	sbom, err := os.ReadFile(filepath.Join(out, "sbom/sectest.spdx.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(sbom), "EMBARGOED: ") || !strings.Contains(string(sbom), "patches/0001-embargoed-fix.patch") {
		t.Error("the SBOM does not say the edition is embargoed")
	}
}

// tagsOf lists a registry repository's tags with skopeo: none when it does not exist.
func tagsOf(t *testing.T, repo string) []string {
	t.Helper()
	cmd := exec.Command("skopeo", append(append([]string{"list-tags"}, skopeoArgs()...), "docker://"+repo)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "404 (Not Found)") || strings.Contains(stderr.String(), "name unknown") {
			return nil
		}
		t.Fatalf("skopeo list-tags %s: %v\n%s", repo, err, stderr.String())
	}
	var l struct{ Tags []string }
	if err := json.Unmarshal(b, &l); err != nil {
		t.Fatal(err)
	}
	return l.Tags
}
