package dnf

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/mwedition/mwedition/internal/repo"
	"github.com/mwedition/mwedition/internal/signature"
)

// What the .repo file promises its users is checked before anything is written: gpgcheck=1
// (every package is signed by the key gpgkey names) and repo_gpgcheck=1 with that key
// (repomd.xml is signed by it, the key they imported on their first install).

// repositoryKey is the signer's public key, to check the packages' signatures with. A
// repository already served with another key is refused: its users imported that key.
func repositoryKey(r *repo.Repo, opt Options) (openpgp.EntityList, error) {
	if opt.Signer == nil {
		return nil, errors.New("dnf repository: a signing key is required (repomd.xml is checked with repo_gpgcheck=1)")
	}
	pub, err := opt.Signer.ArmoredPublicKey()
	if err != nil {
		return nil, err
	}
	keys, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	if err != nil {
		return nil, fmt.Errorf("reading back key %s: %w", opt.Signer.Fingerprint(), err)
	}
	id := opt.ID
	if id == "" {
		id = DefaultID
	}
	served, err := r.ReadFile(KeyPath(id))
	if errors.Is(err, fs.ErrNotExist) {
		return keys, nil
	}
	if err != nil {
		return nil, err
	}
	ring, err := signature.ReadKeyring(bytes.NewReader(served))
	if err != nil {
		return nil, fmt.Errorf("dnf repository %s: the served key %s: %w", r.Dir(), KeyPath(id), err)
	}
	if fprs := ring.Fingerprints(); !slices.Contains(fprs, opt.Signer.Fingerprint()) {
		return nil, &KeyChangeError{Dir: r.Dir(), KeyFile: KeyPath(id), Served: fprs, Given: opt.Signer.Fingerprint()}
	}
	return keys, nil
}

// KeyChangeError refuses to sign a served repository with a key other than the one its
// users imported from its key file.
type KeyChangeError struct {
	Dir, KeyFile string
	Served       []string // fingerprints in the served key file
	Given        string   // the signing key's
}

func (e *KeyChangeError) Error() string {
	return fmt.Sprintf("the repository is signed with key %s (its %s, which the .repo file's gpgkey names and users imported), not with the key given, %s: dnf would stop trusting it, or ask every user to import a new key",
		strings.Join(e.Served, ", "), e.KeyFile, e.Given)
}

// UnsignedError refuses a publish whose repository would list packages that are not
// signed by its key: the .repo file says gpgcheck=1, so dnf would refuse to install them.
type UnsignedError struct {
	Key      string // the repository key's fingerprint
	Packages []Unsigned
}

// Unsigned is one package the repository's key did not sign.
type Unsigned struct {
	File      string   // the file read: a build's, or the pool's
	Published bool     // listed by the repository already
	Others    []string // key IDs of the keys that signed it; none: unsigned
}

func (e *UnsignedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d of the packages the repository would list are not signed by its key %s, and its .repo file says gpgcheck=1: dnf would refuse to install them:", len(e.Packages), e.Key)
	for _, u := range e.Packages {
		what := "not signed"
		if len(u.Others) > 0 {
			what = "signed by key " + strings.Join(u.Others, ", ") + ", not the repository's"
		}
		if u.Published {
			what += " (published earlier)"
		}
		fmt.Fprintf(&b, "\n  %s: %s", u.File, what)
	}
	return b.String()
}

// checkSigned refuses kept packages that key did not sign.
func (in *inputs) checkSigned(kept []Package, key string) error {
	e := &UnsignedError{Key: key}
	for _, p := range kept {
		sg := in.signing[p.Href]
		if sg.ByKey {
			continue
		}
		e.Packages = append(e.Packages, Unsigned{File: in.src[p.Href], Published: in.served[p.Href], Others: sg.Others})
	}
	if len(e.Packages) == 0 {
		return nil
	}
	slices.SortFunc(e.Packages, func(a, b Unsigned) int { return strings.Compare(a.File, b.File) })
	return e
}
