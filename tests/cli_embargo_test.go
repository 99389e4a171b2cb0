//go:build e2e

package tests

import (
	"os"
	"path/filepath"
	"testing"
)

// Rows for embargoed builds (issue 17, item 5): publish refuses a build whose
// out/manifest.json marks an edition embargoed to any repository directory no
// private_target declares, and publishes it to a declared one. Their out/ directories are
// small signed packages with such a manifest; tests/embargo_test.go builds the real release.

func init() {
	refusal := []string{
		"mwedition: refusing to publish embargoed work to {dir}/apt, which no private_target declares:\n" +
			"  edition sectest holds patches/0001-fix.patch (CVE-2026-0001), patches/0002-local.patch\n" +
			"if this target is restricted to those who may see the fixes before they are public, declare it in a recipe (recipes/*.hcl) and publish again:\n" +
			"  private_target \"embargoed\" {\n    directory = \"{dir}/apt\"\n  }\n" +
			"private targets declared: security-apt ({dir}/private/apt), security-dnf (private/dnf)\n" +
			"once the fixes are public, set embargoed = false on their patch blocks, then lock and build again\n",
	}
	addCLIRows(
		cliRow{
			item: "embargo", name: "apt refuses an undeclared directory",
			setup: embargoedOut(true),
			args:  []string{"publish", "--out", "{dir}/out", "--apt", "{dir}/apt", "--sign-key", "{key}", "--sign-fingerprint", "{fpr}"},
			code:  1, stderr: refusal,
			check: nothingServed("apt"),
		},
		cliRow{
			item: "embargo", name: "apt with dnf: one undeclared target refuses both",
			setup: embargoedOut(true),
			args:  []string{"publish", "--out", "{dir}/out", "--dnf", "{dir}/private/dnf", "--apt", "{dir}/apt", "--sign-key", "{key}", "--sign-fingerprint", "{fpr}"},
			code:  1, stderr: refusal,
			check: nothingServed("private/dnf"),
		},
		cliRow{
			item: "embargo", name: "dnf publishes to a declared directory",
			setup: embargoedOut(true),
			args:  []string{"--json", "publish", "--out", "{dir}/out", "--dnf", "{dir}/private/./dnf/", "--sign-key", "{key}", "--sign-fingerprint", "{fpr}"},
			json:  map[string]any{"event": "published", "format": "dnf", "packages": 2},
			check: func(t *testing.T, dir string, _ result) {
				if _, err := os.Stat(filepath.Join(dir, "private/dnf/repodata/repomd.xml.asc")); err != nil {
					t.Errorf("the declared repository was not published: %v", err)
				}
			},
		},
		cliRow{
			item: "embargo", name: "a build without embargoed patches publishes anywhere",
			setup:  embargoedOut(false),
			args:   []string{"publish", "--out", "{dir}/out", "--apt", "{dir}/apt", "--sign-key", "{key}", "--sign-fingerprint", "{fpr}"},
			stdout: []string{"apt repository {dir}/apt published"},
		},
	)
}

// embargoedOut writes signed packages into {dir}/out with a manifest.json marking edition
// sectest embargoed (or not), and a recipe declaring {dir}/private/apt and the project's
// private/dnf private.
func embargoedOut(embargoed bool) func(t *testing.T, dir, cache string) map[string]string {
	return func(t *testing.T, dir, cache string) map[string]string {
		vars := packagesOut(func(t *testing.T) armorKey { return armorKey{} })(t, dir, cache)
		edition := `{"name": "sectest", "version": "1.39.17.2"}`
		if embargoed {
			edition = `{"name": "sectest", "version": "1.39.17.2", "embargoed": true, "embargoedPatches": [
  {"file": "patches/0001-fix.patch", "sha256": "` + mediawikiSHA + `", "cves": ["CVE-2026-0001"], "components": ["core/mediawiki"]},
  {"file": "patches/0002-local.patch", "sha256": "` + mediawikiSHA + `", "components": ["extension/Poem"]}]}`
		}
		writeFile(t, filepath.Join(dir, "out/manifest.json"), `{"format": "mwedition-manifest-v1", "editions": [`+edition+`]}`+"\n")
		if err := os.MkdirAll(filepath.Join(dir, "recipes"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, "recipes/private.hcl"), `private_target "security-apt" {
  directory = "`+filepath.Join(dir, "private/apt")+`"
}
private_target "security-dnf" {
  directory = "private/dnf"
}
`)
		return vars
	}
}
