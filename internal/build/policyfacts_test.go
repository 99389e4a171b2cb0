package build_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cosign"
	"github.com/mwedition/mwedition/internal/policy"
)

// TestOutputFacts reads what a policy judges from an output directory: each .rpm and
// tarball signed or not as --sign-key made it, each image signed or not as --cosign-key
// made it, and an image's size as its configuration and layers add up.
func TestOutputFacts(t *testing.T) {
	signer, _ := testSigner(t)
	key, err := os.ReadFile("../cosign/testdata/pkcs8.key")
	if err != nil {
		t.Fatal(err)
	}
	imageKey, err := cosign.LoadPrivateKey(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, signed := range []bool{false, true} {
		f := newFixture(t)
		write(t, filepath.Join(f.root, "editions/editions.hcl"), `
edition "base" {
  title   = "Base"
  version = "1.0"
  extensions = ["Beta"]
  output "rpm" {}
  output "tarball" { compression = ["gz"] }
  output "image" {}
}
`)
		o := f.options()
		o.Formats = []string{build.FormatRPM, build.FormatTarball, build.FormatImage}
		o.Out = filepath.Join(t.TempDir(), "out")
		if signed {
			o.Signer, o.ImageSigner = signer, imageKey
		}
		res, diags, err := build.Build(context.Background(), o, f.load().Set, f.lock())
		if err != nil || diags.HasErrors() {
			t.Fatalf("build: %v %v", err, diags)
		}
		b, err := os.ReadFile(filepath.Join(o.Out, "manifest.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m build.Manifest
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		facts, err := build.OutputFacts(m, build.DirOpener(o.Out), policy.Verify)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, a := range facts.Artifacts {
			kinds[a.Kind]++
			if a.Signed != signed {
				t.Errorf("signed=%v build: %s %s has Signed=%v", signed, a.Kind, a.Path, a.Signed)
			}
			if a.Kind == "image" && (a.Size < 1000 || a.Edition != "base") {
				t.Errorf("image %s: edition %q, %d bytes", a.Path, a.Edition, a.Size)
			}
		}
		// Core, Alpha and Beta, Vector, and the edition's meta-package; one tarball; one image.
		if diff := cmp.Diff(map[string]int{"package": len(rpms(m)), "tarball": 1, "image": 1}, kinds); diff != "" || len(rpms(m)) == 0 {
			t.Errorf("artifacts by kind (-want +got):\n%s", diff)
		}
		var ids []string
		for _, p := range facts.Packages {
			ids = append(ids, p.ID)
		}
		sort.Strings(ids)
		if len(ids) == 0 || facts.Editions[0].Name != "base" || len(res.Images) == 0 {
			t.Errorf("facts name no packages or editions: %+v", facts)
		}
	}
}

func rpms(m build.Manifest) []string {
	var out []string
	for _, a := range m.Artifacts {
		if filepath.Ext(a.Path) == ".rpm" {
			out = append(out, a.Path)
		}
	}
	return out
}
