package debarchive

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
)

// Source is one stanza of a Sources index, or a .dsc: a source package and the files that
// make it (the .dsc itself, the orig tarball, the Debian changes), from Checksums-Sha256.
type Source struct {
	Package, Version string
	// Directory holds the files, below the archive's root (pool/main/m/mediawiki); a .dsc
	// does not say where it lies, so it is empty there.
	Directory string
	Files     []SourceFile
}

// SourceFile is one file of a source package.
type SourceFile struct {
	Name   string
	Size   int64
	SHA256 string
}

// File returns the file of s named name.
func (s Source) File(name string) (SourceFile, bool) {
	for _, f := range s.Files {
		if f.Name == name {
			return f, true
		}
	}
	return SourceFile{}, false
}

// Path is where the archive keeps f, below its root.
func (s Source) Path(f SourceFile) string { return path.Join(s.Directory, f.Name) }

// ReadSourcesIndex reads the Sources index at p (relative to dists/<suite>/, such as
// "main/source/Sources.xz") from r, checks its size and SHA-256 against rel's entry for it
// before decompressing it, and returns its source packages in index order.
func ReadSourcesIndex(rel Release, p string, r io.Reader) ([]Source, error) {
	var srcs []Source
	err := readIndex(rel, p, r, func(text io.Reader) error {
		var err error
		srcs, err = ParseSources(text)
		return err
	})
	return srcs, err
}

// ParseSources reads the text of a Sources index. Every stanza must name the package, its
// version, its directory and at least one file with its size and SHA-256.
func ParseSources(r io.Reader) ([]Source, error) {
	var srcs []Source
	err := readStanzas(r, func(s stanza) error {
		src, err := sourceOf(s, "Package")
		if err == nil {
			err = checkDirectory(src)
		}
		if err != nil {
			return fmt.Errorf("stanza at line %d: %w", s.line, err)
		}
		srcs = append(srcs, src)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("Sources: %w", err)
	}
	return srcs, nil
}

// ReadDsc reads the .dsc of src from r: its bytes must be the size and SHA-256 that src (read
// from a verified Sources index) gives the file named name, and the files it lists must be
// those src lists besides itself, with the same sizes and hashes. The .dsc's own signature,
// by its uploader, is not checked: the archive's signature on the index already vouches for
// its bytes.
func ReadDsc(src Source, name string, r io.Reader) (Source, error) {
	want, ok := src.File(name)
	if !ok || !strings.HasSuffix(name, ".dsc") {
		return Source{}, fmt.Errorf("%s: not a .dsc of %s %s", name, src.Package, src.Version)
	}
	data, err := io.ReadAll(io.LimitReader(r, want.Size+1))
	if err != nil {
		return Source{}, fmt.Errorf("%s: reading: %w", name, err)
	}
	if err := checkHash(data, FileHash{Size: want.Size, SHA256: want.SHA256}); err != nil {
		return Source{}, fmt.Errorf("%s: %w", name, err)
	}
	dsc, err := ParseDsc(data)
	if err != nil {
		return Source{}, fmt.Errorf("%s: %w", name, err)
	}
	if err := sameFiles(src, dsc, name); err != nil {
		return Source{}, fmt.Errorf("%s: %w", name, err)
	}
	return dsc, nil
}

// ParseDsc reads a .dsc, cleartext-signed or not, with no signature check: ReadDsc is the
// way in for one fetched from an archive.
func ParseDsc(b []byte) (Source, error) {
	text := b
	if block, _ := clearsign.Decode(b); block != nil {
		text = block.Plaintext
	}
	var dsc Source
	n := 0
	err := readStanzas(bytes.NewReader(text), func(s stanza) error {
		n++
		var err error
		dsc, err = sourceOf(s, "Source")
		return err
	})
	switch {
	case err != nil:
		return Source{}, fmt.Errorf("dsc: %w", err)
	case n != 1:
		return Source{}, fmt.Errorf("dsc: %d paragraphs, want 1", n)
	}
	return dsc, nil
}

// sameFiles checks that dsc lists the files of src but the .dsc itself, and nothing else.
func sameFiles(src, dsc Source, name string) error {
	if dsc.Package != src.Package || dsc.Version != src.Version {
		return fmt.Errorf("is %s %s, the index says %s %s", dsc.Package, dsc.Version, src.Package, src.Version)
	}
	listed := 0
	for _, f := range src.Files {
		if f.Name == name {
			continue
		}
		listed++
		if g, ok := dsc.File(f.Name); !ok || g != f {
			return fmt.Errorf("%w: %s is %+v in the index but %+v in the .dsc", ErrHashMismatch, f.Name, f, g)
		}
	}
	if listed != len(dsc.Files) {
		return fmt.Errorf("lists %d files, the index %d besides the .dsc", len(dsc.Files), listed)
	}
	return nil
}

// sourceOf reads the fields common to a Sources stanza and a .dsc; nameField is the field
// naming the package ("Package" in an index, "Source" in a .dsc).
func sourceOf(s stanza, nameField string) (Source, error) {
	src := Source{Package: strings.TrimSpace(fieldOr(s, nameField)), Version: strings.TrimSpace(fieldOr(s, "Version")),
		Directory: strings.TrimSpace(fieldOr(s, "Directory"))}
	switch {
	case !packageName.MatchString(src.Package):
		return Source{}, fmt.Errorf("%s %q is not a Debian package name", nameField, clip(src.Package))
	case !versionChars.MatchString(src.Version) || !(src.Version[0] >= '0' && src.Version[0] <= '9'):
		return Source{}, fmt.Errorf("%sversion %q is not a Debian version", named(src.Package), clip(src.Version))
	}
	files, err := sourceFiles(fieldOr(s, "Checksums-Sha256"))
	if err != nil {
		return Source{}, fmt.Errorf("%s%w", named(src.Package), err)
	}
	src.Files = files
	return src, nil
}

func checkDirectory(src Source) error {
	if !isCleanRelPath(src.Directory) {
		return fmt.Errorf("%sDirectory %q is not a clean relative path", named(src.Package), clip(src.Directory))
	}
	return nil
}

// sourceFiles reads Checksums-Sha256: one "hash size name" line per file, a plain file name
// that can be joined to the Directory without leaving it.
func sourceFiles(v string) ([]SourceFile, error) {
	var files []SourceFile
	seen := map[string]bool{}
	for _, line := range strings.Split(v, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 3 {
			return nil, fmt.Errorf("Checksums-Sha256 entry %q is not \"hash size name\"", clip(line))
		}
		size, err := strconv.ParseInt(f[1], 10, 64)
		if err != nil || size < 0 || !isHexSHA256(f[0]) {
			return nil, fmt.Errorf("Checksums-Sha256 entry %q is not \"hash size name\"", clip(line))
		}
		if !isCleanRelPath(f[2]) || strings.Contains(f[2], "/") {
			return nil, fmt.Errorf("Checksums-Sha256 entry's name %q is not a plain file name", clip(f[2]))
		}
		if seen[f[2]] {
			return nil, fmt.Errorf("Checksums-Sha256 names %s twice", f[2])
		}
		seen[f[2]] = true
		files = append(files, SourceFile{Name: f[2], Size: size, SHA256: f[0]})
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Checksums-Sha256 entries")
	}
	return files, nil
}
