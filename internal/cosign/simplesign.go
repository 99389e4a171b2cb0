package cosign

import (
	"encoding/json"
	"fmt"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// simpleSigningType is the critical.type cosign writes and requires.
const simpleSigningType = "cosign container image signature"

// The payload's structs, in the field order cosign's (sigstore's payload package) marshal
// gives: the signed bytes depend on it.
type simpleSigning struct {
	Critical struct {
		Identity struct {
			DockerReference string `json:"docker-reference"`
		} `json:"identity"`
		Image struct {
			DockerManifestDigest string `json:"docker-manifest-digest"`
		} `json:"image"`
		Type string `json:"type"`
	} `json:"critical"`
	Optional map[string]string `json:"optional"`
}

// SimpleSigningPayload returns the payload `cosign sign` signs for an image: the image's
// manifest digest, the repository it was signed as (dockerReference, e.g.
// "registry.example/ns/img"), and annotations (`cosign sign -a`), which `optional` holds,
// null when there are none. The bytes are Go's json.Marshal output, as cosign's.
func SimpleSigningPayload(dockerReference string, digest v1.Hash, annotations map[string]string) ([]byte, error) {
	if digest.Algorithm != "sha256" || len(digest.Hex) != 64 {
		return nil, fmt.Errorf("signing payload: the image digest %q is not a sha256 digest", digest)
	}
	// cosign reads the payload back by parsing reference@digest: refuse what it would reject.
	if _, err := name.NewDigest(dockerReference+"@"+digest.String(), name.StrictValidation); err != nil {
		return nil, fmt.Errorf("signing payload: docker reference %q: %w", dockerReference, err)
	}
	var p simpleSigning
	p.Critical.Identity.DockerReference = dockerReference
	p.Critical.Image.DockerManifestDigest = digest.String()
	p.Critical.Type = simpleSigningType
	if len(annotations) > 0 {
		p.Optional = annotations
	}
	return json.Marshal(p)
}

// SimplePayload is what a simple signing payload claims.
type SimplePayload struct {
	DockerReference string
	Digest          v1.Hash
	Annotations     map[string]string
}

// ParseSimpleSigningPayload reads a payload SimpleSigningPayload (or cosign) wrote.
func ParseSimpleSigningPayload(payload []byte) (SimplePayload, error) {
	var p simpleSigning
	if err := json.Unmarshal(payload, &p); err != nil {
		return SimplePayload{}, fmt.Errorf("reading the signed payload: %w", err)
	}
	if p.Critical.Type != simpleSigningType {
		return SimplePayload{}, fmt.Errorf("reading the signed payload: its type is %q, not %q", p.Critical.Type, simpleSigningType)
	}
	h, err := v1.NewHash(p.Critical.Image.DockerManifestDigest)
	if err != nil {
		return SimplePayload{}, fmt.Errorf("reading the signed payload: the image digest: %w", err)
	}
	return SimplePayload{DockerReference: p.Critical.Identity.DockerReference, Digest: h, Annotations: p.Optional}, nil
}
