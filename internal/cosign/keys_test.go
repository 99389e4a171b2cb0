package cosign

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// testPassword is the passphrase testdata/cosign.key was made with (testdata/README.md).
const testPassword = "mwedition-test"

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustPrivateKey(t testing.TB, name, pass string) *PrivateKey {
	t.Helper()
	k, err := LoadPrivateKey(readTestdata(t, name), []byte(pass))
	if err != nil {
		t.Fatalf("LoadPrivateKey(%s): %v", name, err)
	}
	return k
}

func mustPublicKey(t testing.TB, name string) *PublicKey {
	t.Helper()
	k, err := LoadPublicKey(readTestdata(t, name))
	if err != nil {
		t.Fatalf("LoadPublicKey(%s): %v", name, err)
	}
	return k
}

func TestLoadPrivateKey(t *testing.T) {
	cosignKey := readTestdata(t, "cosign.key")
	legacyLabel := bytes.ReplaceAll(cosignKey, []byte("ENCRYPTED SIGSTORE PRIVATE KEY"), []byte("ENCRYPTED COSIGN PRIVATE KEY"))
	tests := []struct {
		name    string
		pem     []byte
		pass    string
		wantPub string // testdata file of the matching public key
		wantErr error
		wantMsg string // a part of the error message
	}{
		{name: "cosign generate-key-pair", pem: cosignKey, pass: testPassword, wantPub: "cosign.pub"},
		{name: "legacy ENCRYPTED COSIGN label", pem: legacyLabel, pass: testPassword, wantPub: "cosign.pub"},
		{name: "cosign import-key-pair", pem: readTestdata(t, "import-cosign.key"), pass: testPassword, wantPub: "pkcs8.pub"},
		{name: "empty passphrase key, none given", pem: readTestdata(t, "empty-password.key"), wantPub: "empty-password.pub"},
		{name: "PKCS#8 P-256", pem: readTestdata(t, "pkcs8.key"), wantPub: "pkcs8.pub"},
		{name: "SEC 1 EC P-384", pem: readTestdata(t, "ec-p384.key")},
		{name: "encrypted, no passphrase", pem: cosignKey, wantErr: ErrPassphraseNeeded, wantMsg: "COSIGN_PASSWORD or --cosign-passphrase-file"},
		{name: "encrypted, wrong passphrase", pem: cosignKey, pass: "nope", wantErr: ErrWrongPassphrase, wantMsg: "wrong passphrase"},
		{name: "public key", pem: readTestdata(t, "cosign.pub"), wantErr: ErrPublicKey, wantMsg: "signing needs the private key"},
		{name: "OpenPGP armor", pem: readTestdata(t, "openpgp.asc"), wantErr: ErrNotAKey, wantMsg: "an OpenPGP key"},
		{name: "garbage", pem: []byte("this is not a key\n"), wantErr: ErrNotAKey, wantMsg: "no PEM private key found"},
		{name: "certificate", pem: []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"), wantErr: ErrNotAKey, wantMsg: `"CERTIFICATE"`},
		{name: "RSA", pem: readTestdata(t, "rsa-pkcs8.key"), wantErr: ErrUnsupportedKey, wantMsg: "only ECDSA keys"},
		{name: "Ed25519", pem: readTestdata(t, "ed25519.key"), wantErr: ErrUnsupportedKey, wantMsg: "only ECDSA keys"},
		{name: "encrypted body not JSON", pem: []byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), wantErr: ErrNotAKey, wantMsg: "not cosign's JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadPrivateKey(tt.pem, []byte(tt.pass))
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("error %v, want %v containing %q", err, tt.wantErr, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.wantPub != "" {
				if diff := cmp.Diff(string(readTestdata(t, tt.wantPub)), string(k.Public().PEM())); diff != "" {
					t.Errorf("public key (-file +derived):\n%s", diff)
				}
			}
			sig, err := k.Sign([]byte("payload"))
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Public().Verify([]byte("payload"), sig); err != nil {
				t.Errorf("round trip: %v", err)
			}
			if err := k.Public().Verify([]byte("payload!"), sig); err == nil {
				t.Error("a signature verified for another message")
			}
		})
	}
}

func TestLoadPublicKey(t *testing.T) {
	tests := []struct {
		name    string
		pem     []byte
		wantMsg string
	}{
		{name: "cosign.pub", pem: readTestdata(t, "cosign.pub")},
		{name: "private key", pem: readTestdata(t, "pkcs8.key"), wantMsg: "this is a private key (PEM PRIVATE KEY): give the public key"},
		{name: "encrypted private key", pem: readTestdata(t, "cosign.key"), wantMsg: "this is a private key (PEM ENCRYPTED SIGSTORE PRIVATE KEY)"},
		{name: "garbage", pem: []byte("x"), wantMsg: "no PEM public key found"},
		{name: "OpenPGP", pem: readTestdata(t, "openpgp.asc"), wantMsg: "an OpenPGP key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := LoadPublicKey(tt.pem)
			if tt.wantMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(tt.pem), string(k.PEM())); diff != "" {
				t.Errorf("PEM (-file +ours):\n%s", diff)
			}
		})
	}
}

func TestKeyID(t *testing.T) {
	// The fingerprint `openssl pkey -pubin -outform DER | sha256sum` gives (testdata/README.md).
	got := mustPublicKey(t, "pkcs8.pub").ID()
	want := strings.TrimSpace(string(readTestdata(t, "pkcs8.pub.sha256")))
	if got != want {
		t.Errorf("ID() = %s, want %s", got, want)
	}
}

func TestSignIsDeterministic(t *testing.T) {
	for _, name := range []string{"pkcs8.key", "ec-p384.key"} {
		k := mustPrivateKey(t, name, "")
		a, err := k.Sign([]byte("same message"))
		if err != nil {
			t.Fatal(err)
		}
		b, err := k.Sign([]byte("same message"))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Errorf("%s: two signatures of one message differ", name)
		}
		c, _ := k.Sign([]byte("another message"))
		if bytes.Equal(a, c) {
			t.Errorf("%s: two messages have one signature", name)
		}
	}
}
