package scaffold

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/klauspost/compress/gzip"
)

// Contents is what a release tarball bundles, read from the tarball itself so that any
// release (1.39, 1.43, ...) gets its own list rather than one written down here.
type Contents struct {
	Version    string    // MW_VERSION in includes/Defines.php
	Extensions []Bundled // sorted by name
	Skins      []Bundled // sorted by name
}

// Bundled is one extension or skin a release tarball ships under extensions/ or skins/.
type Bundled struct {
	Name string
	// Exclude holds the directories (relative to the component) of the prebuilt native
	// executables it ships, such as Scribunto's Lua interpreters: they would make every
	// package architecture-dependent, so the recipe leaves them out.
	Exclude []string
	// Executables counts the prebuilt executables under Exclude.
	Executables int
}

var mwVersion = regexp.MustCompile(`define\(\s*'MW_VERSION',\s*'([^']+)'\s*\)`)

// Inspect reads a MediaWiki release tarball (gzip-compressed tar, one top-level directory)
// and lists the extensions and skins it bundles: the directories of extensions/ holding an
// extension.json and of skins/ holding a skin.json.
func Inspect(r io.Reader) (Contents, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return Contents{}, fmt.Errorf("not a gzip-compressed tarball: %w", err)
	}
	defer zr.Close()
	in := inspector{comps: map[string]*component{}}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Contents{}, fmt.Errorf("reading the tarball: %w", err)
		}
		if err := in.entry(h, tr); err != nil {
			return Contents{}, err
		}
	}
	return in.contents()
}

type component struct {
	kind, name  string
	manifest    bool
	executables []string // paths relative to the component
}

type inspector struct {
	version string
	comps   map[string]*component // by "extensions/NAME" or "skins/NAME"
}

// entry looks at one tar entry; names are taken below the tarball's top-level directory.
func (in *inspector) entry(h *tar.Header, r io.Reader) error {
	name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
	_, rel, ok := strings.Cut(name, "/")
	if !ok || h.Typeflag != tar.TypeReg {
		return nil
	}
	if rel == "includes/Defines.php" {
		b, err := io.ReadAll(io.LimitReader(r, 1<<20))
		if err != nil {
			return fmt.Errorf("reading %s: %w", name, err)
		}
		if m := mwVersion.FindSubmatch(b); m != nil {
			in.version = string(m[1])
		}
		return nil
	}
	parts := strings.SplitN(rel, "/", 3)
	if len(parts) < 3 || (parts[0] != "extensions" && parts[0] != "skins") {
		return nil
	}
	key := parts[0] + "/" + parts[1]
	c := in.comps[key]
	if c == nil {
		c = &component{kind: parts[0], name: parts[1]}
		in.comps[key] = c
	}
	if parts[2] == manifestName(parts[0]) {
		c.manifest = true
	}
	exe, err := isExecutable(r)
	if err != nil {
		return fmt.Errorf("reading %s: %w", name, err)
	}
	if exe {
		c.executables = append(c.executables, parts[2])
	}
	return nil
}

func manifestName(dir string) string {
	if dir == "skins" {
		return "skin.json"
	}
	return "extension.json"
}

func (in *inspector) contents() (Contents, error) {
	if in.version == "" {
		return Contents{}, errors.New("no MW_VERSION in includes/Defines.php: this is not a MediaWiki release tarball")
	}
	out := Contents{Version: in.version}
	for _, c := range in.comps {
		if !c.manifest {
			continue // extensions/README's neighbours without a manifest are not components
		}
		b := Bundled{Name: c.name, Exclude: excludeDirs(c.executables), Executables: len(c.executables)}
		if c.kind == "skins" {
			out.Skins = append(out.Skins, b)
		} else {
			out.Extensions = append(out.Extensions, b)
		}
	}
	for _, l := range [][]Bundled{out.Extensions, out.Skins} {
		sort.Slice(l, func(i, j int) bool { return l[i].Name < l[j].Name })
	}
	return out, nil
}

// excludeDirs is the one directory holding every executable (Scribunto's
// includes/engines/LuaStandalone/binaries), or, when they have no common directory below
// the component's root, each executable itself.
func excludeDirs(exes []string) []string {
	if len(exes) == 0 {
		return nil
	}
	common := path.Dir(exes[0])
	for _, e := range exes[1:] {
		for common != "." && !strings.HasPrefix(e, common+"/") {
			common = path.Dir(common)
		}
	}
	if common != "." {
		return []string{common}
	}
	out := append([]string(nil), exes...)
	sort.Strings(out)
	return out
}

// isExecutable tells a native executable (ELF, Mach-O, PE) by its first bytes. Scripts are
// not: they run wherever their interpreter does.
func isExecutable(r io.Reader) (bool, error) {
	var head [8]byte
	n, err := io.ReadFull(r, head[:])
	if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
		return false, err
	}
	h := head[:n]
	switch {
	case bytes.HasPrefix(h, []byte("\x7fELF")):
		return true, nil
	case bytes.HasPrefix(h, []byte("MZ")):
		return true, nil
	case n >= 4 && isMachO(binary.BigEndian.Uint32(h)):
		return true, nil
	case n == 8 && binary.BigEndian.Uint32(h) == 0xcafebabe:
		// A universal Mach-O binary counts its architectures where a Java class file
		// (same magic) has its version, which is 45 or more.
		return binary.BigEndian.Uint32(h[4:]) < 45, nil
	}
	return false, nil
}

func isMachO(magic uint32) bool {
	switch magic {
	case 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe:
		return true
	}
	return false
}
