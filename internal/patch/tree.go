package patch

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
)

// applyFiles applies each file of a patch to st, or their reverses in reverse order.
func applyFiles(st *state, files []fileDiff, reverse bool) ([]Change, *Error) {
	order := files
	if reverse {
		order = slices.Clone(files)
		slices.Reverse(order)
	}
	var changes []Change
	for _, f := range order {
		c, err := applyFile(st, f, reverse)
		if err != nil {
			if err.Path == "" {
				err.Path = f.path
			}
			return nil, err
		}
		changes = append(changes, c)
	}
	return changes, nil
}

// applyFile reads the file a change starts from, applies its hunks and writes the result.
func applyFile(st *state, f fileDiff, reverse bool) (Change, *Error) {
	src, dst, mode := f.from, f.path, f.newMode
	if src == "" {
		src = f.path
	}
	isNew, isDelete := f.isNew, f.isDelete
	if reverse {
		mode, isNew, isDelete = f.oldMode, f.isDelete, f.isNew
		if f.isRename {
			src, dst = f.path, f.from
		}
		if f.isCopy {
			src = f.path
		}
	}
	data, oldMode, exists, err := st.read(src)
	if err != nil {
		return Change{}, &Error{Path: src, Err: err}
	}
	switch {
	case isNew && exists:
		return Change{}, &Error{Path: src, Err: errors.New("the patch creates it, but it already exists")}
	case !isNew && !exists:
		return Change{}, &Error{Path: src, Err: errors.New("no such file in the tree")}
	}
	out, hunks, herr := applyHunks(data, f.fragments, reverse)
	if herr != nil {
		herr.Path = src
		return Change{}, herr
	}
	if mode == 0 {
		mode = oldMode
	}
	if mode == 0 {
		mode = 0o644
	}
	c := Change{Path: f.path, From: f.from, Op: f.op, Mode: f.newMode, Hunks: hunks}
	return c, st.finish(f, src, dst, out, mode, isDelete, reverse)
}

// finish records a file change's outcome in st.
func (st *state) finish(f fileDiff, src, dst string, out []byte, mode fs.FileMode, isDelete, reverse bool) *Error {
	switch {
	case isDelete:
		if len(out) != 0 {
			return &Error{Path: src, Err: errors.New("the file holds more than the patch deletes")}
		}
		return st.remove(src)
	case reverse && f.isCopy:
		// The copy's reverse removes it, once it matches its source again.
		orig, _, ok, err := st.read(f.from)
		if err != nil || !ok || !bytes.Equal(orig, out) {
			return &Error{Path: src, Err: fmt.Errorf("it is not a copy of %s", f.from)}
		}
		return st.remove(src)
	}
	if dst != src || f.isCopy {
		if _, _, exists, err := st.read(dst); err != nil || exists {
			if err == nil {
				err = errors.New("the patch renames or copies a file onto it, but it already exists")
			}
			return &Error{Path: dst, Err: err}
		}
	}
	if err := st.write(dst, out, mode); err != nil {
		return err
	}
	if dst != src && !f.isCopy {
		if err := st.remove(src); err != nil {
			return err
		}
		st.files[dst].from = src
	}
	return nil
}

func (st *state) write(p string, data []byte, mode fs.FileMode) *Error {
	inBase, err := st.inBase(p)
	if err != nil {
		return &Error{Path: p, Err: err}
	}
	st.files[p] = &entry{data: data, mode: mode, inBase: inBase}
	return nil
}

func (st *state) remove(p string) *Error {
	inBase, err := st.inBase(p)
	if err != nil {
		return &Error{Path: p, Err: err}
	}
	st.files[p] = &entry{gone: true, inBase: inBase}
	return nil
}

func (st *state) inBase(p string) (bool, error) {
	if e, ok := st.files[p]; ok {
		return e.inBase, nil
	}
	_, err := fs.Lstat(st.base, p)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return err == nil, err
}

// read returns a path's content and mode as the patches so far left it. It refuses a
// path that is, or goes through, a symbolic link, so that no patch writes outside the tree.
func (st *state) read(p string) ([]byte, fs.FileMode, bool, error) {
	if err := st.checkParents(p); err != nil {
		return nil, 0, false, err
	}
	if e, ok := st.files[p]; ok {
		return e.data, e.mode, !e.gone, nil
	}
	info, err := fs.Lstat(st.base, p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, 0, false, nil
	} else if err != nil {
		return nil, 0, false, fmt.Errorf("reading the tree: %w", err)
	}
	switch {
	case info.Mode()&fs.ModeSymlink != 0:
		return nil, 0, false, errors.New("is a symbolic link in the tree: patches may not change symbolic links or write through them")
	case info.IsDir():
		return nil, 0, false, errors.New("is a directory in the tree")
	case !info.Mode().IsRegular():
		return nil, 0, false, errors.New("is not a regular file in the tree")
	case info.Size() > maxFileSize:
		return nil, 0, false, fmt.Errorf("is %d bytes, more than the %d a patched file may hold", info.Size(), maxFileSize)
	}
	data, err := fs.ReadFile(st.base, p)
	if err != nil {
		return nil, 0, false, fmt.Errorf("reading the tree: %w", err)
	}
	return data, info.Mode().Perm(), true, nil
}

// checkParents refuses a path whose directories include a symbolic link or a file.
func (st *state) checkParents(p string) error {
	var dirs []string
	for d := path.Dir(p); d != "."; d = path.Dir(d) {
		dirs = append(dirs, d)
	}
	slices.Reverse(dirs)
	inBase := true
	for _, d := range dirs {
		if e, ok := st.files[d]; ok && !e.gone {
			return fmt.Errorf("its directory %s is a file", d)
		}
		if !inBase {
			continue
		}
		info, err := fs.Lstat(st.base, d)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			inBase = false
		case err != nil:
			return fmt.Errorf("reading the tree: %w", err)
		case info.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("its directory %s is a symbolic link in the tree: patches may not write through one", d)
		case !info.IsDir():
			if e, ok := st.files[d]; !ok || !e.gone {
				return fmt.Errorf("its directory %s is a file in the tree", d)
			}
			inBase = false
		}
	}
	return nil
}
