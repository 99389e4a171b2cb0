package cosign

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The media types and annotations of cosign's signature and attestation images
// (cosign's pkg/types and cmd/cosign/cli/attest).
const (
	MediaTypeSimpleSigning = "application/vnd.dev.cosign.simplesigning.v1+json"
	MediaTypeDSSE          = "application/vnd.dsse.envelope.v1+json"
	AnnotationSignature    = "dev.cosignproject.cosign/signature"
	AnnotationPredicate    = "predicateType"
)

// SignatureTag is the tag cosign keeps an image's signatures under: sha256-<hex>.sig.
func SignatureTag(h v1.Hash) string { return h.Algorithm + "-" + h.Hex + ".sig" }

// AttestationTag is the tag of an image's attestations: sha256-<hex>.att.
func AttestationTag(h v1.Hash) string { return h.Algorithm + "-" + h.Hex + ".att" }

// Blob is one blob of an Artifact with its descriptor.
type Blob struct {
	Descriptor v1.Descriptor
	Data       []byte
}

// Artifact is a signature or attestation image: an OCI image manifest, its config and its
// layers, each blob uncompressed (so a layer's digest is its diff ID).
type Artifact struct {
	Manifest Blob // Descriptor.MediaType is the OCI image manifest type
	Config   Blob
	Layers   []Blob
}

// Attestation is one signed in-toto statement for AttestationImage.
type Attestation struct {
	PredicateType string
	Envelope      []byte // DSSE JSON
}

// SignatureImage returns the image cosign stores at SignatureTag: one layer, the payload,
// with its base64 signature as an annotation.
func SignatureImage(payload, sig []byte) (Artifact, error) {
	if len(sig) == 0 {
		return Artifact{}, errors.New("signature image: empty signature")
	}
	return newArtifact([]Blob{layer(MediaTypeSimpleSigning, payload, map[string]string{
		AnnotationSignature: base64.StdEncoding.EncodeToString(sig),
	})})
}

// AttestationImage returns the image cosign stores at AttestationTag: a layer per
// envelope, in the order given, annotated with its predicate type and, as cosign writes
// it, an empty signature annotation (the signature is inside the envelope).
func AttestationImage(atts []Attestation) (Artifact, error) {
	if len(atts) == 0 {
		return Artifact{}, errors.New("attestation image: no attestations")
	}
	var layers []Blob
	for _, a := range atts {
		if a.PredicateType == "" {
			return Artifact{}, errors.New("attestation image: an attestation without a predicate type")
		}
		layers = append(layers, layer(MediaTypeDSSE, a.Envelope, map[string]string{
			AnnotationPredicate: a.PredicateType,
			AnnotationSignature: "",
		}))
	}
	return newArtifact(layers)
}

func layer(mediaType string, data []byte, annotations map[string]string) Blob {
	d := descriptor(types.MediaType(mediaType), data)
	d.Annotations = annotations
	return Blob{Descriptor: d, Data: data}
}

func descriptor(mt types.MediaType, data []byte) v1.Descriptor {
	h, _, _ := v1.SHA256(bytes.NewReader(data)) // reading a bytes.Reader does not fail
	return v1.Descriptor{MediaType: mt, Size: int64(len(data)), Digest: h}
}

// imageConfig is the smallest config image tools accept: no timestamps, no history, the
// layers' diff IDs.
type imageConfig struct {
	Architecture string `json:"architecture"`
	OS           string `json:"os"`
	RootFS       struct {
		Type    string    `json:"type"`
		DiffIDs []v1.Hash `json:"diff_ids"`
	} `json:"rootfs"`
}

type manifest struct {
	SchemaVersion int             `json:"schemaVersion"`
	MediaType     types.MediaType `json:"mediaType"`
	Config        v1.Descriptor   `json:"config"`
	Layers        []v1.Descriptor `json:"layers"`
}

func newArtifact(layers []Blob) (Artifact, error) {
	var cfg imageConfig
	cfg.RootFS.Type = "layers"
	m := manifest{SchemaVersion: 2, MediaType: types.OCIManifestSchema1}
	for _, l := range layers {
		cfg.RootFS.DiffIDs = append(cfg.RootFS.DiffIDs, l.Descriptor.Digest)
		m.Layers = append(m.Layers, l.Descriptor)
	}
	cfgBytes, err := json.Marshal(cfg)
	if err != nil {
		return Artifact{}, fmt.Errorf("encoding the image config: %w", err)
	}
	m.Config = descriptor(types.OCIConfigJSON, cfgBytes)
	mBytes, err := json.Marshal(m)
	if err != nil {
		return Artifact{}, fmt.Errorf("encoding the image manifest: %w", err)
	}
	return Artifact{
		Manifest: Blob{Descriptor: descriptor(types.OCIManifestSchema1, mBytes), Data: mBytes},
		Config:   Blob{Descriptor: m.Config, Data: cfgBytes},
		Layers:   layers,
	}, nil
}

// Signed is one layer of a signature or attestation image read back. For a signature
// layer, Payload is the simple signing payload and Signature its signature; for an
// attestation layer, Payload is the DSSE envelope, PredicateType its annotation, and
// Signature is empty (Envelope parsed from Payload holds the signatures).
type Signed struct {
	MediaType     string
	Payload       []byte
	Signature     []byte
	PredicateType string
}

// ReadSignatures reads the layers of a .sig or .att image manifest, fetching each blob
// with blob, which must return the blob whose digest it is given; the digest is checked.
func ReadSignatures(manifestBytes []byte, blob func(v1.Hash) ([]byte, error)) ([]Signed, error) {
	m, err := v1.ParseManifest(bytes.NewReader(manifestBytes))
	if err != nil {
		return nil, fmt.Errorf("reading the signature manifest: %w", err)
	}
	var out []Signed
	for i, l := range m.Layers {
		s, err := readLayer(l, blob)
		if err != nil {
			return nil, fmt.Errorf("signature manifest layer %d (%s): %w", i, l.Digest, err)
		}
		out = append(out, s)
	}
	return out, nil
}

func readLayer(l v1.Descriptor, blob func(v1.Hash) ([]byte, error)) (Signed, error) {
	mt := string(l.MediaType)
	if mt != MediaTypeSimpleSigning && mt != MediaTypeDSSE {
		return Signed{}, fmt.Errorf("media type %q is neither a cosign signature nor an attestation", mt)
	}
	data, err := blob(l.Digest)
	if err != nil {
		return Signed{}, err
	}
	if got := descriptor(l.MediaType, data).Digest; got != l.Digest || int64(len(data)) != l.Size {
		return Signed{}, fmt.Errorf("the blob read has digest %s and size %d, not the manifest's", got, len(data))
	}
	s := Signed{MediaType: mt, Payload: data, PredicateType: l.Annotations[AnnotationPredicate]}
	if mt == MediaTypeSimpleSigning {
		s.Signature, err = base64.StdEncoding.DecodeString(strings.TrimSpace(l.Annotations[AnnotationSignature]))
		if err != nil || len(s.Signature) == 0 {
			return Signed{}, fmt.Errorf("no valid %s annotation", AnnotationSignature)
		}
	}
	return s, nil
}
