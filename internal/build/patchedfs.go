package build

import (
	"errors"
	"io/fs"
	"os"
	"strings"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// patchedFS is c's unpacked source as its container's patches leave it: what the lock reads
// c's registration from, so that a patch to extension.json (Math's without MathJax) is what
// the lock records of it.
func (l *locker) patchedFS(c spec.Component, containerPin lock.Source) (fs.FS, error) {
	base, err := l.srcFS(c, containerPin)
	if err != nil {
		return nil, err
	}
	p, err := format.Lookup[Patched](l.report, patchAction(container(c)))
	if err != nil {
		return base, nil // no patch action ran: the source is as unpacked
	}
	prefix := ""
	if c.Source.Kind == spec.Bundled {
		prefix = c.Source.Path + "/"
	}
	o := overlayFS{base: base, files: map[string]string{}, deleted: map[string]bool{}}
	for _, f := range p.Files {
		rel, ok := strings.CutPrefix(f.Path, prefix)
		if !ok {
			continue
		}
		if f.Deleted {
			o.deleted[rel] = true
		} else {
			o.files[rel] = l.o.store().Path(cache.BlobRel(f.Blob))
		}
	}
	return o, nil
}

// overlayFS is base with some files replaced (by files on disk) or deleted.
type overlayFS struct {
	base    fs.FS
	files   map[string]string
	deleted map[string]bool
}

func (o overlayFS) Open(name string) (fs.File, error) {
	if o.deleted[name] {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	if p, ok := o.files[name]; ok {
		f, err := os.Open(p)
		if errors.Is(err, fs.ErrNotExist) {
			return nil, &fs.PathError{Op: "open", Path: name, Err: err}
		}
		return f, err
	}
	return o.base.Open(name)
}
