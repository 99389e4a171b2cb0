package repro

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/spec"
)

// CopyProject copies what a build reads of the project at src into dst: recipes/,
// editions/, the lock, keyrings, and the directories of dir sources. out/, caches and VCS
// data stay behind.
func CopyProject(src, dst string, set spec.Set) error {
	paths := []string{"recipes", "editions", lock.FileName}
	for _, c := range set.Components() {
		if c.Source.KeyFile != "" {
			paths = append(paths, c.Source.KeyFile)
		}
		if c.Source.Kind == spec.Dir {
			paths = append(paths, c.Source.Path)
		}
	}
	var done []string
	for _, p := range paths {
		p = path.Clean(p)
		if slices.ContainsFunc(done, func(d string) bool { return p == d || strings.HasPrefix(p, d+"/") }) {
			continue // copied with a directory above it
		}
		done = append(done, p)
		from := filepath.Join(src, filepath.FromSlash(p))
		if _, err := os.Lstat(from); errors.Is(err, fs.ErrNotExist) && p != lock.FileName && p != "recipes" && p != "editions" {
			continue // the build reports what is missing, as it would in the original project
		}
		if err := copyTree(from, filepath.Join(dst, filepath.FromSlash(p)), false); err != nil {
			return fmt.Errorf("copying the project (%s): %w", p, err)
		}
	}
	return nil
}

// copyTree copies a file or directory; symlinks are copied as links, and files keep only
// their executable bit. With link, regular files are hard-linked where the file system
// allows.
func copyTree(src, dst string, link bool) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		to := filepath.Join(dst, rel)
		switch {
		case d.IsDir():
			return os.MkdirAll(to, 0o755)
		case d.Type()&fs.ModeSymlink != 0:
			target, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(target, to)
		case d.Type().IsRegular():
			if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
				return err
			}
			if link && os.Link(p, to) == nil {
				return nil
			}
			fi, err := d.Info()
			if err != nil {
				return err
			}
			return fstree.CopyFile(p, to, 0o644|fi.Mode().Perm()&0o111)
		}
		return nil // sockets, devices: nothing a build reads
	})
}

// Seeded says what Seed put into the fresh cache.
type Seeded struct {
	Blobs   int      // release tarballs, signatures, base image blobs: each hashed as it was copied
	Mirrors int      // git mirrors, which the rebuild reads its pinned commits from
	Absent  []string // pinned sources the user's cache lacks: the rebuild fetches them, or fails offline
}

// Seed puts the pinned sources of the lock into a fresh cache from the user's: release
// tarballs by their sha256 and their signatures (copied through the store, which refuses
// bytes that do not hash to the pin), and git mirrors (hard-linked; the rebuild checks each
// tree against the lock's digest). Nothing else: every action of the rebuild runs cold.
func Seed(user, fresh *cache.Store, set spec.Set, lk lock.File) (Seeded, error) {
	var s Seeded
	for _, lc := range lk.Components {
		c, ok := set.Component(lc.ID)
		if !ok {
			continue
		}
		switch lc.Source.Kind {
		case spec.Tarball:
			ok, err := copyBlob(user, fresh, lc.Source.SHA256)
			if err != nil {
				return s, fmt.Errorf("%s: %w", lc.ID, err)
			}
			if !ok {
				s.Absent = append(s.Absent, lc.ID+" (sha256 "+lc.Source.SHA256+")")
				continue
			}
			s.Blobs++
			if c.Source.Signature != "" {
				if sha, ok := user.URLBlob(c.Source.Signature); ok {
					if ok, err := copyBlob(user, fresh, sha); err != nil || !ok {
						return s, fmt.Errorf("%s: the signature %s: %v", lc.ID, c.Source.Signature, err)
					}
					if err := fresh.SetURLBlob(c.Source.Signature, sha); err != nil {
						return s, err
					}
					s.Blobs++
				}
			}
		case spec.Git:
			from, to := user.GitDir(lc.Source.URL), fresh.GitDir(lc.Source.URL)
			if _, err := os.Stat(filepath.Join(from, "HEAD")); err != nil {
				s.Absent = append(s.Absent, lc.ID+" (commit "+lc.Source.Commit+")")
				continue
			}
			if _, err := os.Stat(to); err == nil {
				continue // two components from one remote
			}
			if err := copyTree(from, to, true); err != nil {
				return s, fmt.Errorf("%s: copying the git mirror: %w", lc.ID, err)
			}
			s.Mirrors++
		}
	}
	return s, nil
}

// SeedImage copies a stored image or index (a registry base, by digest) and every blob it
// reaches from the user's cache, each checked against its digest; false when the user's
// cache lacks it.
func SeedImage(user, fresh *cache.Store, digest string) (bool, int, error) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return false, 0, fmt.Errorf("image %q: %w", digest, err)
	}
	blobs, err := closure(oci.LayoutDir(user.Root()), h)
	if errors.Is(err, fs.ErrNotExist) {
		return false, 0, nil
	}
	if err != nil {
		return false, 0, err
	}
	n := 0
	for _, b := range blobs {
		ok, err := copyBlob(user, fresh, strings.TrimPrefix(b, "sha256:"))
		if err != nil {
			return false, n, err
		}
		if !ok {
			return false, n, nil
		}
		n++
	}
	return true, n, nil
}

// copyBlob copies a blob through AddBlob, which keeps it only if it hashes to sha.
func copyBlob(user, fresh *cache.Store, sha string) (bool, error) {
	if !user.HasBlob(sha) {
		return false, nil
	}
	if fresh.HasBlob(sha) {
		return true, nil
	}
	f, err := os.Open(user.Path(cache.BlobRel(sha)))
	if err != nil {
		return false, err
	}
	defer f.Close()
	if _, _, err := fresh.AddBlob(f, sha); err != nil {
		return false, fmt.Errorf("the cached blob %s: %w (the user's cache is corrupt: delete it and fetch again)", sha, err)
	}
	return true, nil
}
