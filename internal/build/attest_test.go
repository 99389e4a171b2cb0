package build_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cosign"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/policy"
	"github.com/mwedition/mwedition/internal/sbom"
)

const attestEditions = `
edition "base" {
  title   = "Base"
  version = "1.0"
  skins   = ["Vector"]
  extensions = ["Beta"]
  output "tarball" { compression = ["gz"] }
  output "image" {}
}
`

// signedBuild builds the fixture's edition with an image signer and returns out/.
func signedBuild(t *testing.T, pol *policy.Policy) (string, *cosign.PrivateKey, error) {
	t.Helper()
	f := newFixture(t)
	write(t, filepath.Join(f.root, "editions/editions.hcl"), attestEditions)
	key, err := os.ReadFile("../cosign/testdata/pkcs8.key")
	if err != nil {
		t.Fatal(err)
	}
	k, err := cosign.LoadPrivateKey(key, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := f.options()
	o.Formats = []string{build.FormatTarball, build.FormatImage}
	o.Out = filepath.Join(t.TempDir(), "out")
	o.ImageSigner, o.Policy = k, pol
	_, diags, err := build.Build(context.Background(), o, f.load().Set, f.lock())
	if err == nil && diags.HasErrors() {
		err = diags
	}
	return o.Out, k, err
}

// TestSignedImagesAndAttestations: with an image signer, the image gets cosign's signature
// and attestations under cosign's tags, and out/sbom the DSSE files, every one verifying
// with the key's public half and stating the image's digest.
func TestSignedImagesAndAttestations(t *testing.T) {
	out, k, err := signedBuild(t, nil)
	if err != nil {
		t.Fatal(err)
	}
	pub := k.Public()
	l := oci.LayoutDir(filepath.Join(out, outdir.OCI))
	idx, err := l.Index()
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]v1.Descriptor{}
	for _, d := range idx.Manifests {
		tags[d.Annotations[outdir.AnnotationTag]] = d
	}
	image := tags["1.0"].Digest
	sig, att := tags[cosign.SignatureTag(image)], tags[cosign.AttestationTag(image)]
	if sig.Digest.Hex == "" || att.Digest.Hex == "" {
		t.Fatalf("index.json lacks %s or %s: %v", cosign.SignatureTag(image), cosign.AttestationTag(image), tags)
	}
	read := func(d v1.Descriptor) []cosign.Signed {
		raw, err := l.Blob(d.Digest)
		if err != nil {
			t.Fatal(err)
		}
		s, err := cosign.ReadSignatures(raw, l.Blob)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	s := read(sig)
	if len(s) != 1 || pub.Verify(s[0].Payload, s[0].Signature) != nil {
		t.Fatalf("the image's signature does not verify: %+v", s)
	}
	p, err := cosign.ParseSimpleSigningPayload(s[0].Payload)
	if err != nil || p.Digest != image {
		t.Errorf("the signature is of %+v (%v), want image %s", p, err, image)
	}
	var types []string
	for _, a := range read(att) {
		types = append(types, a.PredicateType)
		checkStatement(t, a.PredicateType, a.Payload, pub, image.Hex)
	}
	want := []string{build.SPDXPredicateType, sbom.ProvenanceType, sbom.ProvenanceV02Type}
	if diff := cmp.Diff(want, types); diff != "" {
		t.Errorf("attestations (-want +got):\n%s", diff)
	}
	for _, f := range []string{"base" + build.SPDXAttestationSuffix, "base" + build.ProvenanceAttestationSuffix} {
		env, err := os.ReadFile(filepath.Join(out, outdir.SBOM, f))
		if err != nil {
			t.Fatal(err)
		}
		checkStatement(t, f, env, pub, image.Hex)
	}
	got, err := os.ReadFile(filepath.Join(out, outdir.SBOM, build.PublicKeyFile))
	if err != nil || string(got) != string(pub.PEM()) {
		t.Errorf("out/sbom/%s is not the key's public half (%v)", build.PublicKeyFile, err)
	}
}

// checkStatement opens a DSSE envelope with pub and checks that its statement names the
// image among its subjects, beside the tarball.
func checkStatement(t *testing.T, what string, env []byte, pub *cosign.PublicKey, image string) {
	t.Helper()
	typ, body, err := cosign.OpenEnvelope(env, pub)
	if err != nil || typ != cosign.PayloadTypeInToto {
		t.Fatalf("%s: %v (payload type %q)", what, err, typ)
	}
	var st struct {
		Subject []struct {
			Name   string
			Digest map[string]string
		}
	}
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatal(err)
	}
	var names []string
	found := false
	for _, s := range st.Subject {
		names = append(names, s.Name)
		found = found || s.Digest["sha256"] == image
	}
	if !found || !strings.Contains(strings.Join(names, " "), "tarballs/mediawiki-base-1.0.tar.gz") {
		t.Errorf("%s: subjects %v lack the image %s or the tarball", what, names, image)
	}
}

// TestPolicyRefusesBeforeWriting: a rule the graph breaks refuses before anything is
// built, one only the artifacts break (an image's size) after they are made; neither
// writes out/, and each names its rule.
func TestPolicyRefusesBeforeWriting(t *testing.T) {
	for _, c := range []struct{ name, src, rule string }{
		{"members", "edition \"base\" {\n  forbid = [\"Beta\"]\n}\n", "edition \"base\".forbid"},
		{"image size", "images {\n  max_size = \"1KB\"\n}\n", "images.max_size"},
	} {
		t.Run(c.name, func(t *testing.T) {
			pol, diags := policy.Parse([]byte(c.src), "policy.hcl")
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			out, _, err := signedBuild(t, pol)
			if err == nil || !strings.Contains(err.Error(), "policy.hcl:2,") || !strings.Contains(err.Error(), c.rule+": ") {
				t.Errorf("build: %v, want a violation of %s at policy.hcl:2", err, c.rule)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("out/ was written despite the violation (%v)", err)
			}
		})
	}
}
