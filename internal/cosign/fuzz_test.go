package cosign

import "testing"

func FuzzLoadPrivateKey(f *testing.F) {
	for _, name := range []string{"pkcs8.key", "ec-p384.key", "cosign.pub", "openpgp.asc", "rsa-pkcs8.key", "ed25519.key"} {
		f.Add(readTestdata(f, name), []byte(""))
	}
	f.Add([]byte("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\ne30=\n-----END ENCRYPTED SIGSTORE PRIVATE KEY-----\n"), []byte("x"))
	f.Fuzz(func(t *testing.T, pem, pass []byte) {
		k, err := LoadPrivateKey(pem, pass)
		if err == nil && k.Public() == nil {
			t.Fatal("a key without a public half")
		}
		_, _ = LoadPublicKey(pem)
	})
}
