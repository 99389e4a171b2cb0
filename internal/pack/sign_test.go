package pack

import (
	"bytes"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	rpmutils "github.com/sassoftware/go-rpmutils"
)

// testKey is a throwaway RSA signing key, armored.
type testKey struct {
	entity       *openpgp.Entity
	priv, pub    []byte
	encrypted    []byte // priv protected by "correct horse"
	fingerprint  string
	creationTime time.Time
}

var (
	keysOnce sync.Once
	keys     [2]testKey
	keysErr  error
)

// signingKeys returns two keys made once per test binary: RSA, as every rpm can verify it.
func signingKeys(t *testing.T) [2]testKey {
	t.Helper()
	keysOnce.Do(func() {
		for i, name := range []string{"mwedition release", "someone else"} {
			if keys[i], keysErr = newTestKey(name); keysErr != nil {
				return
			}
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys
}

func newTestKey(name string) (testKey, error) {
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048, Time: func() time.Time { return created }}
	e, err := openpgp.NewEntity(name, "test only", "release@mwedition.example.org", cfg)
	if err != nil {
		return testKey{}, err
	}
	k := testKey{entity: e, creationTime: created, fingerprint: strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))}
	if k.priv, err = armorKey(openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivate(w, nil) }); err != nil {
		return k, err
	}
	if k.pub, err = armorKey(openpgp.PublicKeyType, e.Serialize); err != nil {
		return k, err
	}
	enc, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(k.priv))
	if err != nil {
		return k, err
	}
	if err := enc[0].EncryptPrivateKeys([]byte("correct horse"), nil); err != nil {
		return k, err
	}
	k.encrypted, err = armorKey(openpgp.PrivateKeyType, func(w io.Writer) error { return enc[0].SerializePrivateWithoutSigning(w, nil) })
	return k, err
}

func armorKey(blockType string, write func(io.Writer) error) ([]byte, error) {
	var b bytes.Buffer
	wc, err := armor.Encode(&b, blockType, nil)
	if err != nil {
		return nil, err
	}
	if err := write(wc); err != nil {
		return nil, err
	}
	if err := wc.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func TestSignedRPM(t *testing.T) {
	need(t, "rpm")
	k := signingKeys(t)
	signer, err := NewSigner(k[0].priv, nil, k[0].fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	st, tree := makeStore(t)
	p := fixture(tree, rpmFamily)
	b, file := build(t, st, p, rpmFamily, signer)

	// Signing is reproducible too.
	again, _ := build(t, st, p, rpmFamily, signer)
	if !bytes.Equal(b, again) {
		t.Errorf("two signed builds differ")
	}

	// go-rpmutils: digests and the header signature check out against the public key. The
	// header holds the payload's SHA-256, so no header+payload signature is needed.
	pub, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(k[0].pub))
	if err != nil {
		t.Fatal(err)
	}
	_, sigs, err := rpmutils.Verify(bytes.NewReader(b), pub)
	if err != nil {
		t.Fatalf("go-rpmutils: %v", err)
	}
	if len(sigs) != 1 {
		t.Fatalf("%d signatures, want one of the header", len(sigs))
	}
	for _, s := range sigs {
		if s.Signer == nil || !s.CreationTime.Equal(mtime) || !s.HeaderOnly {
			t.Errorf("signature by %v at %s (header only: %v)", s.Signer, s.CreationTime, s.HeaderOnly)
		}
	}

	// rpm -K with the key imported into a scratch database, and with only the other key.
	db := t.TempDir()
	pubFile := filepath.Join(t.TempDir(), "release.asc")
	if err := os.WriteFile(pubFile, k[0].pub, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "rpm", "--dbpath", db, "--import", pubFile)
	out := run(t, "rpm", "--dbpath", db, "-Kv", file)
	t.Logf("rpm -Kv:\n%s", out)
	if !strings.Contains(out, "Header V4 RSA/SHA256 Signature, key ID") || strings.Contains(out, "NOKEY") || strings.Contains(out, "BAD") {
		t.Errorf("rpm -Kv does not show good signatures:\n%s", out)
	}
	if out := run(t, "rpm", "--dbpath", db, "-K", file); !strings.Contains(out, "digests signatures OK") {
		t.Errorf("rpm -K: %s", out)
	}

	otherDB := t.TempDir()
	otherFile := filepath.Join(t.TempDir(), "other.asc")
	if err := os.WriteFile(otherFile, k[1].pub, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "rpm", "--dbpath", otherDB, "--import", otherFile)
	if out, err := command("rpm", "--dbpath", otherDB, "-K", file).CombinedOutput(); err == nil {
		t.Errorf("rpm -K passed without the signing key:\n%s", out)
	}

	// A corrupted payload fails rpm -K.
	bad := bytes.Clone(b)
	bad[len(bad)-20] ^= 0x55
	badFile := filepath.Join(t.TempDir(), "bad.rpm")
	if err := os.WriteFile(badFile, bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := command("rpm", "--dbpath", db, "-K", badFile).CombinedOutput(); err == nil {
		t.Errorf("rpm -K passed a corrupted package:\n%s", out)
	}
}

// TestSignatureNotBeforeKey: a package older than the key is signed as of the key's creation.
func TestSignatureNotBeforeKey(t *testing.T) {
	k := signingKeys(t)
	signer, err := NewSigner(k[0].priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	st, tree := makeStore(t)
	p := fixture(tree, rpmFamily)
	p.MTime = k[0].creationTime.Add(-48 * time.Hour)
	b, _ := build(t, st, p, rpmFamily, signer)
	pub, _ := openpgp.ReadArmoredKeyRing(bytes.NewReader(k[0].pub))
	_, sigs, err := rpmutils.Verify(bytes.NewReader(b), pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sigs {
		if !s.CreationTime.Equal(k[0].creationTime) {
			t.Errorf("signature made at %s, want the key's creation %s", s.CreationTime, k[0].creationTime)
		}
	}
}

func TestSignerErrors(t *testing.T) {
	k := signingKeys(t)
	two := append(append([]byte{}, k[0].priv...), k[1].priv...)
	for name, tc := range map[string]struct {
		key, pass []byte
		fpr       string
		want      string
	}{
		"missing":           {nil, nil, "", "none given"},
		"blank":             {[]byte("  \n"), nil, "", "none given"},
		"garbage":           {[]byte("not a key"), nil, "", "not an armored OpenPGP key"},
		"public key":        {k[0].pub, nil, "", "this is a public key"},
		"no passphrase":     {k[0].encrypted, nil, "", "protected by a passphrase"},
		"wrong passphrase":  {k[0].encrypted, []byte("battery staple"), "", "passphrase does not unlock it"},
		"wrong key":         {k[1].priv, nil, k[0].fingerprint, "packages are to be signed by " + k[0].fingerprint},
		"two keys":          {two, nil, "", "holds 2 keys"},
		"fingerprint typo":  {k[0].priv, nil, "ABCD", "packages are to be signed by ABCD"},
		"right passphrase?": {k[0].encrypted, []byte("correct horse"), "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSigner(tc.key, tc.pass, tc.fpr)
			if tc.want == "" {
				if err != nil || s.Fingerprint() != k[0].fingerprint {
					t.Fatalf("NewSigner: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// A spaced, lower-case fingerprint is the same fingerprint.
	spaced := strings.ToLower(k[0].fingerprint[:4] + " " + k[0].fingerprint[4:])
	if _, err := NewSigner(k[0].priv, nil, spaced); err != nil {
		t.Errorf("fingerprint %q: %v", spaced, err)
	}
}

// TestRepositorySignatures: the detached and cleartext signatures apt reads verify with the
// exported public key, and come out the same twice.
func TestRepositorySignatures(t *testing.T) {
	k := signingKeys(t)
	signer, err := NewSigner(k[0].priv, nil, k[0].fingerprint)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := signer.ArmoredPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	if err != nil || len(ring) != 1 || ring[0].PrivateKey != nil {
		t.Fatalf("exported public key: %d entities, %v", len(ring), err)
	}
	release := []byte("Origin: mwedition\nSuite: stable\n-dash line\n")
	at := time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC)

	det, err := signer.DetachArmored(bytes.NewReader(release), at)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(det, []byte("-----BEGIN PGP SIGNATURE-----\n")) || !bytes.HasSuffix(det, []byte("-----END PGP SIGNATURE-----\n")) {
		t.Errorf("detached signature is not armored:\n%s", det)
	}
	sig, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(release), bytes.NewReader(det), nil)
	if err != nil {
		t.Fatalf("detached signature does not verify: %v", err)
	}
	if !sig.PrimaryKey.CreationTime.Equal(k[0].creationTime) {
		t.Errorf("signed by a key made %v", sig.PrimaryKey.CreationTime)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(append(release, 'x')), bytes.NewReader(det), nil); err == nil {
		t.Error("detached signature verifies other bytes")
	}

	clear, err := signer.Clearsign(release, at)
	if err != nil {
		t.Fatal(err)
	}
	b, rest := clearsign.Decode(clear)
	if b == nil || len(bytes.TrimSpace(rest)) != 0 {
		t.Fatalf("cleartext signature does not decode:\n%s", clear)
	}
	if string(b.Plaintext) != strings.TrimSuffix(string(release), "\n") && string(b.Plaintext) != string(release) {
		t.Errorf("clearsigned text %q, want %q", b.Plaintext, release)
	}
	if _, err := b.VerifySignature(ring, nil); err != nil {
		t.Errorf("cleartext signature does not verify: %v", err)
	}
	if !bytes.Contains(clear, []byte("\nHash: SHA256\n")) {
		t.Errorf("cleartext signature has no SHA256 hash header:\n%s", clear)
	}

	det2, _ := signer.DetachArmored(bytes.NewReader(release), at)
	clear2, _ := signer.Clearsign(release, at)
	if !bytes.Equal(det, det2) || !bytes.Equal(clear, clear2) {
		t.Error("signing the same bytes twice gives different signatures")
	}
}

// TestDetachArmoredGPG: the same bytes give the same armored signature; it verifies
// against the public key (go-crypto, and gpg --verify) and fails on other bytes.
func TestDetachArmoredGPG(t *testing.T) {
	k := signingKeys(t)
	signer, err := NewSigner(k[0].priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("mediawiki-core-1.39.17.1.tar.gz, say\n")
	sign := func() []byte {
		b, err := signer.DetachArmored(bytes.NewReader(data), mtime)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	sig := sign()
	if again := sign(); !bytes.Equal(sig, again) {
		t.Errorf("two signatures of the same bytes differ:\n%s\n%s", sig, again)
	}
	if !bytes.HasPrefix(sig, []byte("-----BEGIN PGP SIGNATURE-----\n")) {
		t.Errorf("not an armored signature:\n%s", sig)
	}
	pub, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(k[0].pub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(pub, bytes.NewReader(data), bytes.NewReader(sig), nil); err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(pub, bytes.NewReader(append(data, '!')), bytes.NewReader(sig), nil); err == nil {
		t.Error("the signature verifies other bytes")
	}

	need(t, "gpg")
	dir := t.TempDir()
	for name, b := range map[string][]byte{"release.asc": k[0].pub, "file": data, "file.asc": sig} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gpg := func(args ...string) ([]byte, error) {
		return command("gpg", append([]string{"--homedir", dir, "--batch"}, args...)...).CombinedOutput()
	}
	if out, err := gpg("--import", filepath.Join(dir, "release.asc")); err != nil {
		t.Fatalf("gpg --import: %v\n%s", err, out)
	}
	if out, err := gpg("--verify", filepath.Join(dir, "file.asc"), filepath.Join(dir, "file")); err != nil {
		t.Errorf("gpg --verify: %v\n%s", err, out)
	}
}
