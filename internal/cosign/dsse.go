package cosign

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// PayloadTypeInToto is the DSSE payload type of an in-toto Statement, the only one cosign's
// verify-attestation accepts.
const PayloadTypeInToto = "application/vnd.in-toto+json"

// PAE is DSSE's pre-authentication encoding, the bytes a DSSE signature covers:
// "DSSEv1" SP len(type) SP type SP len(body) SP body, lengths in decimal.
func PAE(payloadType string, body []byte) []byte {
	b := make([]byte, 0, len("DSSEv1")+len(payloadType)+len(body)+24)
	b = append(b, "DSSEv1 "...)
	b = strconv.AppendInt(b, int64(len(payloadType)), 10)
	b = append(b, ' ')
	b = append(b, payloadType...)
	b = append(b, ' ')
	b = strconv.AppendInt(b, int64(len(body)), 10)
	b = append(b, ' ')
	return append(b, body...)
}

// envelope is the DSSE JSON envelope. []byte fields marshal as standard base64, which is
// what DSSE and cosign write; the field order is the one cosign's envelopes have.
type envelope struct {
	PayloadType string         `json:"payloadType"`
	Payload     []byte         `json:"payload"`
	Signatures  []envSignature `json:"signatures"`
}

type envSignature struct {
	// KeyID stays empty, as cosign's own envelopes have it: a verifier then tries its key
	// instead of skipping a signature whose key ID it computes differently.
	KeyID string `json:"keyid"`
	Sig   []byte `json:"sig"`
}

// SignEnvelope signs body as payloadType and returns the DSSE envelope, one signature.
func SignEnvelope(s Signer, payloadType string, body []byte) ([]byte, error) {
	sig, err := s.Sign(PAE(payloadType, body))
	if err != nil {
		return nil, fmt.Errorf("signing the DSSE envelope: %w", err)
	}
	return json.Marshal(envelope{PayloadType: payloadType, Payload: body, Signatures: []envSignature{{Sig: sig}}})
}

// Envelope is a parsed DSSE envelope, its signatures not checked.
type Envelope struct {
	PayloadType string
	Body        []byte
	Signatures  [][]byte
}

// PAE returns the bytes the envelope's signatures cover.
func (e Envelope) PAE() []byte { return PAE(e.PayloadType, e.Body) }

// ParseEnvelope reads a DSSE envelope without verifying it.
func ParseEnvelope(env []byte) (Envelope, error) {
	var e envelope
	if err := json.Unmarshal(env, &e); err != nil {
		return Envelope{}, fmt.Errorf("reading the DSSE envelope: %w", err)
	}
	if e.PayloadType == "" {
		return Envelope{}, errors.New("reading the DSSE envelope: it has no payloadType")
	}
	if len(e.Signatures) == 0 {
		return Envelope{}, errors.New("reading the DSSE envelope: it has no signatures")
	}
	out := Envelope{PayloadType: e.PayloadType, Body: e.Payload}
	for _, s := range e.Signatures {
		out.Signatures = append(out.Signatures, s.Sig)
	}
	return out, nil
}

// OpenEnvelope reads a DSSE envelope and returns its payload type and body if one of its
// signatures verifies with pub.
func OpenEnvelope(env []byte, pub *PublicKey) (payloadType string, body []byte, err error) {
	e, err := ParseEnvelope(env)
	if err != nil {
		return "", nil, err
	}
	pae := e.PAE()
	for _, sig := range e.Signatures {
		if pub.Verify(pae, sig) == nil {
			return e.PayloadType, e.Body, nil
		}
	}
	return "", nil, fmt.Errorf("the DSSE envelope has no signature by key %s", pub.ID())
}

// Subject is an artifact an in-toto Statement is about.
type Subject struct {
	Name   string
	SHA256 string // hex
}

type statement struct {
	Type          string          `json:"_type"`
	Subject       []subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`
}

type subject struct {
	Name   string            `json:"name"`
	Digest map[string]string `json:"digest"`
}

// StatementType is the _type of an in-toto Statement v1.
const StatementType = "https://in-toto.io/Statement/v1"

// Statement returns an in-toto Statement v1 about subjects, in their given order, with the
// predicate compacted: the same arguments give the same bytes.
func Statement(subjects []Subject, predicateType string, predicate json.RawMessage) ([]byte, error) {
	if len(subjects) == 0 {
		return nil, errors.New("in-toto statement: no subjects")
	}
	if predicateType == "" {
		return nil, errors.New("in-toto statement: no predicate type")
	}
	st := statement{Type: StatementType, PredicateType: predicateType, Predicate: predicate}
	for _, s := range subjects {
		if _, err := hex.DecodeString(s.SHA256); err != nil || len(s.SHA256) != 64 {
			return nil, fmt.Errorf("in-toto statement: subject %q: %q is not a hex sha256", s.Name, s.SHA256)
		}
		st.Subject = append(st.Subject, subject{Name: s.Name, Digest: map[string]string{"sha256": s.SHA256}})
	}
	b, err := json.Marshal(st)
	if err != nil {
		return nil, fmt.Errorf("in-toto statement with predicate %s: %w", predicateType, err)
	}
	return b, nil
}
