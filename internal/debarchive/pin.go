package debarchive

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path"
)

// Pin is one .deb as editions.lock records it: enough to fetch it again (Filename below the
// archive's root), to name it in an SBOM, and to check its bytes offline.
type Pin struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
	Filename     string `json:"filename"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
}

// Pin is the pin of a package read from a verified index.
func (p Package) Pin() Pin {
	return Pin{Name: p.Package, Version: p.Version, Architecture: p.Architecture,
		Filename: p.Filename, Size: p.Size, SHA256: p.SHA256}
}

// Check reports whether a pin, as read back from a lock that may have been edited by hand,
// is well formed; VerifyDeb calls it first.
func (p Pin) Check() error {
	pkg := Package{Package: p.Name, Version: p.Version, Architecture: p.Architecture,
		Filename: p.Filename, Size: p.Size, SHA256: p.SHA256}
	if err := pkg.check(); err != nil {
		return fmt.Errorf("pin %s: %w", p, err)
	}
	if p.Size < 0 {
		return fmt.Errorf("pin %s: negative size %d", p, p.Size)
	}
	return nil
}

// String names the pin by its .deb's file name in the pool, which says name, version
// (without epoch) and architecture.
func (p Pin) String() string {
	if p.Filename != "" {
		return path.Base(p.Filename)
	}
	return p.Name + "_" + p.Version + "_" + p.Architecture
}

// VerifyDeb reads the .deb from r and checks that it has exactly the pinned size and
// SHA-256. It reads at most one byte more than the pin's size, so a hostile mirror cannot
// stream without end. A mismatch wraps ErrHashMismatch.
func VerifyDeb(p Pin, r io.Reader) error {
	if err := p.Check(); err != nil {
		return err
	}
	h := sha256.New()
	n, err := io.Copy(h, io.LimitReader(r, p.Size+1))
	if err != nil {
		return fmt.Errorf("%s: reading: %w", p, err)
	}
	got := hex.EncodeToString(h.Sum(nil))
	if n != p.Size || got != p.SHA256 {
		return fmt.Errorf("%s: %w: got %s, pinned %d bytes with sha256 %s", p, ErrHashMismatch, sizeOf(n, p.Size, got), p.Size, p.SHA256)
	}
	return nil
}

// sizeOf describes what was read; past the pinned size the hash says nothing useful.
func sizeOf(n, want int64, sum string) string {
	if n > want {
		return fmt.Sprintf("more than %d bytes", want)
	}
	return fmt.Sprintf("%d bytes with sha256 %s", n, sum)
}
