package signature

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"

	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

func TestSignerErrors(t *testing.T) {
	k := signaturetest.Keys(t)
	two := append(append([]byte{}, k[0].Priv...), k[1].Priv...)
	for name, tc := range map[string]struct {
		key, pass []byte
		fpr       string
		want      string
	}{
		"missing":           {nil, nil, "", "none given"},
		"blank":             {[]byte("  \n"), nil, "", "none given"},
		"garbage":           {[]byte("not a key"), nil, "", "not an armored OpenPGP key"},
		"public key":        {k[0].Pub, nil, "", "this is a public key"},
		"no passphrase":     {k[0].Encrypted, nil, "", "protected by a passphrase"},
		"wrong passphrase":  {k[0].Encrypted, []byte("battery staple"), "", "passphrase does not unlock it"},
		"wrong key":         {k[1].Priv, nil, k[0].Fingerprint, "packages are to be signed by " + k[0].Fingerprint},
		"two keys":          {two, nil, "", "holds 2 keys"},
		"fingerprint typo":  {k[0].Priv, nil, "ABCD", "packages are to be signed by ABCD"},
		"right passphrase?": {k[0].Encrypted, []byte("correct horse"), "", ""},
	} {
		t.Run(name, func(t *testing.T) {
			s, err := NewSigner(tc.key, tc.pass, tc.fpr)
			if tc.want == "" {
				if err != nil || s.Fingerprint() != k[0].Fingerprint {
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
	spaced := strings.ToLower(k[0].Fingerprint[:4] + " " + k[0].Fingerprint[4:])
	if _, err := NewSigner(k[0].Priv, nil, spaced); err != nil {
		t.Errorf("fingerprint %q: %v", spaced, err)
	}
}

// TestRepositorySignatures: the detached and cleartext signatures apt reads verify with the
// exported public key, and come out the same twice.
func TestRepositorySignatures(t *testing.T) {
	k := signaturetest.Keys(t)
	signer, err := NewSigner(k[0].Priv, nil, k[0].Fingerprint)
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
	if !sig.PrimaryKey.CreationTime.Equal(k[0].Created) {
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
	k := signaturetest.Keys(t)
	signer, err := NewSigner(k[0].Priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("mediawiki-core-1.39.17.1.tar.gz, say\n")
	sign := func() []byte {
		b, err := signer.DetachArmored(bytes.NewReader(data), time.Date(2024, 3, 5, 6, 7, 8, 0, time.UTC))
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
	pub, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(k[0].Pub))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(pub, bytes.NewReader(data), bytes.NewReader(sig), nil); err != nil {
		t.Errorf("the signature does not verify: %v", err)
	}
	if _, err := openpgp.CheckArmoredDetachedSignature(pub, bytes.NewReader(append(data, '!')), bytes.NewReader(sig), nil); err == nil {
		t.Error("the signature verifies other bytes")
	}

	if _, err := exec.LookPath("gpg"); err != nil {
		t.Fatal("gpg is not installed: run `make deps`")
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"release.asc": k[0].Pub, "file": data, "file.asc": sig} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gpg := func(args ...string) ([]byte, error) {
		cmd := exec.Command("gpg", append([]string{"--homedir", dir, "--batch"}, args...)...)
		cmd.Env = append(os.Environ(), "TZ=UTC", "LC_ALL=C")
		return cmd.CombinedOutput()
	}
	if out, err := gpg("--import", filepath.Join(dir, "release.asc")); err != nil {
		t.Fatalf("gpg --import: %v\n%s", err, out)
	}
	if out, err := gpg("--verify", filepath.Join(dir, "file.asc"), filepath.Join(dir, "file")); err != nil {
		t.Errorf("gpg --verify: %v\n%s", err, out)
	}
}
