package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/cosign"
)

// cosignPassphraseEnv is where cosign itself reads a key's passphrase: a release manager's
// CI already sets it for `cosign sign`.
const cosignPassphraseEnv = "COSIGN_PASSWORD"

// cosignFlags choose the key that signs the images and attestations as cosign does.
type cosignFlags struct {
	keyFile, passphraseFile string
	// replay is verify's: the signatures of the original build, which its rebuild reuses
	// for the payloads it makes again (it has no private key).
	replay string
}

func (f *cosignFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.keyFile, "cosign-key", "", "sign each image (cosign verify) and attest its SBOM and provenance (cosign verify-attestation), with this cosign private key: cosign.key from 'cosign generate-key-pair', or a PKCS#8 / EC PEM key")
	fl.StringVar(&f.passphraseFile, "cosign-passphrase-file", "", "read the cosign key's passphrase from this file (default: $"+cosignPassphraseEnv+", as cosign reads it)")
	fl.StringVar(&f.replay, "cosign-replay", "", "")
	_ = fl.MarkHidden("cosign-replay")
}

// signer reads the key, or returns nil when none was asked for.
func (f *cosignFlags) signer(dir string) (cosign.Signer, error) {
	if f.replay != "" {
		return readReplay(f.replay)
	}
	if f.keyFile == "" {
		if f.passphraseFile != "" {
			return nil, usageError{errors.New("--cosign-passphrase-file needs --cosign-key")}
		}
		return nil, nil
	}
	key, err := os.ReadFile(inDir(dir, f.keyFile))
	if err != nil {
		return nil, fmt.Errorf("--cosign-key: %w", err)
	}
	pass := []byte(os.Getenv(cosignPassphraseEnv))
	if f.passphraseFile != "" {
		b, err := os.ReadFile(inDir(dir, f.passphraseFile))
		if err != nil {
			return nil, fmt.Errorf("--cosign-passphrase-file: %w", err)
		}
		pass = []byte(strings.TrimRight(string(b), "\r\n"))
	}
	k, err := cosign.LoadPrivateKey(key, pass)
	if err != nil {
		return nil, fmt.Errorf("--cosign-key %s: %w", f.keyFile, err)
	}
	return k, nil
}

// readReplay reads the signatures verify took from the original output.
func readReplay(path string) (cosign.Signer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--cosign-replay: %w", err)
	}
	s, err := cosign.ReadReplay(b)
	if err != nil {
		return nil, fmt.Errorf("--cosign-replay %s: %w", path, err)
	}
	return s, nil
}
