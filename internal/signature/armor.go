package signature

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"

	"github.com/ProtonMail/go-crypto/openpgp/armor"
)

// armorLineLength is how many base64 characters each armored line holds, as gpg writes them.
const armorLineLength = 64

// armorBlock is body as one ASCII-armored block of type blockType ("PGP SIGNATURE"), laid
// out as gpg writes it: no headers, base64 in lines of 64, the CRC-24 checksum line, the
// tail, and a final newline.
//
// Every armored file mwedition writes goes through here, not through go-crypto's encoders,
// for two reasons. go-crypto leaves the checksum out of cleartext signatures (RFC 9580
// makes it optional), and GnuPG 2.2 (Debian 12's gpg and gpgv) then misreads the armor's
// tail whenever the signature's length is a multiple of 3, so that the base64 ends without
// '=' padding: it takes "-----END" for data ("invalid radix64 character 2D skipped") and
// exits 2 although the signature is good. And the bytes of a published signature must not
// change when go-crypto changes its defaults (its v2 API already drops the checksum).
func armorBlock(blockType string, body []byte) []byte {
	var b bytes.Buffer
	b.WriteString("-----BEGIN " + blockType + "-----\n\n")
	enc := base64.StdEncoding.EncodeToString(body)
	for len(enc) > armorLineLength {
		b.WriteString(enc[:armorLineLength] + "\n")
		enc = enc[armorLineLength:]
	}
	b.WriteString(enc + "\n")
	c := crc24(body)
	b.WriteString("=" + base64.StdEncoding.EncodeToString([]byte{byte(c >> 16), byte(c >> 8), byte(c)}) + "\n")
	b.WriteString("-----END " + blockType + "-----\n")
	return b.Bytes()
}

// crc24 is the armor checksum of RFC 4880 section 6.1.
func crc24(b []byte) uint32 {
	const (
		crc24Init = 0xb704ce
		crc24Poly = 0x1864cfb
	)
	c := uint32(crc24Init)
	for _, x := range b {
		c ^= uint32(x) << 16
		for range 8 {
			c <<= 1
			if c&0x1000000 != 0 {
				c ^= crc24Poly
			}
		}
	}
	return c & 0xffffff
}

// sigBlockStart opens the signature block of a cleartext-signed message. The signed text
// cannot hold it: a line of the text that starts with '-' is dash-escaped ("- -----BEGIN").
const sigBlockStart = "\n-----BEGIN PGP SIGNATURE-----\n"

// rearmorCleartext replaces the armored signature block of the cleartext-signed message
// msg with armorBlock's: the same signature packets, now with the checksum line. The signed
// text before it is kept byte for byte.
func rearmorCleartext(msg []byte) ([]byte, error) {
	i := bytes.Index(msg, []byte(sigBlockStart))
	if i < 0 {
		return nil, errors.New("the cleartext signature has no signature block")
	}
	block, err := armor.Decode(bytes.NewReader(msg[i+1:]))
	if err != nil {
		return nil, fmt.Errorf("reading back the cleartext signature's block: %w", err)
	}
	raw, err := io.ReadAll(block.Body)
	if err != nil {
		return nil, fmt.Errorf("reading back the cleartext signature's block: %w", err)
	}
	if block.Type != "PGP SIGNATURE" || len(raw) == 0 {
		return nil, fmt.Errorf("the cleartext signature's block is %q of %d bytes", block.Type, len(raw))
	}
	out := append(bytes.Clone(msg[:i+1]), armorBlock("PGP SIGNATURE", raw)...)
	return out, nil
}
