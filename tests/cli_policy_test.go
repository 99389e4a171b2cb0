//go:build e2e

package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Rows for the security team's policy (issue 20, item 3): the shipped policy.hcl denies
// GPL-3.0-only, and build refuses an edition holding such an extension at that rule;
// publish refuses an unsigned build; verify --policy judges an out/ without publishing;
// an unknown rule is a diagnostic at its line.
func init() {
	addCLIRows(
		cliRow{item: "policy", name: "a denied licence fails build at its rule", setup: withDeniedLicence,
			args: []string{"--offline", "build", "--format", "deb"}, code: 1,
			stderr: []string{
				"policy.hcl:19:3: error: licenses.deny: extension/Strict (edition core) is GPL-3.0-only, which the policy denies",
				"   19 |   deny = [",
			},
			check: func(t *testing.T, dir string, _ result) { noOutDir(t, dir) }},
		cliRow{item: "policy", name: "json lists every violation", setup: withDeniedLicence,
			args: []string{"--json", "--offline", "build", "--format", "deb"}, code: 1,
			json: map[string]any{"event": "diagnostic", "severity": "error", "rule": "licenses.deny", "subject": "extension/Strict",
				"file": "policy.hcl", "line": 19, "column": 3},
			check: func(t *testing.T, _ string, r result) {
				// core, knowledge-base and enterprise inherit Strict: one violation each.
				if n := strings.Count(r.stdout, `"rule":"licenses.deny"`); n != 3 {
					t.Errorf("%d licenses.deny violations listed, want 3 (one per edition):\n%s", n, r.stdout)
				}
			}},
		cliRow{item: "policy", name: "an unsigned build fails publish", setup: withUnsignedBuild,
			args: []string{"publish", "--registry", "127.0.0.1:9/mediawiki"}, code: 1,
			stderr: []string{
				"policy.hcl:39:3: error: signatures.require: image oci/core:1.39 is not signed, and the policy requires signed images",
				"mwedition: 3 violations of policy.hcl: nothing was published",
			}},
		cliRow{item: "policy", name: "verify --policy refuses an unsigned build", setup: withUnsignedBuild,
			args: []string{"verify", "--policy"}, code: 2,
			stderr: []string{"signatures.require: image oci/knowledge-base:1.39 is not signed", "3 violations of policy.hcl"}},
		cliRow{item: "policy", name: "the shipped policy passes a signed build", setup: withSignedBuild,
			args: []string{"verify", "--policy"}, code: 0,
			stdout: []string{"{dir}/out passes policy.hcl"}},
		cliRow{item: "policy", name: "an unknown rule", setup: withPolicyEdit("licenses {", "licences {"),
			args: []string{"validate"}, code: 1,
			stderr: []string{`policy.hcl:18:1: error: Unsupported block type`, `Did you mean "licenses"?`}},
		cliRow{item: "policy", name: "an unknown artifact kind", setup: withPolicyEdit(`"tarballs", "images"`, `"tarball", "images"`),
			args: []string{"--offline", "build", "--format", "deb"}, code: 1,
			stderr: []string{`policy.hcl:39:`, `"tarball" is not a kind of artifact signatures.require knows; did you mean "tarballs"?`},
			check:  func(t *testing.T, dir string, _ result) { noOutDir(t, dir) }},
	)
}

// withPolicy is the shipped project with its policy.hcl.
func withPolicy(t *testing.T, dir, _ string) map[string]string {
	t.Helper()
	copyShipped(t, dir)
	copyTree(t, "../policy.hcl", filepath.Join(dir, "policy.hcl"))
	return nil
}

// withPolicyEdit is the shipped project with its policy, one string of it replaced.
func withPolicyEdit(old, new string) func(t *testing.T, dir, cache string) map[string]string {
	return func(t *testing.T, dir, cache string) map[string]string {
		withPolicy(t, dir, cache)
		editFile(t, dir, "policy.hcl", old, new)
		return nil
	}
}

// withDeniedLicence adds Strict, a GPL-3.0-only extension from a dir source, to the core
// edition (and so to those inheriting it), locked.
func withDeniedLicence(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	withPolicy(t, dir, cache)
	writeProjectFile(t, dir, "local/Strict/extension.json", `{"name": "Strict", "version": "1.0.0", "license-name": "GPL-3.0-only",
 "requires": {"MediaWiki": ">= 1.39.0"}, "type": "other", "manifest_version": 2}
`)
	addExtension(t, dir, "Strict", `source "dir" { path = "../local/Strict" }`)
	lockProject(t, dir, cache, "--offline")
	return nil
}

// withUnsignedBuild has the shipped editions' images built without a key (the images the
// registry tests build too, so that the corpus cache holds them once).
func withUnsignedBuild(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	withPolicy(t, dir, cache)
	if r := run(t, dir, cache, "--offline", "-q", "build", "--format", "image", "--image-base", "scratch"); r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	return nil
}

// withSignedBuild has the shipped editions' images signed with a cosign key. (Tarballs
// and .rpm files signed with --sign-key are judged by the unit tests of build's facts: a
// cold tarball build of the three editions would cost this table a minute.)
func withSignedBuild(t *testing.T, dir, cache string) map[string]string {
	t.Helper()
	withPolicy(t, dir, cache)
	imageKey, _ := ecKey(t)
	r := run(t, dir, cache, "--offline", "-q", "build", "--format", "image", "--image-base", "scratch", "--cosign-key", imageKey)
	if r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "out/sbom/core.provenance.dsse.json")); err != nil {
		t.Fatalf("the signed build wrote no attestation: %v", err)
	}
	return nil
}
