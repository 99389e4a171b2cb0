package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/signature"
)

// passphraseEnv carries the signing key's passphrase, so that it appears in no command line
// (ps, shell history, CI logs).
const passphraseEnv = "MWEDITION_SIGNING_PASSPHRASE"

// signFlags choose the release manager's OpenPGP key for signing packages and tarballs.
type signFlags struct {
	keyFile, fingerprint, passphraseFile string
}

func (f *signFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.keyFile, "sign-key", "", "sign .rpm packages, and tarballs and SHA256SUMS (detached .asc), with this armored OpenPGP private key (gpg --export-secret-keys --armor KEYID)")
	fl.StringVar(&f.fingerprint, "sign-fingerprint", "", "refuse the key unless it has this fingerprint (spaces allowed)")
	fl.StringVar(&f.passphraseFile, "sign-passphrase-file", "", "read the key's passphrase from this file (default: $"+passphraseEnv+")")
}

// signer reads the key, or returns nil when none was asked for. Relative paths are taken
// from the project directory, as every other path mwedition reads.
func (f *signFlags) signer(dir string) (*signature.Signer, error) {
	if f.keyFile == "" {
		if f.fingerprint != "" || f.passphraseFile != "" {
			return nil, usageError{errors.New("--sign-fingerprint and --sign-passphrase-file need --sign-key")}
		}
		return nil, nil
	}
	key, err := os.ReadFile(inDir(dir, f.keyFile))
	if err != nil {
		return nil, fmt.Errorf("--sign-key: %w", err)
	}
	pass := []byte(os.Getenv(passphraseEnv))
	if f.passphraseFile != "" {
		b, err := os.ReadFile(inDir(dir, f.passphraseFile))
		if err != nil {
			return nil, fmt.Errorf("--sign-passphrase-file: %w", err)
		}
		pass = []byte(strings.TrimRight(string(b), "\r\n"))
	}
	s, err := signature.NewSigner(key, pass, f.fingerprint)
	if err != nil {
		return nil, fmt.Errorf("--sign-key %s: %w", f.keyFile, err)
	}
	return s, nil
}

// inDir takes a relative path from the project directory, as every path mwedition reads.
func inDir(dir, p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(dir, p)
}
