package build

import (
	"encoding/json"
	"fmt"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/cosign"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
)

// Suffixes of the signed attestations in SBOMDir, and the name of the public key that
// verifies them (and the images' signatures).
const (
	SPDXAttestationSuffix       = ".spdx.dsse.json"
	ProvenanceAttestationSuffix = ".provenance.dsse.json"
	PublicKeyFile               = "cosign.pub"
)

// signedReference prefixes the repository an image signature names: a reserved,
// unresolvable host (RFC 2606), since the build signs before any registry is chosen.
const signedReference = "mwedition.invalid/"

// AnnotationVersion is the edition's version in an image signature's annotations, which
// `cosign verify -a io.mwedition.version=...` checks.
const AnnotationVersion = "io.mwedition.version"

// SPDXPredicateType is the predicate type of an SPDX document in an in-toto statement:
// what `cosign verify-attestation --type spdxjson` asks for.
const SPDXPredicateType = "https://spdx.dev/Document"

// attest signs an edition's documents as in-toto attestations, whose subjects are the
// provenance's (every artifact of the edition, the image by its digest): written to
// out/sbom as DSSE envelopes, and, when the edition has an image, signed and attached to
// it the way cosign does, by tag. The signatures are deterministic (RFC 6979), so this
// action caches and a rebuild can be compared byte for byte.
func (o Options) attest(docs *Documents, e resolve.Edition, image []v1.Descriptor, spdx, prov []byte) error {
	s := o.ImageSigner
	var st struct {
		Subject []struct {
			Name   string            `json:"name"`
			Digest map[string]string `json:"digest"`
		} `json:"subject"`
	}
	if err := json.Unmarshal(prov, &st); err != nil {
		return fmt.Errorf("reading the provenance of %s: %w", e.Name, err)
	}
	var subjects []cosign.Subject
	for _, sub := range st.Subject {
		subjects = append(subjects, cosign.Subject{Name: sub.Name, SHA256: sub.Digest["sha256"]})
	}
	spdxStatement, err := cosign.Statement(subjects, SPDXPredicateType, spdx)
	if err != nil {
		return fmt.Errorf("the SBOM statement of %s: %w", e.Name, err)
	}
	prov02, err := sbom.ProvenanceV02(prov)
	if err != nil {
		return fmt.Errorf("edition %s: %w", e.Name, err)
	}
	atts := []cosign.Attestation{}
	for _, a := range []struct {
		predicate string
		statement []byte
		file      string
	}{
		{SPDXPredicateType, spdxStatement, e.Name + SPDXAttestationSuffix},
		{sbom.ProvenanceType, prov, e.Name + ProvenanceAttestationSuffix},
		{sbom.ProvenanceV02Type, prov02, ""},
	} {
		env, err := cosign.SignEnvelope(s, cosign.PayloadTypeInToto, a.statement)
		if err != nil {
			return fmt.Errorf("signing the %s attestation of %s: %w", a.predicate, e.Name, err)
		}
		atts = append(atts, cosign.Attestation{PredicateType: a.predicate, Envelope: env})
		if a.file == "" {
			continue
		}
		if docs.Files[a.file], err = o.store().PutBytes(env); err != nil {
			return err
		}
	}
	if docs.Files[PublicKeyFile], err = o.store().PutBytes(s.Public().PEM()); err != nil {
		return err
	}
	if len(image) == 0 {
		return nil
	}
	return o.signImage(docs, e, image[0], atts)
}

// signImage makes the image's cosign signature and attestations, tagged as cosign names
// them (sha256-<digest>.sig and .att), so that publish pushes them with the image and
// `cosign verify` finds them.
func (o Options) signImage(docs *Documents, e resolve.Edition, image v1.Descriptor, atts []cosign.Attestation) error {
	// The repository is publish's choice, unknown here; cosign verify checks the digest
	// and annotations (-a), never the reference, so it names none that exists.
	payload, err := cosign.SimpleSigningPayload(signedReference+e.Name, image.Digest, map[string]string{
		outdir.AnnotationEdition: e.Name, AnnotationVersion: e.Version,
	})
	if err != nil {
		return err
	}
	sig, err := o.ImageSigner.Sign(payload)
	if err != nil {
		return fmt.Errorf("signing the image of %s: %w", e.Name, err)
	}
	sigImage, err := cosign.SignatureImage(payload, sig)
	if err != nil {
		return err
	}
	attImage, err := cosign.AttestationImage(atts)
	if err != nil {
		return err
	}
	for _, a := range []struct {
		art cosign.Artifact
		tag string
	}{{sigImage, cosign.SignatureTag(image.Digest)}, {attImage, cosign.AttestationTag(image.Digest)}} {
		d, err := o.storeArtifact(a.art)
		if err != nil {
			return fmt.Errorf("storing the %s of %s: %w", a.tag, e.Name, err)
		}
		d.Annotations = map[string]string{
			"org.opencontainers.image.ref.name": e.Name + "-" + a.tag,
			outdir.AnnotationEdition:            e.Name,
			outdir.AnnotationTag:                a.tag,
		}
		docs.Tagged = append(docs.Tagged, d)
	}
	return nil
}

// storeArtifact puts a cosign artifact's blobs and manifest into the store.
func (o Options) storeArtifact(a cosign.Artifact) (v1.Descriptor, error) {
	blobs := [][]byte{a.Config.Data}
	for _, l := range a.Layers {
		blobs = append(blobs, l.Data)
	}
	return oci.PutManifest(o.store(), a.Manifest.Descriptor, a.Manifest.Data, blobs)
}
