// Package tarfile holds the byte-level mechanics that the writers of .deb packages, release
// tarballs and OCI layers share: the tar header of a tree entry, copying an entry's bytes out
// of the content store with every integrity check, and the gzip settings, each made by one
// constructor so that the rule for the gzip header's time lives in one place.
//
// Whatever moves between files must keep its bytes: the callers' golden digests pin the
// headers this package writes and the compressed streams its settings make. Nothing here
// reads the clock, the host or the environment, and nothing prints.
package tarfile

import (
	"archive/tar"
	"fmt"
	"time"

	"github.com/mwedition/mwedition/internal/fstree"
)

// Store resolves a tree entry's Src to a path on this host. internal/cache.Store satisfies it.
type Store interface {
	Path(src string) string
}

// Header is the tar header of e under name: a directory's name gains the trailing slash tar
// readers expect, modes are the tree's normalised permission bits (symlinks 0777), owners
// are uid and gid 0, and the time is mtime. Owner names and the header format are left
// unset, so that archive/tar picks USTAR and PAX only where USTAR cannot hold an entry;
// writers that need otherwise (a .deb's GNU headers named root) set them on the result.
func Header(name string, e fstree.Entry, mtime time.Time) (*tar.Header, error) {
	h := &tar.Header{Name: name, ModTime: mtime, Mode: int64(e.Mode().Perm())}
	switch e.Type {
	case fstree.Dir:
		h.Typeflag, h.Name = tar.TypeDir, name+"/"
	case fstree.Symlink:
		h.Typeflag, h.Linkname = tar.TypeSymlink, e.Target
	case fstree.File:
		h.Typeflag, h.Size = tar.TypeReg, e.Size
	default:
		return nil, fmt.Errorf("%s: cannot put a %s in a tar archive", name, e.Type)
	}
	return h, nil
}
