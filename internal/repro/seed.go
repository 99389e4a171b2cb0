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

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/spec"
)

// CopyProject copies what a build reads of the project at src into dst: recipes/,
// editions/, the lock, line.hcl, keyrings, patch files, and the directories of dir sources, library
// recipes' included. out/, caches and VCS data stay behind. A release line's shared
// manifests are copied where its includes find them, so the copy's root (returned) may sit
// below dst: lines/1.43 for a line that includes ../../editions/*.hcl.
func CopyProject(src, dst string, set spec.Set) (string, error) {
	line, diags := load.LineOf(src)
	if diags.HasErrors() {
		return "", diags
	}
	dst, err := copyIncludes(src, dst, line)
	if err != nil {
		return "", err
	}
	paths := []string{"recipes", "editions", lock.FileName, spec.LineFileName}
	srcs := []spec.Source{}
	for _, c := range set.Components() {
		srcs = append(srcs, c.Source)
	}
	for _, l := range set.Libraries() {
		srcs = append(srcs, l.Source) // a library recipe's dir is read as a component's is
	}
	for _, src := range srcs {
		if src.KeyFile != "" {
			paths = append(paths, src.KeyFile)
		}
		if src.Kind == spec.Dir {
			paths = append(paths, src.Path)
		}
		for _, p := range src.Patches {
			paths = append(paths, p.Path)
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
		if _, err := os.Lstat(from); errors.Is(err, fs.ErrNotExist) && (p != lock.FileName && p != "recipes" && p != "editions" || line != nil && p != lock.FileName) {
			continue // the build reports what is missing, as it would in the original project
		}
		if err := copyTree(from, filepath.Join(dst, filepath.FromSlash(p)), false); err != nil {
			return "", fmt.Errorf("copying the project (%s): %w", p, err)
		}
	}
	return dst, nil
}

// copyIncludes copies the manifests a line includes from outside its directory, keeping
// their places relative to it, and returns where the line's own root goes in the copy.
func copyIncludes(src, dst string, line *spec.Line) (string, error) {
	if line == nil {
		return dst, nil
	}
	up := line.Up()
	abs, err := filepath.Abs(src)
	if err != nil {
		return "", err
	}
	parts := strings.Split(filepath.ToSlash(abs), "/")
	if up >= len(parts) {
		return "", fmt.Errorf("copying the project: line %q includes files above /", line.Name)
	}
	root := filepath.Join(dst, filepath.FromSlash(strings.Join(parts[len(parts)-up:], "/")))
	for _, g := range line.Include {
		matches, err := filepath.Glob(filepath.Join(src, filepath.FromSlash(g)))
		if err != nil {
			return "", fmt.Errorf("copying the project: include %s: %w", g, err)
		}
		for _, m := range matches {
			rel, err := filepath.Rel(src, m)
			if err != nil {
				return "", err
			}
			if err := copyTree(m, filepath.Join(root, rel), false); err != nil {
				return "", fmt.Errorf("copying the project (%s): %w", rel, err)
			}
		}
	}
	return root, nil
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
// tarballs and composer libraries' dist archives by their sha256 and the tarballs'
// signatures and the Debian bases' .debs (copied through the store, which refuses bytes
// that do not hash to the pin), and git mirrors (hard-linked; the rebuild checks each tree against the lock's digest).
// Nothing else: every action of the rebuild runs cold.
func Seed(user, fresh *cache.Store, set spec.Set, lk lock.File) (Seeded, error) {
	var s Seeded
	for _, p := range seedPins(set, lk) {
		var err error
		switch p.pin.Kind {
		case spec.Tarball:
			err = s.seedBlob(user, fresh, p)
		case spec.Git:
			err = s.seedMirror(user, fresh, p)
		}
		if err != nil {
			return s, err
		}
	}
	return s, s.seedDebianBases(user, fresh, lk)
}

// seedDebianBases copies every .deb the lock's Debian bases pin, which the rebuild makes
// each base's root from.
func (s *Seeded) seedDebianBases(user, fresh *cache.Store, lk lock.File) error {
	for _, b := range lk.DebianBases {
		for _, p := range b.Packages {
			ok, err := copyBlob(user, fresh, p.SHA256)
			if err != nil {
				return fmt.Errorf("debian base %s: %s %s: %w", b.Name, p.Name, p.Version, err)
			}
			if !ok {
				s.Absent = append(s.Absent, fmt.Sprintf("debian base %s: %s %s (sha256 %s)", b.Name, p.Name, p.Version, p.SHA256))
				continue
			}
			s.Blobs++
		}
	}
	return nil
}

// seedPin is one pinned source of the lock: a component's or a library's.
type seedPin struct {
	id        string
	pin       lock.Source
	signature string // the URL of a tarball's detached signature, if its recipe has one
}

// seedPins lists the lock's pinned sources: its components' that a recipe still declares,
// then those of the libraries its editions ship (a plugin is never unpacked). A library
// whose source the lock no longer says is left out: the rebuild reports it, naming it.
func seedPins(set spec.Set, lk lock.File) []seedPin {
	var out []seedPin
	for _, lc := range lk.Components {
		if c, ok := set.Component(lc.ID); ok {
			out = append(out, seedPin{id: lc.ID, pin: lc.Source, signature: c.Source.Signature})
		}
	}
	shipped := map[string]bool{}
	for _, e := range lk.Editions {
		for _, n := range e.Libraries {
			shipped[n] = true
		}
	}
	for _, lib := range lk.Libraries {
		if lib.Plugin || !shipped[lib.Name] {
			continue
		}
		if pin, err := build.LibrarySource(set, lib); err == nil {
			out = append(out, seedPin{id: spec.ID(spec.LibraryKind, lib.Name), pin: pin})
		}
	}
	return out
}

func (s *Seeded) seedBlob(user, fresh *cache.Store, p seedPin) error {
	ok, err := copyBlob(user, fresh, p.pin.SHA256)
	if err != nil {
		return fmt.Errorf("%s: %w", p.id, err)
	}
	if !ok {
		s.Absent = append(s.Absent, p.id+" (sha256 "+p.pin.SHA256+")")
		return nil
	}
	s.Blobs++
	if p.signature == "" {
		return nil
	}
	sha, ok := user.URLBlob(p.signature)
	if !ok {
		return nil
	}
	if ok, err := copyBlob(user, fresh, sha); err != nil || !ok {
		return fmt.Errorf("%s: the signature %s: %v", p.id, p.signature, err)
	}
	if err := fresh.SetURLBlob(p.signature, sha); err != nil {
		return err
	}
	s.Blobs++
	return nil
}

func (s *Seeded) seedMirror(user, fresh *cache.Store, p seedPin) error {
	from, to := user.GitDir(p.pin.URL), fresh.GitDir(p.pin.URL)
	if _, err := os.Stat(filepath.Join(from, "HEAD")); err != nil {
		s.Absent = append(s.Absent, p.id+" (commit "+p.pin.Commit+")")
		return nil
	}
	if _, err := os.Stat(to); err == nil {
		return nil // two components from one remote
	}
	if err := copyTree(from, to, true); err != nil {
		return fmt.Errorf("%s: copying the git mirror: %w", p.id, err)
	}
	s.Mirrors++
	return nil
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
