package cosign

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"strings"

	"github.com/secure-systems-lab/go-securesystemslib/encrypted"
)

// Errors a caller can test with errors.Is; the messages say what to do and the caller adds
// the file name.
var (
	ErrPassphraseNeeded = errors.New("the key is encrypted: give its passphrase (COSIGN_PASSWORD or --cosign-passphrase-file)")
	ErrWrongPassphrase  = errors.New("wrong passphrase for this encrypted cosign key")
	ErrPublicKey        = errors.New("this is a public key (PEM PUBLIC KEY): signing needs the private key, cosign.key from `cosign generate-key-pair`")
	ErrNotAKey          = errors.New("no PEM private key found")
	ErrUnsupportedKey   = errors.New("unsupported key")
	// ErrOpenPGPKey is ErrNotAKey with the reason: it wraps ErrNotAKey.
	ErrOpenPGPKey = fmt.Errorf("%w: an OpenPGP key: cosign verifies only its own key formats; make one with `cosign generate-key-pair` (or `cosign import-key-pair` for a PKCS#8 key)", ErrNotAKey)
)

// The PEM block types cosign writes and reads (cosign's pkg/cosign/keys.go).
const (
	pemSigstoreEncrypted = "ENCRYPTED SIGSTORE PRIVATE KEY"
	pemCosignEncrypted   = "ENCRYPTED COSIGN PRIVATE KEY"
	pemPKCS8             = "PRIVATE KEY"
	pemEC                = "EC PRIVATE KEY"
	pemPublic            = "PUBLIC KEY"
)

// PrivateKey is an ECDSA signing key on a NIST curve.
type PrivateKey struct {
	key *ecdsa.PrivateKey
	pub *PublicKey
}

// PublicKey is the verifying half, as cosign.pub holds it.
type PublicKey struct {
	key *ecdsa.PublicKey
	der []byte // PKIX
}

// Signer signs messages with a key whose public half it names. *PrivateKey is one; a
// replay signer (NewReplaySigner) is another.
type Signer interface {
	Sign(msg []byte) ([]byte, error)
	Public() *PublicKey
}

// LoadPrivateKey reads a private key in one of the PEM forms cosign uses: its encrypted
// key files (scrypt + nacl/secretbox around PKCS#8), or an unencrypted PKCS#8 or SEC 1 EC
// key. passphrase may be nil for an unencrypted key, or for an encrypted key whose
// passphrase is empty.
func LoadPrivateKey(pemBytes, passphrase []byte) (*PrivateKey, error) {
	block, err := findPEM(pemBytes)
	if err != nil {
		return nil, err
	}
	switch block.Type {
	case pemSigstoreEncrypted, pemCosignEncrypted:
		der, err := decrypt(block.Bytes, passphrase)
		if err != nil {
			return nil, err
		}
		return parsePKCS8(der)
	case pemPKCS8:
		return parsePKCS8(block.Bytes)
	case pemEC:
		k, err := x509.ParseECPrivateKey(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: reading the EC PRIVATE KEY: %w", ErrNotAKey, err)
		}
		return newPrivateKey(k)
	case pemPublic:
		return nil, ErrPublicKey
	case "ENCRYPTED PRIVATE KEY":
		return nil, fmt.Errorf("%w: an encrypted PKCS#8 key; decrypt it (openssl pkcs8) and import it with `cosign import-key-pair`", ErrUnsupportedKey)
	case "RSA PRIVATE KEY":
		return nil, fmt.Errorf("%w: an RSA key; only ECDSA keys (P-256, P-384, P-521) are supported, as `cosign generate-key-pair` makes", ErrUnsupportedKey)
	}
	return nil, fmt.Errorf("%w (the PEM block is %q)", ErrNotAKey, block.Type)
}

// findPEM returns the first PEM block, recognising an OpenPGP armored key (whose
// "-----BEGIN PGP ..." lines look like PEM) so that it gets its own message.
func findPEM(data []byte) (*pem.Block, error) {
	if bytes.Contains(data, []byte("-----BEGIN PGP ")) {
		return nil, ErrOpenPGPKey
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, ErrNotAKey
	}
	return block, nil
}

// decrypt opens cosign's encrypted key body. An empty passphrase is tried first when none
// is given, since `cosign generate-key-pair` accepts an empty password.
func decrypt(body, passphrase []byte) ([]byte, error) {
	var envelope struct {
		KDF struct {
			Name string `json:"name"`
		} `json:"kdf"`
		Cipher struct {
			Name string `json:"name"`
		} `json:"cipher"`
		Ciphertext []byte `json:"ciphertext"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil {
		return nil, fmt.Errorf("%w: the encrypted key's body is not cosign's JSON: %w", ErrNotAKey, err)
	}
	der, err := encrypted.Decrypt(body, passphrase)
	if err == nil {
		return der, nil
	}
	// The library reports a failed secretbox open with this text only; every other error
	// is about the file's parameters.
	if !strings.Contains(err.Error(), "decryption failed") {
		return nil, fmt.Errorf("%w: the encrypted key: %w", ErrUnsupportedKey, err)
	}
	if len(passphrase) == 0 {
		return nil, ErrPassphraseNeeded
	}
	return nil, ErrWrongPassphrase
}

func parsePKCS8(der []byte) (*PrivateKey, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("%w: reading the PKCS#8 key: %w", ErrNotAKey, err)
	}
	ec, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("%w: a %T; only ECDSA keys (P-256, P-384, P-521) are supported, as `cosign generate-key-pair` makes", ErrUnsupportedKey, k)
	}
	return newPrivateKey(ec)
}

func newPrivateKey(k *ecdsa.PrivateKey) (*PrivateKey, error) {
	pub, err := newPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{key: k, pub: pub}, nil
}

func newPublicKey(k *ecdsa.PublicKey) (*PublicKey, error) {
	switch k.Curve {
	case elliptic.P256(), elliptic.P384(), elliptic.P521():
	default:
		return nil, fmt.Errorf("%w: an ECDSA key on curve %s; only P-256, P-384 and P-521 are supported", ErrUnsupportedKey, k.Curve.Params().Name)
	}
	der, err := x509.MarshalPKIXPublicKey(k)
	if err != nil {
		return nil, fmt.Errorf("encoding the public key: %w", err)
	}
	return &PublicKey{key: k, der: der}, nil
}

// Sign returns the ASN.1 ECDSA signature of SHA-256(msg), what cosign's verifier checks for
// every curve. The nonce comes from RFC 6979, so the signature is a function of key and
// message.
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	sig, err := k.key.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing: %w", err)
	}
	return sig, nil
}

// Public returns the key's public half.
func (k *PrivateKey) Public() *PublicKey { return k.pub }

// LoadPublicKey reads a PKIX "PUBLIC KEY" PEM block, as cosign.pub holds.
func LoadPublicKey(pemBytes []byte) (*PublicKey, error) {
	block, err := findPEM(pemBytes)
	if err != nil {
		if errors.Is(err, ErrOpenPGPKey) {
			return nil, err
		}
		return nil, errors.New("no PEM public key found: give cosign.pub from `cosign generate-key-pair` (or `cosign public-key`)")
	}
	if block.Type != pemPublic {
		if strings.Contains(block.Type, "PRIVATE KEY") {
			return nil, fmt.Errorf("this is a private key (PEM %s): give the public key, cosign.pub (`cosign public-key --key` prints it)", block.Type)
		}
		return nil, fmt.Errorf("%w (the PEM block is %q, not PUBLIC KEY)", ErrNotAKey, block.Type)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("reading the PUBLIC KEY: %w", err)
	}
	ec, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("%w: a %T public key; only ECDSA keys are supported", ErrUnsupportedKey, k)
	}
	return newPublicKey(ec)
}

// PEM returns the key as `cosign public-key` prints it.
func (p *PublicKey) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: pemPublic, Bytes: p.der})
}

// ID returns the key's fingerprint: the hex SHA-256 of its PKIX encoding.
func (p *PublicKey) ID() string {
	sum := sha256.Sum256(p.der)
	return hex.EncodeToString(sum[:])
}

// Equal reports whether two public keys are the same key.
func (p *PublicKey) Equal(q *PublicKey) bool { return q != nil && bytes.Equal(p.der, q.der) }

// Verify checks an ASN.1 ECDSA signature of SHA-256(msg).
func (p *PublicKey) Verify(msg, sig []byte) error {
	digest := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(p.key, digest[:], sig) {
		return fmt.Errorf("the signature does not verify with key %s", p.ID())
	}
	return nil
}
