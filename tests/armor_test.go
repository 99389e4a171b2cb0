//go:build e2e

package tests

import (
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestArmoredOutputsVerify: every armored file a signed build and its publish write (the
// tarballs' and SHA256SUMS' .asc, apt's InRelease and Release.gpg, dnf's repomd.xml.asc,
// and the public keys both repositories serve) verifies under gpgv and gpg --verify, exit
// 0 and no complaint, as mirroring tools and scripts check them. The key is made by gpg,
// RSA 3072, whose signatures' armor ends without '=' padding: the case GnuPG 2.2 misread
// when InRelease carried no checksum line.
func TestArmoredOutputsVerify(t *testing.T) {
	for _, tool := range []string{"gpg", "gpgv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	cacheDir := corpusCache(t)
	priv, _, fpr := releaseKey(t)
	proj := smallEditionProject(t, "armortest", "Armor Test", `output "deb" {}
  output "rpm" {}
  output "tarball" { compression = ["gz"] }`)
	out := filepath.Join(t.TempDir(), "out")
	if r := run(t, proj, cacheDir, "--offline", "--quiet", "build", "--format", "deb,rpm,tarball", "--out", out,
		"--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	aptDir, dnfDir := filepath.Join(t.TempDir(), "apt"), filepath.Join(t.TempDir(), "dnf")
	if r := run(t, proj, cacheDir, "--quiet", "publish", "--out", out, "--apt", aptDir, "--dnf", dnfDir,
		"--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
		t.Fatalf("publish exited %d:\n%s", r.code, r.stderr)
	}

	aptKey := filepath.Join(aptDir, "mwedition-archive-keyring.asc")
	dnfKey := filepath.Join(dnfDir, "RPM-GPG-KEY-mwedition")
	type check struct{ key, sig, data string }
	checks := map[string]check{
		"apt InRelease":   {aptKey, filepath.Join(aptDir, "dists/"+shippedSuite+"/InRelease"), ""},
		"apt Release.gpg": {aptKey, filepath.Join(aptDir, "dists/"+shippedSuite+"/Release.gpg"), filepath.Join(aptDir, "dists/"+shippedSuite+"/Release")},
		"dnf repomd.xml":  {dnfKey, filepath.Join(dnfDir, "repodata/repomd.xml.asc"), filepath.Join(dnfDir, "repodata/repomd.xml")},
	}
	ascs, _ := filepath.Glob(filepath.Join(out, "tarballs", "*.asc"))
	for _, a := range ascs {
		checks["tarballs "+filepath.Base(a)] = check{aptKey, a, strings.TrimSuffix(a, ".asc")}
	}
	var names []string
	for name := range checks {
		names = append(names, name)
	}
	slices.Sort(names)
	want := []string{"apt InRelease", "apt Release.gpg", "dnf repomd.xml",
		"tarballs SHA256SUMS.asc", "tarballs mediawiki-armortest-1.39.17.1.tar.gz.asc"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("armored signatures (-want +got):\n%s", diff)
	}
	for _, name := range names {
		c := checks[name]
		t.Run(name, func(t *testing.T) {
			gpgVerifies(t, c.key, c.sig, c.data)
		})
	}
}
