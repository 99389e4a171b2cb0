//go:build e2e

package tests

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
)

// The image-signing acceptance tests: sigstore's own cosign CLI (the version `make deps`
// pins) makes the release manager's key pair, and verifies what `build --cosign-key` signed
// and `publish --registry` pushed to Debian's docker-registry, key-based and offline (no
// transparency log, no certificate authority). It must also refuse what was not signed with
// that key: another key, a tag moved onto other bytes, a tampered attestation.

// cosignBin is the cosign CLI: $COSIGN (make e2e sets it), else the one `make deps`
// installed into out/tools.
func cosignBin(t *testing.T) string {
	t.Helper()
	c := os.Getenv("COSIGN")
	if c == "" {
		found, _ := filepath.Glob("../out/tools/cosign-*/cosign")
		if len(found) == 0 {
			t.Fatal("cosign is not installed: run `make deps` (it builds the pinned cosign into out/tools), or set COSIGN to a cosign binary")
		}
		c, _ = filepath.Abs(found[len(found)-1])
	}
	if _, err := os.Stat(c); err != nil {
		t.Fatalf("cosign is not installed (%v): run `make deps`", err)
	}
	return c
}

// runCosign runs cosign with a HOME of its own (it keeps sigstore's trust root there) and
// extra environment entries.
func runCosign(t *testing.T, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(cosignBin(t), args...)
	cmd.Env = append(os.Environ(), append([]string{"HOME=" + t.TempDir()}, env...)...)
	return runCmd(t, cmd)
}

// generateKeyPair makes cosign.key (encrypted with pass) and cosign.pub in dir the way a
// release manager does, with `cosign generate-key-pair`.
func generateKeyPair(t *testing.T, dir, pass string) (key, pub string) {
	t.Helper()
	cmd := exec.Command(cosignBin(t), "generate-key-pair")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir(), "COSIGN_PASSWORD="+pass)
	r := runCmd(t, cmd)
	key, pub = filepath.Join(dir, "cosign.key"), filepath.Join(dir, "cosign.pub")
	if r.code != 0 || !strings.Contains(r.stdout+r.stderr, "Private key written to cosign.key") {
		t.Fatalf("cosign generate-key-pair exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	return key, pub
}

// pemBody is the DER bytes of the one PEM block of a file.
func pemBody(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	blk, _ := pem.Decode(b)
	if blk == nil {
		t.Fatalf("%s holds no PEM block:\n%s", path, b)
	}
	return blk.Bytes
}

// cosignTag is the tag cosign stores an image's signatures (.sig) or attestations (.att)
// under, next to the image.
var cosignTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})\.(sig|att)$`)

// signedImages splits what out/oci publishes ("edition:tag" -> digest) into the editions'
// tags and the digests cosign's tags were made for ("edition@digest" -> "sig", "att").
func signedImages(refs map[string]string) (images map[string]string, signed map[string][]string) {
	images, signed = map[string]string{}, map[string][]string{}
	for ref, d := range refs {
		ed, tag, _ := strings.Cut(ref, ":")
		if m := cosignTag.FindStringSubmatch(tag); m != nil {
			k := ed + "@sha256:" + m[1]
			signed[k] = append(signed[k], m[2])
			slices.Sort(signed[k])
			continue
		}
		images[ref] = d
	}
	return images, signed
}

// attestationTypes are verify-attestation's --type values for the attestations each image
// carries, and the predicate type each one selects.
var attestationTypes = []struct{ flag, predicate string }{
	{"slsaprovenance", "https://slsa.dev/provenance/v0.2"},
	{"slsaprovenance1", "https://slsa.dev/provenance/v1"},
	{"spdxjson", "https://spdx.dev/Document"},
}

// buildSigned builds the shipped editions' images as realLayout does (on the scratch base,
// from the corpus cache), signed with key, and returns the output directory.
func buildSigned(t *testing.T, key, pass string) string {
	t.Helper()
	out := t.TempDir()
	cmd := exec.Command(bin(t), "-C", project(t), "--cache", corpusCache(t), "--offline", "-q", "build",
		"--format", "image", "--image-base", "scratch", "--cosign-key", key, "--out", out)
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD="+pass)
	if r := runCmd(t, cmd); r.code != 0 {
		t.Fatalf("build --cosign-key exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	return out
}

func TestImageSignaturesVerifyWithCosign(t *testing.T) {
	t.Parallel()
	const pass = "Release-Manager-Passphrase"
	key, pub := generateKeyPair(t, t.TempDir(), pass)
	_, otherPub := generateKeyPair(t, t.TempDir(), "Another-Passphrase")
	out := buildSigned(t, key, pass)
	if !bytes.Equal(pemBody(t, filepath.Join(out, "sbom", "cosign.pub")), pemBody(t, pub)) {
		t.Errorf("out/sbom/cosign.pub is not the public half of %s", key)
	}

	want, _ := layoutRefs(t, out)
	images, signed := signedImages(want)
	for ref, d := range images {
		ed, _, _ := strings.Cut(ref, ":")
		if got := signed[ed+"@"+d]; !slices.Equal(got, []string{"att", "sig"}) {
			t.Errorf("out/oci/index.json: %s (%s) has cosign tags %v, want .att and .sig", ref, d, got)
		}
	}
	reg := startRegistry(t, "")
	r := publish(t, out, "--json", "--registry", reg.host+"/mediawiki")
	if r.code != 0 {
		t.Fatalf("publish exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	pushed := tagged(t, r.stdout)
	for ref, d := range want {
		if pushed[ref] != d {
			t.Errorf("publish --json: %s is %q, the layout has %s", ref, pushed[ref], d)
		}
	}

	attested := map[string]bool{}
	for _, ref := range sortedKeys(images) {
		d := images[ref]
		img := reg.host + "/mediawiki/" + ref
		checkCosignVerify(t, img, d, pub, otherPub)
		if !attested[d] { // once per image, whichever of its tags
			attested[d] = true
			for _, at := range attestationTypes {
				checkAttestation(t, img, d, pub, at.flag, at.predicate)
			}
		}
	}
	t.Logf("cosign verified %d tags of %d images with the release key, and %d attestation types of each", len(images), len(attested), len(attestationTypes))
	core, kb, ent := "core:"+shippedEditionVersion, "knowledge-base:"+shippedEditionVersion, "enterprise:"+shippedEditionVersion
	checkBlobAttestations(t, out, "core", images[core], pub)

	// Now the attacks, each on an edition of its own: core's tag moved onto
	// knowledge-base's image, enterprise's attestations altered.
	checkRetagRefused(t, reg.host+"/mediawiki", core, images[core], kb, images[kb], pub)
	checkTamperedAttestationRefused(t, reg.host+"/mediawiki/"+ent, images[ent], pub)
}

// cosignVerify runs `cosign verify` offline, with a public key, against the test's
// plain-HTTP registry.
func cosignVerify(t *testing.T, pub, ref string) result {
	t.Helper()
	return runCosign(t, nil, "verify", "--key", pub, "--insecure-ignore-tlog=true", "--allow-insecure-registry", ref)
}

// checkCosignVerify: cosign verifies ref's signature with the release key, and the signed
// payload names the digest publish pushed; with another key it refuses.
func checkCosignVerify(t *testing.T, ref, digest, pub, otherPub string) {
	t.Helper()
	r := cosignVerify(t, pub, ref)
	if r.code != 0 {
		t.Errorf("cosign verify --key cosign.pub %s exited %d:\n%s%s", ref, r.code, r.stdout, r.stderr)
		return
	}
	var payloads []struct {
		Critical struct {
			Image struct {
				Digest string `json:"docker-manifest-digest"`
			} `json:"image"`
			Type string `json:"type"`
		} `json:"critical"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &payloads); err != nil || len(payloads) == 0 {
		t.Errorf("cosign verify %s printed no signed payload (%v):\n%s", ref, err, r.stdout)
	}
	for _, p := range payloads {
		if p.Critical.Image.Digest != digest || p.Critical.Type != "cosign container image signature" {
			t.Errorf("cosign verify %s: a signature of %s (%q), want the pushed %s", ref, p.Critical.Image.Digest, p.Critical.Type, digest)
		}
	}
	if !strings.Contains(r.stderr, "The signatures were verified against the specified public key") {
		t.Errorf("cosign verify %s does not say it checked the key:\n%s", ref, r.stderr)
	}
	r = cosignVerify(t, otherPub, ref)
	if r.code == 0 || !strings.Contains(r.stderr, "no matching signatures") {
		t.Errorf("cosign verify with another key's cosign.pub %s: exit %d, want a refusal:\n%s%s", ref, r.code, r.stdout, r.stderr)
	}
	// The signature names its edition: -a holds it to that one.
	edition := path.Base(ref[:strings.LastIndex(ref, ":")])
	for _, c := range []struct {
		edition string
		ok      bool
	}{{edition, true}, {"nonesuch", false}} {
		r = runCosign(t, nil, "verify", "--key", pub, "--insecure-ignore-tlog=true", "--allow-insecure-registry",
			"-a", "io.mwedition.edition="+c.edition, ref)
		if (r.code == 0) != c.ok || (!c.ok && !strings.Contains(r.stderr, "missing or incorrect annotation")) {
			t.Errorf("cosign verify -a io.mwedition.edition=%s %s: exit %d, want success %v:\n%s", c.edition, ref, r.code, c.ok, r.stderr)
		}
	}
}

// verifyAttestation runs `cosign verify-attestation` offline for one predicate type.
func verifyAttestation(t *testing.T, pub, ref, typ string) result {
	t.Helper()
	return runCosign(t, nil, "verify-attestation", "--key", pub, "--insecure-ignore-tlog=true",
		"--allow-insecure-registry", "--type", typ, ref)
}

// checkAttestation: cosign verifies the attestation of one type attached to ref, and the
// statement it prints is of that predicate type, about the pushed image.
func checkAttestation(t *testing.T, ref, digest, pub, typ, predicate string) {
	t.Helper()
	r := verifyAttestation(t, pub, ref, typ)
	if r.code != 0 {
		t.Errorf("cosign verify-attestation --type %s %s exited %d:\n%s%s", typ, ref, r.code, r.stdout, r.stderr)
		return
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	for _, line := range lines {
		st := statementOf(t, []byte(line))
		if st.PredicateType != predicate {
			t.Errorf("cosign verify-attestation --type %s %s: predicate type %q, want %q", typ, ref, st.PredicateType, predicate)
		}
		if !st.about(digest) {
			t.Errorf("cosign verify-attestation --type %s %s: no subject is the image %s: %+v", typ, ref, digest, st.Subject)
		}
	}
}

// statement is the part of an in-toto statement the tests read.
type statement struct {
	Type          string `json:"_type"`
	PredicateType string `json:"predicateType"`
	Subject       []struct {
		Name   string            `json:"name"`
		Digest map[string]string `json:"digest"`
	} `json:"subject"`
}

func (s statement) about(digest string) bool {
	h, err := v1.NewHash(digest)
	if err != nil {
		return false
	}
	for _, sub := range s.Subject {
		if sub.Digest[h.Algorithm] == h.Hex {
			return true
		}
	}
	return false
}

// statementOf decodes a DSSE envelope's in-toto statement.
func statementOf(t *testing.T, envelope []byte) statement {
	t.Helper()
	var env struct {
		PayloadType string `json:"payloadType"`
		Payload     string `json:"payload"`
	}
	if err := json.Unmarshal(envelope, &env); err != nil {
		t.Fatalf("not a DSSE envelope (%v): %s", err, envelope)
	}
	body, err := base64.StdEncoding.DecodeString(env.Payload)
	if err != nil || env.PayloadType != "application/vnd.in-toto+json" {
		t.Fatalf("DSSE envelope of type %q, payload %v", env.PayloadType, err)
	}
	var st statement
	if err := json.Unmarshal(body, &st); err != nil {
		t.Fatalf("the envelope's payload is not an in-toto statement: %v\n%s", err, body)
	}
	return st
}

// checkBlobAttestations: the edition's DSSE files in out/sbom verify with
// `cosign verify-blob-attestation` against its image manifest (out/oci's blob of that
// digest: the image is one of the statements' subjects), and not against other bytes.
// Tarballs and packages are subjects the same way; the test builds images only, whose
// actions the registry tests share, as a cold tarball build would cost CI a minute.
func checkBlobAttestations(t *testing.T, out, edition, digest, pub string) {
	t.Helper()
	blob := filepath.Join(out, "oci", "blobs", "sha256", hexOf(t, digest))
	b, err := os.ReadFile(blob)
	if err != nil {
		t.Fatal(err)
	}
	// The same manifest with one byte more: no statement names it.
	changed := filepath.Join(t.TempDir(), "manifest.json")
	if err := os.WriteFile(changed, append(b, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []struct{ file, typ, predicate string }{
		{edition + ".provenance.dsse.json", "slsaprovenance1", "https://slsa.dev/provenance/v1"},
		{edition + ".spdx.dsse.json", "spdxjson", "https://spdx.dev/Document"},
	} {
		env := filepath.Join(out, "sbom", doc.file)
		envBytes, err := os.ReadFile(env)
		if err != nil {
			t.Fatalf("build --cosign-key wrote no %s: %v", doc.file, err)
		}
		if st := statementOf(t, envBytes); st.PredicateType != doc.predicate || !st.about(digest) {
			t.Errorf("sbom/%s: a %q statement about %v, want a %q one whose subjects hold the image %s",
				doc.file, st.PredicateType, st.Subject, doc.predicate, digest)
		}
		verify := func(file string) result {
			return runCosign(t, nil, "verify-blob-attestation", "--key", pub, "--insecure-ignore-tlog=true",
				"--type", doc.typ, "--signature", env, file)
		}
		if r := verify(blob); r.code != 0 || !strings.Contains(r.stderr, "Verified OK") {
			t.Errorf("cosign verify-blob-attestation --type %s --signature sbom/%s oci/blobs/%s: exit %d\n%s%s",
				doc.typ, doc.file, digest, r.code, r.stdout, r.stderr)
		}
		if r := verify(changed); r.code == 0 || !strings.Contains(r.stderr, "no matching subject digest found") {
			t.Errorf("cosign verify-blob-attestation of a changed manifest against sbom/%s: exit %d, want a refusal\n%s%s",
				doc.file, r.code, r.stdout, r.stderr)
		}
	}
}

// checkRetagRefused moves the tag victim of repository prefix/<edition> onto the image
// other (another edition's bytes): cosign then finds no signature for what the tag names,
// and a copy of the victim's own signature put beside the new digest does not name it.
func checkRetagRefused(t *testing.T, prefix, victim, victimDigest, other, otherDigest, pub string) {
	t.Helper()
	vEd, vTag, _ := strings.Cut(victim, ":")
	oEd, _, _ := strings.Cut(other, ":")
	repo := mustRepo(t, prefix+"/"+vEd)
	desc, err := remote.Get(mustRepo(t, prefix+"/"+oEd).Digest(otherDigest))
	if err != nil {
		t.Fatal(err)
	}
	img, err := desc.Image()
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(repo.Tag(vTag), img); err != nil {
		t.Fatalf("pushing %s's image as %s: %v", other, victim, err)
	}
	if got := remoteDigest(t, prefix+"/"+victim); got != otherDigest {
		t.Fatalf("%s names %s after the re-tag, want %s", victim, got, otherDigest)
	}
	r := cosignVerify(t, pub, prefix+"/"+victim)
	if r.code == 0 || !strings.Contains(r.stderr, "no signatures found") {
		t.Errorf("cosign verify of %s re-tagged onto %s's bytes: exit %d, want a refusal:\n%s%s", victim, other, r.code, r.stdout, r.stderr)
	}

	// The attacker copies the victim's valid signature to the new digest's .sig tag.
	sig, err := remote.Get(repo.Tag("sha256-" + hexOf(t, victimDigest) + ".sig"))
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(repo.Tag("sha256-"+hexOf(t, otherDigest)+".sig"), sig); err != nil {
		t.Fatal(err)
	}
	r = cosignVerify(t, pub, prefix+"/"+victim)
	if r.code == 0 || !strings.Contains(r.stderr, "invalid or missing digest in claim") {
		t.Errorf("cosign verify of %s re-tagged, with the original signature beside it: exit %d, want a refusal:\n%s%s", victim, r.code, r.stdout, r.stderr)
	}
}

// checkTamperedAttestationRefused replaces the .att manifest of image digest in ref's
// repository by one whose statements each differ by one byte, signatures kept: cosign
// refuses every attestation type, while the image's signature still verifies.
func checkTamperedAttestationRefused(t *testing.T, ref, digest, pub string) {
	t.Helper()
	parsed, err := name.ParseReference(ref, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	repo := parsed.Context()
	tag := repo.Tag("sha256-" + hexOf(t, digest) + ".att")
	tampered := tamperAttestations(t, tag)
	if got := remoteDigest(t, tag.String()); got != tampered {
		t.Fatalf("%s names %s after the tampering, want %s", tag, got, tampered)
	}
	for _, at := range attestationTypes {
		r := verifyAttestation(t, pub, ref, at.flag)
		if r.code == 0 || !strings.Contains(r.stderr, "no matching attestations") {
			t.Errorf("cosign verify-attestation --type %s of a tampered attestation: exit %d, want a refusal:\n%s%s", at.flag, r.code, r.stdout, r.stderr)
		}
	}
	if r := cosignVerify(t, pub, ref); r.code != 0 {
		t.Errorf("cosign verify %s after its attestations were tampered with: exit %d\n%s", ref, r.code, r.stderr)
	}
}

// tamperAttestations pushes, under tag, a copy of its image whose layers' DSSE envelopes
// each carry a statement with one digit changed (still valid JSON) and the original
// signatures, and returns the new manifest's digest.
func tamperAttestations(t *testing.T, tag name.Tag) string {
	t.Helper()
	img, err := remote.Image(tag)
	if err != nil {
		t.Fatalf("reading %s: %v", tag, err)
	}
	m, err := img.Manifest()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil || len(layers) != len(attestationTypes) {
		t.Fatalf("%s: %v, %d layers, want one per attestation type", tag, err, len(layers))
	}
	var adds []mutate.Addendum
	for i, l := range layers {
		rc, err := l.Compressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		adds = append(adds, mutate.Addendum{Layer: static.NewLayer(alterStatement(t, b), m.Layers[i].MediaType), Annotations: m.Layers[i].Annotations})
	}
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, m.MediaType), m.Config.MediaType)
	out, err := mutate.Append(base, adds...)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, out); err != nil {
		t.Fatalf("pushing the tampered %s: %v", tag, err)
	}
	d, err := out.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d.String()
}

// alterStatement changes the last digit of a DSSE envelope's statement and keeps its
// signatures.
func alterStatement(t *testing.T, envelope []byte) []byte {
	t.Helper()
	var env map[string]any
	if err := json.Unmarshal(envelope, &env); err != nil {
		t.Fatalf("an attestation layer is not a DSSE envelope: %v", err)
	}
	payload, _ := env["payload"].(string)
	body, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		t.Fatalf("the envelope's payload: %v", err)
	}
	i := bytes.LastIndexFunc(body, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		t.Fatalf("the statement has no digit to change: %s", body)
	}
	body[i] = '0' + (body[i]-'0'+1)%10
	env["payload"] = base64.StdEncoding.EncodeToString(body)
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustRepo(t *testing.T, s string) name.Repository {
	t.Helper()
	r, err := name.NewRepository(s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func hexOf(t *testing.T, digest string) string {
	t.Helper()
	h, err := v1.NewHash(digest)
	if err != nil {
		t.Fatal(err)
	}
	return h.Hex
}

// TestCosignKeyBadInput: a key build cannot sign with is refused before anything is
// written, with an error naming the key file and what is wrong with it, and never
// repeating the passphrase.
func TestCosignKeyBadInput(t *testing.T) {
	t.Parallel()
	const pass = "Release-Manager-Passphrase"
	key, pub := generateKeyPair(t, t.TempDir(), pass)
	garbage := filepath.Join(t.TempDir(), "release.key")
	if err := os.WriteFile(garbage, []byte("not a key\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir, cache := project(t), corpusCache(t)
	for _, tc := range []struct {
		name string
		key  string
		env  []string // COSIGN_PASSWORD is unset unless given here
		says []string
	}{
		{"encrypted key without its passphrase", key, nil, []string{key, "passphrase", "COSIGN_PASSWORD"}},
		{"wrong passphrase", key, []string{"COSIGN_PASSWORD=Wrong-" + pass}, []string{key, "wrong passphrase"}},
		{"public key", pub, []string{"COSIGN_PASSWORD=" + pass}, []string{pub, "public key"}},
		{"not a key", garbage, []string{"COSIGN_PASSWORD=" + pass}, []string{garbage}},
		{"missing key file", filepath.Join(dir, "nope.key"), []string{"COSIGN_PASSWORD=" + pass}, []string{filepath.Join(dir, "nope.key")}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "out")
			cmd := exec.Command(bin(t), "-C", dir, "--cache", cache, "--offline", "build",
				"--format", "image", "--image-base", "scratch", "--cosign-key", tc.key, "--out", out)
			cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool {
				return strings.HasPrefix(kv, "COSIGN_PASSWORD=")
			}), tc.env...)
			r := runCmd(t, cmd)
			if r.code != 1 {
				t.Errorf("exit %d, want 1:\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, s := range tc.says {
				if !strings.Contains(r.stderr, s) {
					t.Errorf("the error does not say %q:\n%s", s, r.stderr)
				}
			}
			if strings.Contains(r.stdout+r.stderr, pass) {
				t.Errorf("the output repeats the passphrase:\n%s%s", r.stdout, r.stderr)
			}
			if _, err := os.Stat(out); !os.IsNotExist(err) {
				t.Errorf("a refused build made %s (%v)", out, err)
			}
		})
	}
}
