package signature

import (
	"bytes"
	"crypto"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	pgperrors "github.com/ProtonMail/go-crypto/openpgp/errors"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"
)

var created = time.Date(2024, 5, 1, 12, 0, 0, 0, time.UTC)

// newKey generates an Ed25519 key created at a fixed time. lifetime is the
// key's validity in seconds; zero means it never expires.
func newKey(t *testing.T, name string, lifetime uint32) *openpgp.Entity {
	t.Helper()
	cfg := &packet.Config{
		Time:            func() time.Time { return created },
		Algorithm:       packet.PubKeyAlgoEdDSA,
		KeyLifetimeSecs: lifetime,
	}
	e, err := openpgp.NewEntity(name, "test", name+"@example.org", cfg)
	if err != nil {
		t.Fatalf("generating key %s: %v", name, err)
	}
	return e
}

func fp(e *openpgp.Entity) string {
	return fmt.Sprintf("%X", e.PrimaryKey.Fingerprint)
}

func binaryPublic(t *testing.T, keys ...*openpgp.Entity) []byte {
	t.Helper()
	var buf bytes.Buffer
	for _, e := range keys {
		if err := e.Serialize(&buf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// armoredPublic puts each key in its own armored block, as the MediaWiki
// release keys file does, with some prose in between.
func armoredPublic(t *testing.T, keys ...*openpgp.Entity) []byte {
	t.Helper()
	var buf bytes.Buffer
	for i, e := range keys {
		fmt.Fprintf(&buf, "Key %d of %d:\n", i+1, len(keys))
		w, err := armor.Encode(&buf, openpgp.PublicKeyType, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(binaryPublic(t, e)); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		buf.WriteString("\n\n")
	}
	return buf.Bytes()
}

func armoredPrivate(t *testing.T, e *openpgp.Entity) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := armor.Encode(&buf, openpgp.PrivateKeyType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.SerializePrivate(w, nil); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sign(t *testing.T, e *openpgp.Entity, data string, armored bool, hash crypto.Hash) []byte {
	t.Helper()
	cfg := &packet.Config{Time: func() time.Time { return created.Add(time.Minute) }, DefaultHash: hash}
	if hash == crypto.SHA1 {
		return signSHA1(t, e, data, cfg)
	}
	var buf bytes.Buffer
	var err error
	if armored {
		err = openpgp.ArmoredDetachSign(&buf, e, strings.NewReader(data), cfg)
	} else {
		err = openpgp.DetachSign(&buf, e, strings.NewReader(data), cfg)
	}
	if err != nil {
		t.Fatalf("signing: %v", err)
	}
	return buf.Bytes()
}

// signSHA1 builds a binary SHA-1 signature packet by hand, because
// go-crypto's signing helpers no longer produce SHA-1 signatures.
func signSHA1(t *testing.T, e *openpgp.Entity, data string, cfg *packet.Config) []byte {
	t.Helper()
	noSalt := false // the salt notation is only defined for SHA-2 and SHA-3
	cfg.NonDeterministicSignaturesViaNotation = &noSalt
	priv := e.PrivateKey
	sig := &packet.Signature{
		Version:      4,
		SigType:      packet.SigTypeBinary,
		PubKeyAlgo:   priv.PubKeyAlgo,
		Hash:         crypto.SHA1,
		CreationTime: cfg.Now(),
		IssuerKeyId:  &priv.KeyId,
	}
	h, err := sig.PrepareSign(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h.Write([]byte(data))
	if err := sig.Sign(h, priv, cfg); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := sig.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readKeyring(t *testing.T, b []byte) Keyring {
	t.Helper()
	k, err := ReadKeyring(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("ReadKeyring: %v", err)
	}
	return k
}

func TestReadKeyring(t *testing.T) {
	a, b, c := newKey(t, "alice", 0), newKey(t, "bob", 0), newKey(t, "carol", 0)
	all := []string{fp(a), fp(b), fp(c)}
	slices.Sort(all)

	corrupt := armoredPublic(t, a)
	corrupt[bytes.IndexByte(corrupt, '\n')+60] = '*' // inside the base64 body

	tests := []struct {
		name    string
		data    []byte
		want    []string
		wantErr string
	}{
		{name: "one armored block", data: armoredPublic(t, a), want: []string{fp(a)}},
		{name: "several armored blocks", data: armoredPublic(t, c, a, b), want: all},
		{name: "armored blocks with CRLF line endings", data: bytes.ReplaceAll(armoredPublic(t, a, b), []byte("\n"), []byte("\r\n")), want: sorted(fp(a), fp(b))},
		{name: "binary", data: binaryPublic(t, b, c, a), want: all},
		{name: "empty file", data: nil, wantErr: "no public keys found"},
		{name: "text without armor", data: []byte("no keys here\n"), wantErr: "no public keys found"},
		{name: "private key block", data: armoredPrivate(t, a), wantErr: `got "PGP PRIVATE KEY BLOCK"`},
		{name: "corrupt armored block", data: corrupt, wantErr: "armored block 1"},
		{name: "binary garbage", data: []byte{0x99, 0x01, 0x02, 0x03}, wantErr: "binary keyring"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k, err := ReadKeyring(bytes.NewReader(tc.data))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ReadKeyring error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ReadKeyring: %v", err)
			}
			if diff := cmp.Diff(tc.want, k.Fingerprints()); diff != "" {
				t.Errorf("Fingerprints() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func sorted(s ...string) []string {
	slices.Sort(s)
	return s
}

// The MediaWiki release keys file is committed with the recipes; the build
// depends on it, so a missing file is a failure, not a skip.
func TestReadKeyringMediaWikiReleaseKeys(t *testing.T) {
	b, err := os.ReadFile("../../recipes/keys/mediawiki-release.asc")
	if err != nil {
		t.Fatalf("reading the committed MediaWiki release keys: %v", err)
	}
	k := readKeyring(t, b)
	got := k.Fingerprints()
	if len(got) != 7 {
		t.Errorf("read %d keys, want 7: %v", len(got), got)
	}
	const reedy = "1D98867E82982C8FE0ABC25F9B69B3109D3BB7B0" // signs the 1.39 releases
	if !slices.Contains(got, reedy) {
		t.Errorf("fingerprint %s missing from %v", reedy, got)
	}
}

func TestVerifyDetached(t *testing.T) {
	signer := newKey(t, "signer", 0)
	other1, other2, other3 := newKey(t, "other1", 0), newKey(t, "other2", 0), newKey(t, "other3", 0)
	shortLived := newKey(t, "short-lived", 3600)
	const data = "mediawiki-1.39.17.tar.gz contents\n"
	later := created.Add(24 * time.Hour)

	good := sign(t, signer, data, true, crypto.SHA256)
	armoredGarbage := []byte("-----BEGIN PGP SIGNATURE-----\n\nbm90IGEgc2lnbmF0dXJl\n=AAAA\n-----END PGP SIGNATURE-----\n")

	tests := []struct {
		name      string
		keyring   []byte
		data      string
		sig       []byte
		now       time.Time
		want      string
		wantErr   error  // sentinel from this package
		wantCause error  // go-crypto error that must still be reachable
		wantMsg   string // substring of the message
	}{
		{
			name:    "good armored signature",
			keyring: armoredPublic(t, signer),
			data:    data, sig: good, now: later,
			want: fp(signer),
		},
		{
			name:    "good binary signature",
			keyring: armoredPublic(t, signer),
			data:    data, sig: sign(t, signer, data, false, crypto.SHA256), now: later,
			want: fp(signer),
		},
		{
			name:    "signer in the third of several armored blocks",
			keyring: armoredPublic(t, other1, other2, signer, other3),
			data:    data, sig: good, now: later,
			want: fp(signer),
		},
		{
			name:    "binary keyring",
			keyring: binaryPublic(t, other1, signer),
			data:    data, sig: good, now: later,
			want: fp(signer),
		},
		{
			// MediaWiki's release signatures are DSA/SHA-1; SHA-1 must not be refused.
			name:    "SHA-1 signature",
			keyring: armoredPublic(t, signer),
			data:    data, sig: sign(t, signer, data, false, crypto.SHA1), now: later,
			want: fp(signer),
		},
		{
			name:    "signed by a key not in the keyring",
			keyring: armoredPublic(t, other1, other2),
			data:    data, sig: good, now: later,
			wantErr: ErrUnknownKey, wantCause: pgperrors.ErrUnknownIssuer,
			wantMsg: fmt.Sprintf("signed by a key that is not in the keyring (issuer key ID %016X)", signer.PrimaryKey.KeyId),
		},
		{
			name:    "tampered data",
			keyring: armoredPublic(t, signer),
			data:    data + "evil", sig: good, now: later,
			wantErr: ErrBadSignature, wantMsg: "bad signature",
		},
		{
			name:    "garbage signature",
			keyring: armoredPublic(t, signer),
			data:    data, sig: []byte("this is not a signature at all"), now: later,
			wantErr: ErrMalformed, wantMsg: "malformed signature",
		},
		{
			name:    "armored garbage signature",
			keyring: armoredPublic(t, signer),
			data:    data, sig: armoredGarbage, now: later,
			wantErr: ErrMalformed, wantMsg: "malformed signature",
		},
		{
			name:    "empty signature",
			keyring: armoredPublic(t, signer),
			data:    data, sig: nil, now: later,
			wantErr: ErrMalformed, wantMsg: "malformed signature",
		},
		{
			name:    "public key instead of signature",
			keyring: armoredPublic(t, signer),
			data:    data, sig: binaryPublic(t, signer), now: later,
			wantErr: ErrMalformed, wantMsg: "unexpected *packet.PublicKey packet",
		},
		{
			name:    "key expired at now",
			keyring: armoredPublic(t, shortLived),
			data:    data, sig: sign(t, shortLived, data, true, crypto.SHA256), now: created.Add(2 * time.Hour),
			wantErr: ErrKeyExpired, wantCause: pgperrors.ErrKeyExpired, wantMsg: "signing key has expired",
		},
		{
			name:    "key not yet expired at now",
			keyring: armoredPublic(t, shortLived),
			data:    data, sig: sign(t, shortLived, data, true, crypto.SHA256), now: created.Add(30 * time.Minute),
			want: fp(shortLived),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			k := readKeyring(t, tc.keyring)
			got, err := VerifyDetached(k, strings.NewReader(tc.data), tc.sig, tc.now)
			if tc.wantErr == nil {
				if err != nil {
					t.Fatalf("VerifyDetached: %v", err)
				}
				if diff := cmp.Diff(tc.want, got); diff != "" {
					t.Errorf("signer mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("VerifyDetached error = %v, want %v", err, tc.wantErr)
			}
			if tc.wantCause != nil && !errors.Is(err, tc.wantCause) {
				t.Errorf("VerifyDetached error = %v, does not wrap %v", err, tc.wantCause)
			}
			if !strings.Contains(err.Error(), tc.wantMsg) {
				t.Errorf("VerifyDetached error = %q, want it to contain %q", err, tc.wantMsg)
			}
			if got != "" {
				t.Errorf("VerifyDetached returned signer %q along with an error", got)
			}
		})
	}
}

// The sentinels must be distinct so callers can tell failures apart.
func TestSentinelErrorsDistinct(t *testing.T) {
	all := []error{ErrUnknownKey, ErrBadSignature, ErrMalformed, ErrKeyExpired, ErrKeyRevoked, ErrSigExpired}
	for i, a := range all {
		for j, b := range all {
			if i != j && errors.Is(a, b) {
				t.Errorf("%v matches %v", a, b)
			}
		}
	}
}
