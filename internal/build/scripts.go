package build

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/platform"
)

// interpreterPackages are the interpreters a packaged script may keep its executable bit
// for, with the package that provides each. The shells are essential on Debian and in every
// RPM-based root, so they need no relation.
var interpreterPackages = map[string]map[platform.Family]string{
	"php":     {platform.Debian: "php-cli", platform.RPM: "php-cli"},
	"python3": {platform.Debian: "python3", platform.RPM: "python3"},
	"sh":      {},
	"bash":    {},
}

// shebangLimit is how much of an executable file is read to find its interpreter.
const shebangLimit = 256

// packageScripts applies the rule Debian's dh_fixperms and Fedora's brp scripts apply to
// upstream trees: a file stays executable only if it is a script for an interpreter the
// package can depend on, and the package then depends on it. Files marked executable without
// a "#!" line (PHP classes, data) and upstream's developer tools for other interpreters
// (node, python 2) become plain files: MediaWiki runs none of them. The tree's other
// entries are untouched.
func packageScripts(t fstree.Tree, open func(src string) (io.ReadCloser, error), fam platform.Family) (fstree.Tree, []string, error) {
	var deps []string
	changed := false
	entries := t.Entries()
	for i, e := range entries {
		if e.Type != fstree.File || !e.Exec {
			continue
		}
		interp, err := interpreter(e, open)
		if err != nil {
			return fstree.Tree{}, nil, err
		}
		pkgs, ok := interpreterPackages[interp]
		if !ok {
			entries[i].Exec = false
			changed = true
			continue
		}
		if p := pkgs[fam]; p != "" && !slices.Contains(deps, p) {
			deps = append(deps, p)
		}
	}
	slices.Sort(deps)
	if !changed {
		return t, deps, nil
	}
	nt, err := fstree.New(entries)
	return nt, deps, err
}

// interpreter names the program a script's "#!" line runs ("#!/usr/bin/env php" and
// "#!/usr/bin/php" are both "php"), or "" when the file has no such line.
func interpreter(e fstree.Entry, open func(src string) (io.ReadCloser, error)) (string, error) {
	f, err := open(e.Src)
	if err != nil {
		return "", fmt.Errorf("reading %s: %w", e.Path, err)
	}
	defer f.Close()
	head := make([]byte, shebangLimit)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("reading %s: %w", e.Path, err)
	}
	head = head[:n]
	if !bytes.HasPrefix(head, []byte("#!")) {
		return "", nil
	}
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return "", nil
	}
	prog := path.Base(fields[0])
	if prog == "env" {
		args := slices.DeleteFunc(fields[1:], func(a string) bool { return strings.HasPrefix(a, "-") })
		if len(args) == 0 {
			return "", nil
		}
		prog = path.Base(args[0])
	}
	return prog, nil
}

// openStored opens a tree entry's bytes in the store.
func (o Options) openStored(src string) (io.ReadCloser, error) {
	return os.Open(o.store().Path(src))
}
