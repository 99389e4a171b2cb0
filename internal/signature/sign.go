package signature

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Signer signs RPM headers, tarballs and repository metadata with an OpenPGP private key. Signatures are
// SHA-256 and made as of the package's MTime (or the signing key's creation, if that is
// later: a signature cannot predate its key), without go-crypto's random salt notation, so
// that with an RSA or EdDSA key the same package signed twice gives the same bytes. A Signer
// is safe for concurrent use.
type Signer struct {
	entity *openpgp.Entity
}

// NewSigner reads one armored OpenPGP private key (gpg --export-secret-keys --armor),
// decrypting it with passphrase if it is protected. If fingerprint is not empty, the key
// must have that fingerprint (hex, spaces allowed), so that a wrong key file is refused
// instead of producing packages nobody can verify.
func NewSigner(armoredKey, passphrase []byte, fingerprint string) (*Signer, error) {
	if len(bytes.TrimSpace(armoredKey)) == 0 {
		return nil, errors.New("signing key: none given; pass the release manager's armored OpenPGP private key")
	}
	// go-crypto reads only the first armored block; a second key must not pass unnoticed.
	if n := bytes.Count(armoredKey, []byte("-----BEGIN PGP ")); n > 1 {
		return nil, fmt.Errorf("signing key: the file holds %d keys; give exactly one", n)
	}
	el, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(armoredKey))
	if err != nil {
		return nil, fmt.Errorf("signing key: not an armored OpenPGP key: %w", err)
	}
	if len(el) != 1 {
		return nil, fmt.Errorf("signing key: the file holds %d keys; give exactly one", len(el))
	}
	e := el[0]
	fpr := strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
	if want := strings.ToUpper(strings.ReplaceAll(fingerprint, " ", "")); want != "" && want != fpr {
		return nil, fmt.Errorf("signing key: the key given is %s, but packages are to be signed by %s", fpr, want)
	}
	if e.PrivateKey == nil {
		return nil, fmt.Errorf("signing key %s: this is a public key; signing needs the private key (gpg --export-secret-keys --armor)", fpr)
	}
	if encrypted(e) {
		if len(passphrase) == 0 {
			return nil, fmt.Errorf("signing key %s is protected by a passphrase, and none was given", fpr)
		}
		if err := e.DecryptPrivateKeys(passphrase); err != nil {
			return nil, fmt.Errorf("signing key %s: the passphrase does not unlock it: %w", fpr, err)
		}
	}
	s := &Signer{entity: e}
	if _, _, err := s.key(time.Unix(0, 0)); err != nil {
		return nil, err
	}
	return s, nil
}

// Fingerprint is the primary key's fingerprint in upper-case hex.
func (s *Signer) Fingerprint() string {
	return strings.ToUpper(hex.EncodeToString(s.entity.PrimaryKey.Fingerprint))
}

func encrypted(e *openpgp.Entity) bool {
	if e.PrivateKey != nil && e.PrivateKey.Encrypted {
		return true
	}
	for _, sk := range e.Subkeys {
		if sk.PrivateKey != nil && sk.PrivateKey.Encrypted {
			return true
		}
	}
	return false
}

// key finds the signing key to use for a package of time t, and the signature time: t, or
// the first later moment some signing key exists.
func (s *Signer) key(t time.Time) (openpgp.Key, time.Time, error) {
	candidates := []time.Time{t, s.entity.PrimaryKey.CreationTime}
	for _, sk := range s.entity.Subkeys {
		candidates = append(candidates, sk.PublicKey.CreationTime)
	}
	slices.SortFunc(candidates, func(a, b time.Time) int { return a.Compare(b) })
	for _, c := range candidates {
		if c.Before(t) {
			continue
		}
		// go-crypto does not refuse a time before a key's creation; this does.
		k, ok := s.entity.SigningKey(c)
		if ok && k.PrivateKey != nil && !k.PrivateKey.Dummy() &&
			!s.entity.PrimaryKey.CreationTime.After(c) && !k.PublicKey.CreationTime.After(c) {
			return k, c, nil
		}
	}
	return openpgp.Key{}, time.Time{}, fmt.Errorf("signing key %s has no usable signing key (expired, revoked, or no private signing key)", s.Fingerprint())
}

// Detach makes the binary detached OpenPGP signature of r's bytes as of t (an RPM
// header's), and says whether the key that made it is a DSA or ECDSA key, which RPM files
// under another signature tag than the others (EdDSA included).
func (s *Signer) Detach(r io.Reader, t time.Time) (sig []byte, dsa bool, err error) {
	k, cfg, err := s.config(t)
	if err != nil {
		return nil, false, err
	}
	var b bytes.Buffer
	if err := openpgp.DetachSign(&b, s.entity, r, cfg); err != nil {
		return nil, false, fmt.Errorf("signing with key %s: %w", s.Fingerprint(), err)
	}
	algo := k.PublicKey.PubKeyAlgo
	return b.Bytes(), algo == packet.PubKeyAlgoDSA || algo == packet.PubKeyAlgoECDSA, nil
}

// config chooses the key for a signature as of t and the configuration that makes the
// signature deterministic: SHA-256, the time fixed, no salt notation.
func (s *Signer) config(t time.Time) (openpgp.Key, *packet.Config, error) {
	k, at, err := s.key(t.UTC().Truncate(time.Second))
	if err != nil {
		return k, nil, err
	}
	noSalt := false
	return k, &packet.Config{
		DefaultHash:                           crypto.SHA256,
		Time:                                  func() time.Time { return at },
		SigningKeyId:                          k.PublicKey.KeyId,
		NonDeterministicSignaturesViaNotation: &noSalt,
	}, nil
}

// DetachArmored makes an armored detached signature of r's bytes as of t (apt's
// Release.gpg, dnf's repomd.xml.asc, a tarball's .asc), deterministic as the RPM signatures
// are, armored as gpg armors it (armorBlock).
func (s *Signer) DetachArmored(r io.Reader, t time.Time) ([]byte, error) {
	sig, _, err := s.Detach(r, t)
	if err != nil {
		return nil, err
	}
	return armorBlock(openpgp.SignatureType, sig), nil
}

// Clearsign wraps b in a cleartext signature as of t (apt's InRelease), deterministic as
// the RPM signatures are. go-crypto signs; its signature block is armored again as gpg
// armors it (armorBlock), checksum included, which GnuPG 2.2's gpgv needs.
func (s *Signer) Clearsign(b []byte, t time.Time) ([]byte, error) {
	k, cfg, err := s.config(t)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	w, err := clearsign.Encode(&out, k.PrivateKey, cfg)
	if err == nil {
		_, err = w.Write(b)
	}
	if err == nil {
		err = w.Close()
	}
	if err != nil {
		return nil, fmt.Errorf("signing with key %s: %w", s.Fingerprint(), err)
	}
	msg, err := rearmorCleartext(out.Bytes())
	if err != nil {
		return nil, fmt.Errorf("signing with key %s: %w", s.Fingerprint(), err)
	}
	return msg, nil
}

// ArmoredPublicKey is the public half of the key, armored (armorBlock), for users to
// verify with (apt's Signed-By, dnf's gpgkey).
func (s *Signer) ArmoredPublicKey() ([]byte, error) {
	var out bytes.Buffer
	if err := s.entity.Serialize(&out); err != nil {
		return nil, fmt.Errorf("exporting key %s: %w", s.Fingerprint(), err)
	}
	return armorBlock(openpgp.PublicKeyType, out.Bytes()), nil
}
