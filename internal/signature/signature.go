// Package signature is mwedition's OpenPGP: it checks detached signatures on upstream
// release files against a pinned keyring, such as the MediaWiki release keys (Keyring,
// VerifyDetached), and signs what a build publishes with the release manager's key
// (Signer: RPM headers, tarballs, SHA256SUMS, repository metadata), deterministically.
//
// It is a thin layer over github.com/ProtonMail/go-crypto/openpgp that reads
// multi-block armored keyrings and turns the library's errors into a few
// distinct, explainable failures.
package signature

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Sentinel errors for errors.Is. Returned errors also wrap go-crypto's own
// error as the underlying cause.
var (
	ErrUnknownKey   = errors.New("signed by a key that is not in the keyring")
	ErrBadSignature = errors.New("bad signature (data or signature altered)")
	ErrMalformed    = errors.New("malformed signature")
	ErrKeyExpired   = errors.New("signing key has expired")
	ErrKeyRevoked   = errors.New("signing key has been revoked")
	ErrSigExpired   = errors.New("signature has expired")
)

// Keyring is a set of trusted public keys.
type Keyring struct {
	entities openpgp.EntityList
}

// maxKeyringSize bounds how much ReadKeyring reads; real keyrings are tens
// of kilobytes.
const maxKeyringSize = 16 << 20

const armorBegin = "-----BEGIN "

// ReadKeyring reads public keys, armored or binary. An armored file may hold
// several armored blocks one after another, as the MediaWiki release keys
// file does; all of them are read. A keyring with no keys is an error.
func ReadKeyring(r io.Reader) (Keyring, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxKeyringSize+1))
	if err != nil {
		return Keyring{}, fmt.Errorf("reading keyring: %w", err)
	}
	if len(data) > maxKeyringSize {
		return Keyring{}, fmt.Errorf("reading keyring: larger than %d bytes", maxKeyringSize)
	}

	var el openpgp.EntityList
	// Binary OpenPGP data always starts with a packet tag, which has the high
	// bit set; armored text (possibly after a comment) never does.
	if len(data) == 0 || data[0]&0x80 == 0 {
		el, err = readArmoredBlocks(data)
	} else {
		el, err = openpgp.ReadKeyRing(bytes.NewReader(data))
		if err != nil {
			err = fmt.Errorf("reading binary keyring: %w", err)
		}
	}
	if err != nil {
		return Keyring{}, err
	}
	if len(el) == 0 {
		return Keyring{}, errors.New("reading keyring: no public keys found")
	}
	return Keyring{entities: el}, nil
}

// readArmoredBlocks decodes every armored block in data.
//
// openpgp.ReadArmoredKeyRing stops after the first block, and armor.Decode
// may read past the end of its block, so the input is cut at each
// "-----BEGIN " line and each piece is decoded on its own.
func readArmoredBlocks(data []byte) (openpgp.EntityList, error) {
	var el openpgp.EntityList
	for n := 1; ; n++ {
		start := bytes.Index(data, []byte(armorBegin))
		if start < 0 {
			return el, nil
		}
		data = data[start:]
		next := bytes.Index(data[len(armorBegin):], []byte(armorBegin))
		chunk := data
		if next >= 0 {
			chunk, data = data[:len(armorBegin)+next], data[len(armorBegin)+next:]
		} else {
			data = nil
		}

		block, err := armor.Decode(bytes.NewReader(chunk))
		if errors.Is(err, io.EOF) {
			// A stray "-----BEGIN " that does not start a block.
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("reading armored block %d of keyring: %w", n, err)
		}
		if block.Type != openpgp.PublicKeyType {
			return nil, fmt.Errorf("reading armored block %d of keyring: got %q, want %q", n, block.Type, openpgp.PublicKeyType)
		}
		keys, err := openpgp.ReadKeyRing(block.Body)
		if err != nil {
			return nil, fmt.Errorf("reading armored block %d of keyring: %w", n, err)
		}
		el = append(el, keys...)
	}
}

// Fingerprints returns the primary key fingerprints, upper-case hex, sorted.
func (k Keyring) Fingerprints() []string {
	fps := make([]string, 0, len(k.entities))
	for _, e := range k.entities {
		fps = append(fps, fingerprint(e))
	}
	slices.Sort(fps)
	return fps
}

func fingerprint(e *openpgp.Entity) string {
	return strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))
}

const armoredSigPrefix = "-----BEGIN PGP SIGNATURE-----"

// VerifyDetached checks sig, armored or binary, over data and returns the
// signer's primary key fingerprint (upper-case hex). now is the time at which
// key and signature expiry are judged.
//
// SHA-1 data signatures are accepted: MediaWiki's release signatures are DSA
// with SHA-1 and the keys cannot be changed retroactively.
func VerifyDetached(k Keyring, data io.Reader, sig []byte, now time.Time) (string, error) {
	raw := sig
	if bytes.HasPrefix(bytes.TrimLeft(sig, " \t\r\n"), []byte(armoredSigPrefix)) {
		block, err := armor.Decode(bytes.NewReader(sig))
		if err != nil {
			return "", fmt.Errorf("%w: decoding armor: %w", ErrMalformed, err)
		}
		if block.Type != openpgp.SignatureType {
			return "", fmt.Errorf("%w: armored block is %q, want %q", ErrMalformed, block.Type, openpgp.SignatureType)
		}
		raw, err = io.ReadAll(block.Body)
		if err != nil {
			return "", fmt.Errorf("%w: decoding armor: %w", ErrMalformed, err)
		}
	}

	issuers, err := parseSignatures(raw)
	if err != nil {
		return "", err
	}

	cfg := &packet.Config{Time: func() time.Time { return now }}
	signer, err := openpgp.CheckDetachedSignature(k.entities, data, bytes.NewReader(raw), cfg)
	if err != nil {
		return "", classify(err, issuers)
	}
	return fingerprint(signer), nil
}

// parseSignatures checks that raw is a sequence of signature packets and
// returns their issuer key IDs. Doing this first means garbage is reported
// as malformed rather than as an unknown signer, and that the issuer can be
// named when no key matches.
func parseSignatures(raw []byte) ([]uint64, error) {
	var issuers []uint64
	pr := packet.NewReader(bytes.NewReader(raw))
	for {
		p, err := pr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
		}
		s, ok := p.(*packet.Signature)
		if !ok {
			return nil, fmt.Errorf("%w: unexpected %T packet", ErrMalformed, p)
		}
		if s.IssuerKeyId != nil {
			issuers = append(issuers, *s.IssuerKeyId)
		}
	}
	if len(issuers) == 0 {
		return nil, fmt.Errorf("%w: no signature packet with an issuer key ID", ErrMalformed)
	}
	return issuers, nil
}

func classify(err error, issuers []uint64) error {
	var sigErr pgperrors.SignatureError
	var argErr pgperrors.InvalidArgumentError
	var structErr pgperrors.StructuralError
	var unsupErr pgperrors.UnsupportedError
	switch {
	case errors.Is(err, pgperrors.ErrUnknownIssuer):
		ids := make([]string, len(issuers))
		for i, id := range issuers {
			ids[i] = fmt.Sprintf("%016X", id)
		}
		return fmt.Errorf("%w (issuer key ID %s): %w", ErrUnknownKey, strings.Join(ids, ", "), err)
	case errors.Is(err, pgperrors.ErrKeyExpired):
		return fmt.Errorf("%w: %w", ErrKeyExpired, err)
	case errors.Is(err, pgperrors.ErrKeyRevoked):
		return fmt.Errorf("%w: %w", ErrKeyRevoked, err)
	case errors.Is(err, pgperrors.ErrSignatureExpired):
		return fmt.Errorf("%w: %w", ErrSigExpired, err)
	// InvalidArgumentError here means the issuer's key cannot have made
	// this signature (e.g. different algorithm): as bad as a failed check.
	case errors.As(err, &sigErr), errors.As(err, &argErr):
		return fmt.Errorf("%w: %w", ErrBadSignature, err)
	case errors.As(err, &structErr), errors.As(err, &unsupErr):
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return fmt.Errorf("verifying signature: %w", err)
}
