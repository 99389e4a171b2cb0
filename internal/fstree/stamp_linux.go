package fstree

import (
	"io/fs"
	"syscall"
)

// stampOf reads a file's stamp from its stat; ok is false where the system gives none.
func stampOf(fi fs.FileInfo) (Stamp, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Stamp{}, false
	}
	return Stamp{Size: fi.Size(), MTime: fi.ModTime().UnixNano(), CTime: st.Ctim.Nano(), Inode: st.Ino}, true
}
