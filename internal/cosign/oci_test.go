package cosign

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// imageDigest is a made-up image manifest digest the golden artifacts are about.
var imageDigest = v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("0123456789abcdef", 4)}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-golden +got):\n%s", name, diff)
	}
}

func sampleArtifacts(t *testing.T) (sig, att Artifact) {
	k := mustPrivateKey(t, "pkcs8.key", "")
	payload, err := SimpleSigningPayload("registry.example/mw/edition", imageDigest, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := k.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	sig, err = SignatureImage(payload, s)
	if err != nil {
		t.Fatal(err)
	}
	var atts []Attestation
	for _, pt := range []string{"https://slsa.dev/provenance/v1", "https://spdx.dev/Document"} {
		st, err := Statement([]Subject{{Name: "registry.example/mw/edition", SHA256: imageDigest.Hex}}, pt, json.RawMessage(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		env, err := SignEnvelope(k, PayloadTypeInToto, st)
		if err != nil {
			t.Fatal(err)
		}
		atts = append(atts, Attestation{PredicateType: pt, Envelope: env})
	}
	att, err = AttestationImage(atts)
	if err != nil {
		t.Fatal(err)
	}
	return sig, att
}

func TestArtifactsGolden(t *testing.T) {
	sig, att := sampleArtifacts(t)
	for name, a := range map[string]Artifact{"sig": sig, "att": att} {
		golden(t, name+".manifest.json", a.Manifest.Data)
		golden(t, name+".config.json", a.Config.Data)
		for i, l := range a.Layers {
			golden(t, fmt.Sprintf("%s.layer%d.json", name, i), l.Data)
		}
	}
	if got, want := SignatureTag(imageDigest), "sha256-"+imageDigest.Hex+".sig"; got != want {
		t.Errorf("SignatureTag = %s, want %s", got, want)
	}
	if got, want := AttestationTag(imageDigest), "sha256-"+imageDigest.Hex+".att"; got != want {
		t.Errorf("AttestationTag = %s, want %s", got, want)
	}
}

func blobsOf(a Artifact) func(v1.Hash) ([]byte, error) {
	return func(h v1.Hash) ([]byte, error) {
		for _, l := range a.Layers {
			if l.Descriptor.Digest == h {
				return l.Data, nil
			}
		}
		return nil, errors.New("no such blob")
	}
}

func TestReadSignatures(t *testing.T) {
	sig, att := sampleArtifacts(t)
	k := mustPrivateKey(t, "pkcs8.key", "")
	got, err := ReadSignatures(sig.Manifest.Data, blobsOf(sig))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].MediaType != MediaTypeSimpleSigning || k.Public().Verify(got[0].Payload, got[0].Signature) != nil {
		t.Fatalf("signature read back: %+v", got)
	}
	p, err := ParseSimpleSigningPayload(got[0].Payload)
	if err != nil || p.Digest != imageDigest || p.DockerReference != "registry.example/mw/edition" {
		t.Errorf("payload read back: %+v, %v", p, err)
	}
	got, err = ReadSignatures(att.Manifest.Data, blobsOf(att))
	if err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, s := range got {
		if _, _, err := OpenEnvelope(s.Payload, k.Public()); err != nil {
			t.Error(err)
		}
		types = append(types, s.PredicateType)
	}
	if diff := cmp.Diff([]string{"https://slsa.dev/provenance/v1", "https://spdx.dev/Document"}, types); diff != "" {
		t.Errorf("predicate types (-want +got):\n%s", diff)
	}
	wrongBlob := func(v1.Hash) ([]byte, error) { return []byte("other"), nil }
	if _, err := ReadSignatures(sig.Manifest.Data, wrongBlob); err == nil || !strings.Contains(err.Error(), "not the manifest's") {
		t.Errorf("a blob with the wrong digest: %v", err)
	}
	if _, err := ReadSignatures([]byte("{"), wrongBlob); err == nil {
		t.Error("a broken manifest was read")
	}
}

func TestSimpleSigningPayload(t *testing.T) {
	tests := []struct {
		ref         string
		annotations map[string]string
		want        string
		wantErr     string
	}{
		{ref: "registry.example/mw/edition", want: `{"critical":{"identity":{"docker-reference":"registry.example/mw/edition"},"image":{"docker-manifest-digest":"sha256:` + imageDigest.Hex + `"},"type":"cosign container image signature"},"optional":null}`},
		{ref: "127.0.0.1:5000/x:1.39", annotations: map[string]string{"z": "1", "a": "2"}, want: `{"critical":{"identity":{"docker-reference":"127.0.0.1:5000/x:1.39"},"image":{"docker-manifest-digest":"sha256:` + imageDigest.Hex + `"},"type":"cosign container image signature"},"optional":{"a":"2","z":"1"}}`},
		{ref: "", wantErr: "docker reference"},
		{ref: "Not A Ref", wantErr: "docker reference"},
	}
	for _, tt := range tests {
		got, err := SimpleSigningPayload(tt.ref, imageDigest, tt.annotations)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%q: error %v, want %q", tt.ref, err, tt.wantErr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, string(got)); diff != "" {
			t.Errorf("%q (-want +got):\n%s", tt.ref, diff)
		}
	}
}
