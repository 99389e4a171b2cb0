// Package signaturetest makes throwaway OpenPGP signing keys for tests of what signs
// (internal/signature, and the packages and repositories signed with it). Never use it
// outside tests: the keys are made without a passphrase and thrown away.
package signaturetest

import (
	"bytes"
	"encoding/hex"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
)

// Key is a throwaway RSA signing key, armored.
type Key struct {
	Entity      *openpgp.Entity
	Priv, Pub   []byte
	Encrypted   []byte // Priv protected by "correct horse"
	Fingerprint string
	Created     time.Time
}

var (
	keysOnce sync.Once
	keys     [2]Key
	keysErr  error
)

// Keys returns two keys made once per test binary: RSA, as every rpm can verify it.
func Keys(t testing.TB) [2]Key {
	t.Helper()
	keysOnce.Do(func() {
		for i, name := range []string{"mwedition release", "someone else"} {
			if keys[i], keysErr = newKey(name); keysErr != nil {
				return
			}
		}
	})
	if keysErr != nil {
		t.Fatal(keysErr)
	}
	return keys
}

func newKey(name string) (Key, error) {
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	cfg := &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048, Time: func() time.Time { return created }}
	e, err := openpgp.NewEntity(name, "test only", "release@mwedition.example.org", cfg)
	if err != nil {
		return Key{}, err
	}
	k := Key{Entity: e, Created: created, Fingerprint: strings.ToUpper(hex.EncodeToString(e.PrimaryKey.Fingerprint))}
	if k.Priv, err = armorKey(openpgp.PrivateKeyType, func(w io.Writer) error { return e.SerializePrivate(w, nil) }); err != nil {
		return k, err
	}
	if k.Pub, err = armorKey(openpgp.PublicKeyType, e.Serialize); err != nil {
		return k, err
	}
	enc, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(k.Priv))
	if err != nil {
		return k, err
	}
	if err := enc[0].EncryptPrivateKeys([]byte("correct horse"), nil); err != nil {
		return k, err
	}
	k.Encrypted, err = armorKey(openpgp.PrivateKeyType, func(w io.Writer) error { return enc[0].SerializePrivateWithoutSigning(w, nil) })
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
