package debarchive

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/ulikunitz/xz"
)

// ErrHashMismatch is returned when bytes do not match the size and SHA-256 that a signed
// Release, a verified Packages index or a lock pinned for them.
var ErrHashMismatch = errors.New("size or SHA-256 does not match")

// Package is one stanza of a Packages index: what the lock pins and what resolution needs.
// The relation fields are kept as written.
type Package struct {
	Package, Version, Architecture string
	Source                         string // empty when it is Package itself
	Filename                       string // below the archive's root: pool/main/p/php8.2/...
	Size                           int64
	SHA256                         string
	Depends, PreDepends, Provides  string
	MultiArch                      string
}

// maxIndexSize bounds a compressed index read into memory before its hash is checked
// (bookworm's main/binary-amd64/Packages.xz is about 9 MB, trixie's main/source/Sources.xz
// about 10 MB), and maxPackagesSize the text it expands to (about 45 MB): the Release's size is signed, but it is not trusted to be sane.
const (
	maxIndexSize    = 256 << 20
	maxPackagesSize = 1 << 30
)

// ReadPackagesIndex reads the Packages index at path (relative to dists/<suite>/, such as
// "main/binary-amd64/Packages.xz") from r, checks its size and SHA-256 against rel's entry
// for that path before decompressing it (by the path's extension: none, .gz or .xz), and
// returns its packages in index order.
func ReadPackagesIndex(rel Release, p string, r io.Reader) ([]Package, error) {
	var pkgs []Package
	err := readIndex(rel, p, r, func(text io.Reader) error {
		var err error
		pkgs, err = ParsePackages(text)
		return err
	})
	return pkgs, err
}

// readIndex reads the index at p from r, checks it against rel's entry for p, and hands its
// decompressed text (bounded by maxPackagesSize) to parse; errors name p.
func readIndex(rel Release, p string, r io.Reader, parse func(io.Reader) error) error {
	want, ok := rel.Files[p]
	if !ok {
		return fmt.Errorf("%s: not listed in the Release's SHA256 section", p)
	}
	if want.Size > maxIndexSize {
		return fmt.Errorf("%s: the Release gives it %d bytes, more than the %d read", p, want.Size, maxIndexSize)
	}
	data, err := io.ReadAll(io.LimitReader(r, want.Size+1))
	if err != nil {
		return fmt.Errorf("%s: reading: %w", p, err)
	}
	if err := checkHash(data, want); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	text, closeText, err := decompressIndex(p, data)
	if err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	defer closeText()
	if err := parse(io.LimitReader(text, maxPackagesSize)); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

func checkHash(data []byte, want FileHash) error {
	sum := sha256.Sum256(data)
	got := hex.EncodeToString(sum[:])
	if int64(len(data)) != want.Size || got != want.SHA256 {
		return fmt.Errorf("%w: got %d bytes with sha256 %s, want %d bytes with sha256 %s",
			ErrHashMismatch, len(data), got, want.Size, want.SHA256)
	}
	return nil
}

func decompressIndex(p string, data []byte) (io.Reader, func(), error) {
	switch path.Ext(p) {
	case ".gz":
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, func() { zr.Close() }, nil
	case ".xz":
		zr, err := xz.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, nil, fmt.Errorf("xz: %w", err)
		}
		return zr, func() {}, nil
	case "":
		return bytes.NewReader(data), func() {}, nil
	}
	return nil, nil, fmt.Errorf("unsupported compression %q (want none, .gz or .xz)", path.Ext(p))
}

// ParsePackages reads the text of a Packages index. Every stanza must name the package, its
// version, architecture, file, size and SHA-256; anything else is an error naming the line.
func ParsePackages(r io.Reader) ([]Package, error) {
	var pkgs []Package
	err := readStanzas(r, func(s stanza) error {
		p, err := packageOf(s)
		if err != nil {
			return fmt.Errorf("stanza at line %d: %w", s.line, err)
		}
		pkgs = append(pkgs, p)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("Packages: %w", err)
	}
	return pkgs, nil
}

// packageName is Debian policy 5.6.1's package name; versionChars the characters policy
// 5.6.12 allows in a version (epoch colon included).
var (
	packageName  = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	versionChars = regexp.MustCompile(`^[A-Za-z0-9.+~:-]+$`)
)

func packageOf(s stanza) (Package, error) {
	p := Package{Source: fieldOr(s, "Source"), Depends: relationField(s, "Depends"), PreDepends: relationField(s, "Pre-Depends"),
		Provides: relationField(s, "Provides"), MultiArch: strings.TrimSpace(fieldOr(s, "Multi-Arch"))}
	for _, f := range []struct {
		name string
		dst  *string
	}{{"Package", &p.Package}, {"Version", &p.Version}, {"Architecture", &p.Architecture},
		{"Filename", &p.Filename}, {"SHA256", &p.SHA256}} {
		v, ok := s.field(f.name)
		if !ok || strings.TrimSpace(v) == "" {
			return Package{}, fmt.Errorf("%sno %s field", named(p.Package), f.name)
		}
		*f.dst = strings.TrimSpace(v)
	}
	size, err := strconv.ParseInt(strings.TrimSpace(fieldOr(s, "Size")), 10, 64)
	if err != nil || size < 0 {
		return Package{}, fmt.Errorf("%sSize %q is not a byte count", named(p.Package), clip(fieldOr(s, "Size")))
	}
	p.Size = size
	return p, p.check()
}

// relationField is a relation field on one line: a folded relation's line breaks are
// whitespace, as they are to apt.
func relationField(s stanza, name string) string {
	return strings.Join(strings.Fields(fieldOr(s, name)), " ")
}

func named(pkg string) string {
	if pkg == "" {
		return ""
	}
	return pkg + ": "
}

// check holds a package's identity to what the lock and the file system can take: the
// name and version end up in file names and the Filename in a URL and a local path.
func (p Package) check() error {
	switch {
	case !packageName.MatchString(p.Package):
		return fmt.Errorf("package name %q is not a Debian package name", clip(p.Package))
	case !versionChars.MatchString(p.Version) || !(p.Version[0] >= '0' && p.Version[0] <= '9'):
		return fmt.Errorf("%sversion %q is not a Debian version", named(p.Package), clip(p.Version))
	case !packageName.MatchString(p.Architecture) && p.Architecture != "all":
		return fmt.Errorf("%sarchitecture %q is not an architecture name", named(p.Package), clip(p.Architecture))
	case !isHexSHA256(p.SHA256):
		return fmt.Errorf("%sSHA256 %q is not a lower-case hex SHA-256", named(p.Package), clip(p.SHA256))
	}
	if !isCleanRelPath(p.Filename) {
		return fmt.Errorf("%sFilename %q is not a clean relative path", named(p.Package), clip(p.Filename))
	}
	return nil
}

// isCleanRelPath reports whether f can be joined to a URL or a directory without leaving it.
func isCleanRelPath(f string) bool {
	return f == path.Clean(f) && !path.IsAbs(f) && f != "." && f != ".." && !strings.HasPrefix(f, "../") &&
		!strings.ContainsAny(f, "\\\x00 \t")
}
