package cosign

import (
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrNotRecorded is what a replay signer returns for a message it holds no signature of.
var ErrNotRecorded = errors.New("no signature of this payload in the original output")

// Recorded is one message and the signature an earlier build made of it.
type Recorded struct {
	Message   []byte
	Signature []byte
}

type replaySigner struct {
	pub  *PublicKey
	sigs map[[sha256.Size]byte][][]byte
}

// NewReplaySigner returns a Signer without a private key: asked to sign a message, it
// returns a signature recorded for exactly that message, after checking it with pub. Since
// signing is deterministic, a rebuild that signs through it reproduces the original output
// byte for byte exactly when every signed payload is the same.
func NewReplaySigner(pub *PublicKey, recorded []Recorded) Signer {
	s := &replaySigner{pub: pub, sigs: map[[sha256.Size]byte][][]byte{}}
	for _, r := range recorded {
		h := sha256.Sum256(r.Message)
		s.sigs[h] = append(s.sigs[h], r.Signature)
	}
	return s
}

func (s *replaySigner) Public() *PublicKey { return s.pub }

// Sign returns the first recorded signature of msg that verifies; a recorded signature that
// does not verify is an error rather than skipped, since it means the original output was
// altered.
func (s *replaySigner) Sign(msg []byte) ([]byte, error) {
	sigs := s.sigs[sha256.Sum256(msg)]
	if len(sigs) == 0 {
		return nil, ErrNotRecorded
	}
	var errs []error
	for _, sig := range sigs {
		err := s.pub.Verify(msg, sig)
		if err == nil {
			return sig, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("the original output's signature of this payload is not valid: %w", errors.Join(errs...))
}
