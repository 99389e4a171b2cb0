package debroot

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/lock"
)

// Stage puts every pinned .deb of b into dir (made if missing), linked to its blob in the
// store when the file system allows, copied when not, and checks each staged file's
// SHA-256 against its pin: the bytes mmdebstrap reads are the bytes the lock trusted.
func Stage(st *cache.Store, b lock.DebianBase, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	names := map[string]string{}
	for _, p := range b.Packages {
		file := debFileName(p)
		if other, dup := names[file]; dup {
			return fmt.Errorf("debian base %s: packages %s and %s have the same file name %s", b.Name, other, p.Name, file)
		}
		names[file] = p.Name
		if err := stageOne(st, b.Name, p, filepath.Join(dir, file)); err != nil {
			return err
		}
	}
	return nil
}

func stageOne(st *cache.Store, base string, p lock.DebPackage, dst string) error {
	what := fmt.Sprintf("debian base %s: package %s %s (%s)", base, p.Name, p.Version, p.Architecture)
	if !isSHA256(p.SHA256) {
		return fmt.Errorf("%s: the lock's sha256 %q is not a SHA-256", what, p.SHA256)
	}
	src := st.Path(cache.BlobRel(p.SHA256))
	// A file left there must go first: writing through a link would write into the blob.
	if err := os.Remove(dst); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s: %w", what, err)
	}
	if err := os.Link(src, dst); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("%s: its .deb (sha256 %s) is not in the cache; run mwedition fetch with the network", what, p.SHA256)
		}
		if err := copyFile(src, dst); err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
	}
	got, n, err := fileSHA256(dst)
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	if got != p.SHA256 {
		return fmt.Errorf("%s: the cached .deb's sha256 is %s, but the lock pins %s: refusing a changed package (remove %s from the cache and fetch again)",
			what, got, p.SHA256, src)
	}
	if p.Size > 0 && n != p.Size {
		return fmt.Errorf("%s: the cached .deb has %d bytes, but the lock pins %d", what, n, p.Size)
	}
	return nil
}

// debFileName is the name a pinned .deb has in the private repository: its archive file
// name, which dpkg-scanpackages does not read (it reads the control data).
func debFileName(p lock.DebPackage) string {
	if b := path.Base(p.Filename); p.Filename != "" && b != "." && b != "/" && strings.HasSuffix(b, ".deb") {
		return b
	}
	v := p.Version
	if _, after, ok := strings.Cut(v, ":"); ok {
		v = after
	}
	return p.Name + "_" + v + "_" + p.Architecture + ".deb"
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func fileSHA256(name string) (string, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

func isSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}
