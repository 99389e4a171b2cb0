package layout

import (
	"bytes"
	"fmt"
	"io"
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

// shebangLimit is how much of a file is read to find its interpreter.
const shebangLimit = 256

// PackageScripts applies to a component's tree the rules Debian's dh_fixperms and Fedora's
// brp scripts apply to upstream trees, so that what a package ships runs as shipped:
//   - a script for an interpreter the package can depend on (php, python3, the shells) is
//     executable, and the package depends on the interpreter;
//   - a script for any other interpreter (upstream's node and python 2 developer tools,
//     which MediaWiki never runs) is left out of the package;
//   - a file marked executable without a "#!" line (PHP classes, data) becomes a plain file.
//
// For RPM, whose tooling refuses "#!/usr/bin/env" (rpmlint's env-script-interpreter, as
// Fedora's brp-mangle-shebangs), such a line is rewritten to the interpreter's own path;
// rewrite stores the new bytes and returns their Src, digest and size.
func PackageScripts(t fstree.Tree, open func(src string) (io.ReadCloser, error), rewrite func([]byte) (string, string, int64, error), fam platform.Family) (fstree.Tree, []string, error) {
	var deps []string
	entries := make([]fstree.Entry, 0, t.Len())
	for _, e := range t.Entries() {
		if e.Type != fstree.File || e.Size < 3 {
			if e.Type == fstree.File {
				e.Exec = false
			}
			entries = append(entries, e)
			continue
		}
		interp, viaEnv, err := interpreter(e, open)
		if err != nil {
			return fstree.Tree{}, nil, err
		}
		pkgs, ok := interpreterPackages[interp]
		switch {
		case interp == "":
			e.Exec = false
		case !ok:
			continue
		default:
			e.Exec = true
			if viaEnv && fam == platform.RPM {
				if e, err = withoutEnv(e, interp, open, rewrite); err != nil {
					return fstree.Tree{}, nil, err
				}
			}
			if p := pkgs[fam]; p != "" && !slices.Contains(deps, p) {
				deps = append(deps, p)
			}
		}
		entries = append(entries, e)
	}
	slices.Sort(deps)
	nt, err := fstree.New(entries)
	return nt, deps, err
}

// interpreter names the program a script's "#!" line runs ("#!/usr/bin/env php" and
// "#!/usr/bin/php" are both "php", the first via env), or "" when the file has no such line.
func interpreter(e fstree.Entry, open func(src string) (io.ReadCloser, error)) (string, bool, error) {
	f, err := open(e.Src)
	if err != nil {
		return "", false, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	defer f.Close()
	head := make([]byte, shebangLimit)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", false, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	head = head[:n]
	if !bytes.HasPrefix(head, []byte("#!")) {
		return "", false, nil
	}
	line, _, _ := bytes.Cut(head[2:], []byte("\n"))
	fields := strings.Fields(string(line))
	if len(fields) == 0 {
		return "", false, nil
	}
	prog := path.Base(fields[0])
	if prog == "env" {
		args := slices.DeleteFunc(slices.Clone(fields[1:]), func(a string) bool { return strings.HasPrefix(a, "-") })
		if len(args) == 0 {
			return "", false, nil
		}
		// "env -S prog ...": the interpreter is known, but the line is not rewritten.
		return path.Base(args[0]), len(args) == len(fields)-1, nil
	}
	return prog, false, nil
}

// interpreterPaths are where the interpreters live on an RPM-based system.
var interpreterPaths = map[string]string{"php": "/usr/bin/php", "python3": "/usr/bin/python3", "sh": "/bin/sh", "bash": "/bin/bash"}

// withoutEnv rewrites "#!/usr/bin/env prog args" to "#!/path/of/prog args".
func withoutEnv(e fstree.Entry, interp string, open func(string) (io.ReadCloser, error), rewrite func([]byte) (string, string, int64, error)) (fstree.Entry, error) {
	f, err := open(e.Src)
	if err != nil {
		return e, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return e, fmt.Errorf("reading %s: %w", e.Path, err)
	}
	line, rest, _ := bytes.Cut(b, []byte("\n"))
	fields := strings.Fields(string(line[2:]))
	newLine := "#!" + strings.Join(append([]string{interpreterPaths[interp]}, fields[2:]...), " ")
	nb := append([]byte(newLine+"\n"), rest...)
	if !bytes.Contains(b, []byte("\n")) {
		nb = []byte(newLine)
	}
	src, sha, size, err := rewrite(nb)
	if err != nil {
		return e, fmt.Errorf("rewriting %s: %w", e.Path, err)
	}
	e.Src, e.Digest, e.Size = src, sha, size
	return e, nil
}

// PackagedPath reports whether a component's path belongs in its OS package. Left out, as
// Debian's mediawiki package does: the component's own tests (fixtures include deliberately
// broken archives, and MediaWiki never loads them), and .htaccess files, which the Apache
// snippet replaces (it sets AllowOverride None and carries their rules).
func PackagedPath(e fstree.Entry) bool {
	if e.Path == "tests" {
		return false
	}
	return !(e.Type == fstree.File && path.Base(e.Path) == ".htaccess")
}
