package cosign

import (
	"encoding/json"
	"errors"
	"fmt"
)

// replayFile is how verify hands an original build's signatures to its rebuild: the
// public key and each signed message with its signature.
type replayFile struct {
	PublicKey  string     `json:"publicKey"`
	Signatures []Recorded `json:"signatures"`
}

// EncodeReplay writes a replay signer's record, for ReadReplay in another process.
func EncodeReplay(pub *PublicKey, recorded []Recorded) ([]byte, error) {
	return json.Marshal(replayFile{PublicKey: string(pub.PEM()), Signatures: recorded})
}

// ReadReplay reads what EncodeReplay wrote, as a replay signer.
func ReadReplay(b []byte) (Signer, error) {
	var f replayFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("reading the recorded signatures: %w", err)
	}
	pub, err := LoadPublicKey([]byte(f.PublicKey))
	if err != nil {
		return nil, err
	}
	return NewReplaySigner(pub, f.Signatures), nil
}

// EnvelopeRecorded is what a DSSE envelope's signatures sign, for a replay signer.
func EnvelopeRecorded(env []byte) ([]Recorded, error) {
	e, err := ParseEnvelope(env)
	if err != nil {
		return nil, err
	}
	var out []Recorded
	for _, sig := range e.Signatures {
		out = append(out, Recorded{Message: e.PAE(), Signature: sig})
	}
	return out, nil
}

// SignedRecorded is what the layers of a signature or attestation image sign.
func SignedRecorded(signed []Signed) ([]Recorded, error) {
	var out []Recorded
	for _, s := range signed {
		switch s.MediaType {
		case MediaTypeSimpleSigning:
			out = append(out, Recorded{Message: s.Payload, Signature: s.Signature})
		case MediaTypeDSSE:
			r, err := EnvelopeRecorded(s.Payload)
			if err != nil {
				return nil, err
			}
			out = append(out, r...)
		default:
			return nil, errors.New("media type " + s.MediaType + " signs nothing a replay knows")
		}
	}
	return out, nil
}
