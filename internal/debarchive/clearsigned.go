package debarchive

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/mwedition/mwedition/internal/signature"
)

const clearsignStart = "-----BEGIN PGP SIGNED MESSAGE-----"

// verifyClearsigned checks the cleartext-signed message msg against k and returns the signed
// text (line endings as LF) and the fingerprint of the key that verified it.
//
// Debian signs InRelease with several keys at once (the release's "automatic" archive key
// and its stable release key), and a keyring may hold only some of them: the message is
// accepted when any one signature by a key in k verifies. go-crypto would check only the
// first signature whose issuer it knows, so each signature packet is checked on its own.
//
// Only the signed text is returned: anything before the "BEGIN PGP SIGNED MESSAGE" line or
// after the signature block is refused rather than ignored, so no unsigned byte can reach
// the parser.
func verifyClearsigned(k signature.Keyring, msg []byte, now time.Time) ([]byte, string, error) {
	block, rest := clearsign.Decode(msg)
	if block == nil {
		return nil, "", fmt.Errorf("%w: not a cleartext-signed message", signature.ErrMalformed)
	}
	if head := bytes.TrimLeft(msg, " \t\r\n"); !bytes.HasPrefix(head, []byte(clearsignStart+"\n")) && !bytes.HasPrefix(head, []byte(clearsignStart+"\r\n")) {
		return nil, "", fmt.Errorf("%w: text before the signed message", signature.ErrMalformed)
	}
	if len(bytes.TrimSpace(rest)) > 0 {
		return nil, "", fmt.Errorf("%w: text after the signature block", signature.ErrMalformed)
	}
	raw, err := io.ReadAll(block.ArmoredSignature.Body)
	if err != nil {
		return nil, "", fmt.Errorf("%w: decoding the signature block: %w", signature.ErrMalformed, err)
	}
	sigs, err := splitPackets(raw)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %w", signature.ErrMalformed, err)
	}
	var errs []error
	for _, sig := range sigs {
		if err := strongHash(sig); err != nil {
			errs = append(errs, err)
			continue
		}
		fp, err := signature.VerifyDetached(k, bytes.NewReader(block.Bytes), sig, now)
		if err == nil {
			return block.Plaintext, fp, nil
		}
		errs = append(errs, err)
	}
	return nil, "", pickError(errs)
}

// strongHash refuses a signature over an MD5 or SHA-1 digest. signature.VerifyDetached
// accepts SHA-1 for MediaWiki's old DSA release keys; Debian's archive has signed with
// SHA-256 or better for years, so here a SHA-1 signature could only be a forgery's way in.
func strongHash(sig []byte) error {
	p, err := packet.Read(bytes.NewReader(sig))
	if err != nil {
		return fmt.Errorf("%w: %w", signature.ErrMalformed, err)
	}
	s, ok := p.(*packet.Signature)
	if !ok {
		return fmt.Errorf("%w: unexpected %T packet", signature.ErrMalformed, p)
	}
	if s.Hash == crypto.SHA1 || s.Hash == crypto.MD5 {
		return fmt.Errorf("%w: signature uses the weak digest %v", signature.ErrBadSignature, s.Hash)
	}
	return nil
}

// pickError chooses which of the failed signatures to report: one by a known key that did
// not verify says more than "unknown key", which is the normal fate of the others.
func pickError(errs []error) error {
	if len(errs) == 0 {
		return fmt.Errorf("%w: no signature packets", signature.ErrMalformed)
	}
	for _, err := range errs {
		if !errors.Is(err, signature.ErrUnknownKey) {
			return err
		}
	}
	// One line, as a command prints it; the first error stays reachable for errors.Is.
	msgs := make([]string, len(errs)-1)
	for i, err := range errs[1:] {
		msgs[i] = err.Error()
	}
	if len(msgs) == 0 {
		return errs[0]
	}
	return fmt.Errorf("%w; %s", errs[0], strings.Join(msgs, "; "))
}

// splitPackets cuts raw, a sequence of OpenPGP packets, into the packets' own bytes
// (RFC 9580 section 4.2: old and new packet headers; partial lengths are refused, as a
// signature packet never uses them).
func splitPackets(raw []byte) ([][]byte, error) {
	var out [][]byte
	for off := 0; off < len(raw); {
		hdr, body, err := packetLength(raw[off:])
		if err != nil {
			return nil, fmt.Errorf("packet at byte %d: %w", off, err)
		}
		end := off + hdr + body
		if body < 0 || end > len(raw) || end < off {
			return nil, fmt.Errorf("packet at byte %d: runs past the end of the signature block", off)
		}
		out = append(out, raw[off:end])
		off = end
	}
	if len(out) == 0 {
		return nil, errors.New("empty signature block")
	}
	return out, nil
}

// packetLength reads the header at the start of p and returns the header's length and the
// body's.
func packetLength(p []byte) (hdr, body int, err error) {
	if p[0]&0x80 == 0 {
		return 0, 0, errors.New("not a packet header")
	}
	if p[0]&0x40 == 0 { // old format: the length type is in the tag byte
		n := []int{1, 2, 4, 0}[p[0]&3]
		if n == 0 {
			return 0, 0, errors.New("indeterminate packet length")
		}
		if len(p) < 1+n {
			return 0, 0, errors.New("truncated header")
		}
		l := 0
		for _, b := range p[1 : 1+n] {
			l = l<<8 | int(b)
		}
		return 1 + n, l, nil
	}
	if len(p) < 2 {
		return 0, 0, errors.New("truncated header")
	}
	switch b := int(p[1]); {
	case b < 192:
		return 2, b, nil
	case b < 224:
		if len(p) < 3 {
			return 0, 0, errors.New("truncated header")
		}
		return 3, (b-192)<<8 + int(p[2]) + 192, nil
	case b == 255:
		if len(p) < 6 {
			return 0, 0, errors.New("truncated header")
		}
		l := int(p[2])<<24 | int(p[3])<<16 | int(p[4])<<8 | int(p[5])
		return 6, l, nil
	}
	return 0, 0, errors.New("partial body length in a signature")
}
