package debarchive

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

const (
	packagesHash = "4d2f6b1e0a0c5f1f0c9ab2b8f9b1f1f0d8f6a7b4c3e2d1f0a9b8c7d6e5f4a3b2"
	releaseText  = `Origin: Debian
Label: Debian
Suite: stable
Version: 12.8
Codename: bookworm
Date: Sat, 09 Nov 2024 10:05:34 UTC
Valid-Until: Sat, 16 Nov 2024 10:05:34 UTC
Acquire-By-Hash: yes
Architectures: all amd64 arm64
Components: main contrib
Description: Debian 12.8 Released 09 November 2024
MD5Sum:
 0ed6d4c8891eb86358b94bb35d9e4da4  1484322 contrib/Contents-all
SHA256:
 ` + packagesHash + ` 45000123 main/binary-amd64/Packages
 0000000000000000000000000000000000000000000000000000000000000001  8800456 main/binary-amd64/Packages.xz
`
)

var (
	signedAt  = time.Date(2024, 11, 9, 10, 5, 34, 0, time.UTC)
	beforeEnd = time.Date(2024, 11, 12, 0, 0, 0, 0, time.UTC)
)

func wantRelease(signer string) Release {
	return Release{
		Origin: "Debian", Label: "Debian", Suite: "stable", Version: "12.8", Codename: "bookworm",
		Date: signedAt, ValidUntil: signedAt.AddDate(0, 0, 7), AcquireByHash: true,
		Architectures: []string{"all", "amd64", "arm64"}, Components: []string{"main", "contrib"},
		Files: map[string]FileHash{
			"main/binary-amd64/Packages":    {45000123, packagesHash},
			"main/binary-amd64/Packages.xz": {8800456, strings.Repeat("0", 63) + "1"},
		},
		Signer: signer,
	}
}

// clearsigned signs text with each of the keys, in order, and returns one cleartext-signed
// message carrying all their signatures, as Debian's InRelease does.
func clearsigned(t testing.TB, text string, keys ...signaturetest.Key) []byte {
	t.Helper()
	var head []byte
	var sigs bytes.Buffer
	for _, k := range keys {
		s, err := signature.NewSigner(k.Priv, nil, k.Fingerprint)
		if err != nil {
			t.Fatal(err)
		}
		msg, err := s.Clearsign([]byte(text), signedAt)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := clearsign.Decode(msg)
		raw, err := io.ReadAll(b.ArmoredSignature.Body)
		if err != nil {
			t.Fatal(err)
		}
		sigs.Write(raw)
		head = msg[:bytes.Index(msg, []byte("-----BEGIN PGP SIGNATURE-----"))]
	}
	out := bytes.NewBuffer(bytes.Clone(head))
	w, err := armor.Encode(out, "PGP SIGNATURE", nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(sigs.Bytes())
	w.Close()
	out.WriteString("\n")
	return out.Bytes()
}

func keyring(t testing.TB, keys ...signaturetest.Key) signature.Keyring {
	t.Helper()
	var pub []byte
	for _, k := range keys {
		pub = append(pub, k.Pub...)
	}
	kr, err := signature.ReadKeyring(bytes.NewReader(pub))
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestVerifyInRelease(t *testing.T) {
	keys := signaturetest.Keys(t)
	debian, other := keys[0], keys[1]
	good := clearsigned(t, releaseText, debian)
	tampered := bytes.Replace(good, []byte("Version: 12.8"), []byte("Version: 12.9"), 1)
	unknown := fmt.Sprintf("signed by a key that is not in the keyring (issuer key ID %016X): openpgp: signature made by unknown entity",
		debian.Entity.PrimaryKey.KeyId)
	tests := []struct {
		name    string
		msg     []byte
		keyring signature.Keyring
		now     time.Time
		want    Release
		wantErr error
		wantMsg string
	}{
		{name: "one signature", msg: good, keyring: keyring(t, debian), now: beforeEnd, want: wantRelease(debian.Fingerprint)},
		{name: "unknown key signs first", msg: clearsigned(t, releaseText, other, debian), keyring: keyring(t, debian), now: beforeEnd,
			want: wantRelease(debian.Fingerprint)},
		{name: "known key signs first", msg: clearsigned(t, releaseText, debian, other), keyring: keyring(t, debian), now: beforeEnd,
			want: wantRelease(debian.Fingerprint)},
		{name: "at Valid-Until", msg: good, keyring: keyring(t, debian), now: signedAt.AddDate(0, 0, 7), want: wantRelease(debian.Fingerprint)},
		{name: "past Valid-Until", msg: good, keyring: keyring(t, debian), now: signedAt.AddDate(0, 0, 7).Add(time.Second),
			wantErr: ErrExpired, wantMsg: "bookworm InRelease: release is past its Valid-Until: valid until Sat, 16 Nov 2024 10:05:34 UTC, checked at Sat, 16 Nov 2024 10:05:35 UTC"},
		{name: "no trusted key", msg: good, keyring: keyring(t, other), now: beforeEnd, wantErr: signature.ErrUnknownKey},
		{name: "two signatures, no trusted key", msg: clearsigned(t, releaseText, debian, debian), keyring: keyring(t, other), now: beforeEnd,
			wantErr: signature.ErrUnknownKey, wantMsg: "bookworm InRelease: " + unknown + "; " + unknown},
		{name: "text altered", msg: tampered, keyring: keyring(t, debian), now: beforeEnd, wantErr: signature.ErrBadSignature},
		{name: "unsigned text before", msg: append([]byte("Suite: evil\n\n"), good...), keyring: keyring(t, debian), now: beforeEnd,
			wantErr: signature.ErrMalformed, wantMsg: "bookworm InRelease: malformed signature: text before the signed message"},
		{name: "unsigned text after", msg: append(bytes.Clone(good), "Suite: evil\n"...), keyring: keyring(t, debian), now: beforeEnd,
			wantErr: signature.ErrMalformed, wantMsg: "bookworm InRelease: malformed signature: text after the signature block"},
		{name: "not signed", msg: []byte(releaseText), keyring: keyring(t, debian), now: beforeEnd,
			wantErr: signature.ErrMalformed, wantMsg: "bookworm InRelease: malformed signature: not a cleartext-signed message"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := VerifyInRelease(tt.keyring, tt.msg, tt.now, "bookworm InRelease")
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || (tt.wantMsg != "" && err.Error() != tt.wantMsg) {
					t.Fatalf("error = %v, want %v (%q)", err, tt.wantErr, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Release (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseReleaseErrors(t *testing.T) {
	base := "Suite: stable\nDate: Sat, 09 Nov 2024 10:05:34 UTC\nSHA256:\n " + packagesHash + " 12 main/binary-amd64/Packages\n"
	tests := []struct{ name, text, want string }{
		{"no suite", strings.Replace(base, "Suite: stable\n", "", 1), "Release: neither Suite nor Codename is given"},
		{"no date", strings.Replace(base, "Date: Sat, 09 Nov 2024 10:05:34 UTC\n", "", 1), "Release: no Date field"},
		{"bad date", strings.Replace(base, "Sat, 09 Nov 2024", "2024-11-09", 1),
			`Release: Date "2024-11-09 10:05:34 UTC" is not a date like "Sat, 10 Jun 2023 09:00:00 UTC"`},
		{"short hash", strings.Replace(base, packagesHash, "abc", 1),
			`Release: SHA256 entry "abc 12 main/binary-amd64/Packages" is not "hash size path"`},
		{"bad size", strings.Replace(base, " 12 ", " -1 ", 1),
			`Release: SHA256 entry "` + packagesHash + ` -1 main/binary-amd64/Packages" is not "hash size path"`},
		{"no files", strings.SplitAfter(base, "SHA256:\n")[0], "Release: no SHA256 entries"},
		{"path escapes", strings.Replace(base, "main/binary-amd64", "../../../etc", 1),
			`Release: SHA256 entry's path "../../../etc/Packages" is not a clean relative path`},
		{"two paragraphs", base + "\nSuite: other\n", "Release: 2 paragraphs, want 1"},
		{"not a field", "Suite stable\n", `Release: line 1: "Suite stable" is not a field (Name: value)`},
		{"stray continuation", " main\n", "Release: line 1: continuation line outside a stanza"},
		{"field twice", base + "suite: testing\n", "Release: line 5: field suite given twice in one stanza"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseRelease([]byte(tt.text))
			if err == nil || err.Error() != tt.want {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestSplitPackets(t *testing.T) {
	tests := []struct {
		name string
		raw  []byte
		want [][]byte
		err  string
	}{
		{"new format, one-byte length", []byte{0xc2, 2, 'a', 'b', 0xc2, 0}, [][]byte{{0xc2, 2, 'a', 'b'}, {0xc2, 0}}, ""},
		{"new format, two-byte length", append([]byte{0xc2, 192, 8}, make([]byte, 200)...), [][]byte{append([]byte{0xc2, 192, 8}, make([]byte, 200)...)}, ""},
		{"new format, five-byte length", []byte{0xc2, 255, 0, 0, 0, 1, 'x'}, [][]byte{{0xc2, 255, 0, 0, 0, 1, 'x'}}, ""},
		{"old format, two-byte length", []byte{0x89, 0, 1, 'x'}, [][]byte{{0x89, 0, 1, 'x'}}, ""},
		{"past the end", []byte{0xc2, 5, 'a'}, nil, "packet at byte 0: runs past the end of the signature block"},
		{"partial length", []byte{0xc2, 224}, nil, "packet at byte 0: partial body length in a signature"},
		{"indeterminate", []byte{0x8b}, nil, "packet at byte 0: indeterminate packet length"},
		{"not a header", []byte{0x01}, nil, "packet at byte 0: not a packet header"},
		{"huge length", []byte{0xc2, 255, 0xff, 0xff, 0xff, 0xff}, nil, "packet at byte 0: runs past the end of the signature block"},
		{"empty", nil, nil, "empty signature block"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := splitPackets(tt.raw)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("packets (-want +got):\n%s", diff)
			}
		})
	}
}

func TestByHashPath(t *testing.T) {
	got := ByHashPath("main/binary-amd64/Packages.xz", FileHash{1, packagesHash})
	if want := "main/binary-amd64/by-hash/SHA256/" + packagesHash; got != want {
		t.Errorf("ByHashPath = %q, want %q", got, want)
	}
}

func TestVerifyInReleaseRefusesSHA1(t *testing.T) {
	// go-crypto will not make a SHA-1 signature through its high-level API: sign by hand.
	k := signaturetest.Keys(t)[0]
	good := clearsigned(t, releaseText, k)
	block, _ := clearsign.Decode(good)
	noSalt := false
	cfg := &packet.Config{Time: func() time.Time { return signedAt }, NonDeterministicSignaturesViaNotation: &noSalt}
	sig := &packet.Signature{Version: 4, SigType: packet.SigTypeText, PubKeyAlgo: k.Entity.PrimaryKey.PubKeyAlgo,
		Hash: crypto.SHA1, CreationTime: signedAt, IssuerKeyId: &k.Entity.PrimaryKey.KeyId}
	h, err := sig.PrepareSign(cfg)
	if err != nil {
		t.Fatal(err)
	}
	openpgp.NewCanonicalTextHash(h).Write(block.Bytes)
	if err := sig.Sign(h, k.Entity.PrivateKey, cfg); err != nil {
		t.Fatal(err)
	}
	var raw bytes.Buffer
	if err := sig.Serialize(&raw); err != nil {
		t.Fatal(err)
	}
	// The same signature must verify where SHA-1 is allowed, or this test proves nothing.
	if _, err := signature.VerifyDetached(keyring(t, k), bytes.NewReader(block.Bytes), raw.Bytes(), beforeEnd); err != nil {
		t.Fatalf("the hand-made SHA-1 signature does not verify: %v", err)
	}
	msg := bytes.NewBuffer(bytes.Clone(good[:bytes.Index(good, []byte("-----BEGIN PGP SIGNATURE-----"))]))
	w, _ := armor.Encode(msg, "PGP SIGNATURE", nil)
	w.Write(raw.Bytes())
	w.Close()

	_, err = VerifyInRelease(keyring(t, k), msg.Bytes(), beforeEnd, "InRelease")
	want := "InRelease: bad signature (data or signature altered): signature uses the weak digest SHA-1"
	if !errors.Is(err, signature.ErrBadSignature) || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}
