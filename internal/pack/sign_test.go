package pack

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	rpmutils "github.com/sassoftware/go-rpmutils"

	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

func TestSignedRPM(t *testing.T) {
	need(t, "rpm")
	k := signaturetest.Keys(t)
	signer, err := signature.NewSigner(k[0].Priv, nil, k[0].Fingerprint)
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
	pub, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(k[0].Pub))
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
	if err := os.WriteFile(pubFile, k[0].Pub, 0o644); err != nil {
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
	if err := os.WriteFile(otherFile, k[1].Pub, 0o644); err != nil {
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
	k := signaturetest.Keys(t)
	signer, err := signature.NewSigner(k[0].Priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	st, tree := makeStore(t)
	p := fixture(tree, rpmFamily)
	p.MTime = k[0].Created.Add(-48 * time.Hour)
	b, _ := build(t, st, p, rpmFamily, signer)
	pub, _ := openpgp.ReadArmoredKeyRing(bytes.NewReader(k[0].Pub))
	_, sigs, err := rpmutils.Verify(bytes.NewReader(b), pub)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sigs {
		if !s.CreationTime.Equal(k[0].Created) {
			t.Errorf("signature made at %s, want the key's creation %s", s.CreationTime, k[0].Created)
		}
	}
}
