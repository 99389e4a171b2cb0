// Package archive unpacks untrusted tar archives (plain, gzip, xz or zstd)
// and zip archives into an empty directory without ever writing outside it.
//
// Upstream release tarballs, git archives and composer's zip dists are
// treated as hostile input: every entry is checked lexically before anything
// touches the disk, and all writes go through an os.Root as a second line of
// defence. Decompression bombs are stopped by byte, ratio and entry-count
// limits that are enforced while data is being copied rather than after the
// fact.
//
// Extract reads a tar stream. A zip keeps its index at the end, so it needs
// random access: ExtractZip reads it from an io.ReaderAt (an *os.File) and
// turns each entry into the tar header the same extractor judges, so both
// formats get the same checks, limits, refusals and modes. Extract given a
// zip says so (ErrZip) instead of failing on a tar header; IsZip tells the
// two apart by their first bytes.
package archive

import (
	"archive/tar"
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Limits bounds the resources an archive may consume. A zero or negative
// field means "use the default".
type Limits struct {
	// MaxBytes caps the total uncompressed size of regular files.
	MaxBytes int64
	// MaxRatio caps uncompressed/compressed size. It is only enforced once
	// more than ratioThreshold bytes have been decompressed, so that small,
	// highly repetitive archives stay valid.
	MaxRatio int64
	// MaxEntries caps the number of tar headers or zip entries.
	MaxEntries int
}

const (
	defaultMaxBytes   = 4 << 30
	defaultMaxRatio   = 200
	defaultMaxEntries = 1_000_000

	// ratioThreshold is how much must be decompressed before MaxRatio applies.
	ratioThreshold = 64 << 20

	// maxTrailing bounds the bytes read after the end-of-archive marker. Tar
	// writers pad to a record size (10 KiB for GNU tar); anything much larger
	// is not padding.
	maxTrailing = 16 << 20

	// zstdMaxWindow matches the zstd CLI's default decoder limit (windowLog
	// 27), which bounds the memory a hostile frame header can demand.
	zstdMaxWindow = 1 << 27
)

// DefaultLimits returns the limits used for fields left at zero.
func DefaultLimits() Limits {
	return Limits{MaxBytes: defaultMaxBytes, MaxRatio: defaultMaxRatio, MaxEntries: defaultMaxEntries}
}

func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	return l
}

// Summary describes a successful extraction.
type Summary struct {
	// Entries is the number of tar headers read, including skipped PAX
	// global headers, or of zip entries.
	Entries int
	// Bytes is the total size of the regular files written.
	Bytes int64
	// Compression is "gzip", "xz", "zstd" or "none" for a tar, "zip" for a zip.
	Compression string
}

// EntryError reports an archive entry that was refused. Extract and
// ExtractZip stop at the first one.
type EntryError struct {
	Entry  string // the name as stored in the archive
	Reason string
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("archive entry %q: %s", e.Entry, e.Reason)
}

// Refusal reasons, for EntryError.Reason.
const (
	reasonEmpty         = "empty path"
	reasonAbsolute      = "absolute path"
	reasonEscapes       = "path escapes the archive root"
	reasonNotLocal      = "not a local path"
	reasonDuplicate     = "duplicate entry"
	reasonSymlinkEmpty  = "empty symlink target"
	reasonSymlinkAbs    = "absolute symlink target"
	reasonSymlinkOut    = "symlink target escapes the archive root"
	reasonSymlinkDotDot = "symlink target has \"..\" after a path component"
	reasonHardlinkOut   = "hardlink target escapes the archive root"
	reasonHardlinkAbs   = "absolute hardlink target"
	reasonHardlinkKind  = "hardlink target is not a previously extracted regular file"
	reasonDevice        = "device nodes are not allowed"
	reasonFIFO          = "FIFOs are not allowed"
	reasonTooMany       = "too many entries"
	reasonTooLarge      = "uncompressed size exceeds the limit"
	reasonRatio         = "compression ratio exceeds the limit"
)

// Extract reads a tar stream from r, detecting gzip, xz, zstd or plain tar by
// magic bytes, and writes it below dir, which must be an existing, empty
// directory.
//
// A refused entry yields an *EntryError. On any error Extract returns at once
// and leaves what it already wrote inside dir; the caller is expected to have
// created dir for this purpose and to remove it.
//
// File and directory modes are normalised (0755 for directories and files
// with any execute bit, 0644 otherwise); ownership is not restored. Symlinks
// are kept verbatim as long as they resolve inside dir. A "./" directory
// entry names dir itself and is accepted without changing it. A zip archive
// is refused with ErrZip before anything is written: see ExtractZip.
func Extract(r io.Reader, dir string, lim Limits) (Summary, error) {
	lim = lim.withDefaults()
	x, err := newExtractor(dir, lim)
	if err != nil {
		return Summary{}, err
	}
	defer x.close()

	compressed := &countingReader{r: r}
	stream, compression, closeStream, err := decompress(compressed)
	if err != nil {
		return Summary{}, fmt.Errorf("reading archive: %w", err)
	}
	defer closeStream()
	x.sum.Compression = compression

	m := &meter{r: stream, compressed: func() int64 { return compressed.n }, maxRatio: lim.MaxRatio, isCompressed: compression != "none"}
	if err := x.run(tar.NewReader(m), m); err != nil {
		return x.sum, err
	}
	return x.sum, nil
}

// newExtractor opens dir, which must exist and be empty, for an extraction within lim.
func newExtractor(dir string, lim Limits) (*extractor, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("opening extraction directory: %w", err)
	}
	if err := checkEmpty(root); err != nil {
		root.Close()
		return nil, fmt.Errorf("extraction directory %s: %w", dir, err)
	}
	return &extractor{
		root:  root,
		lim:   lim,
		kinds: map[string]kind{},
		dirs:  map[string]time.Time{},
	}, nil
}

func (x *extractor) close() {
	x.closeSub()
	x.root.Close()
}

func checkEmpty(root *os.Root) error {
	d, err := root.Open(".")
	if err != nil {
		return err
	}
	defer d.Close()
	names, err := d.Readdirnames(1)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	if len(names) > 0 {
		return errors.New("directory is not empty")
	}
	return nil
}

var (
	// A zip archive starts with a local file header, or with the end of central directory
	// record when it holds no entries.
	magicZip      = []byte{'P', 'K', 0x03, 0x04}
	magicZipEmpty = []byte{'P', 'K', 0x05, 0x06}
	magicGzip     = []byte{0x1f, 0x8b}
	magicXz       = []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}
	magicZstd     = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// ErrZip is returned by Extract for a zip archive: its index is at the end, so it cannot
// be read as a stream.
var ErrZip = errors.New("this is a zip archive, not a tar stream: zip needs random access, read it with ExtractZip")

// IsZip reports whether head, the first bytes of a file, start a zip archive.
func IsZip(head []byte) bool {
	return bytes.HasPrefix(head, magicZip) || bytes.HasPrefix(head, magicZipEmpty)
}

// decompress sniffs the compression format and returns the tar stream.
func decompress(r io.Reader) (io.Reader, string, func(), error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(len(magicXz))
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, "", nil, err
	}
	nop := func() {}
	switch {
	case IsZip(head):
		return nil, "", nil, ErrZip
	case bytes.HasPrefix(head, magicGzip):
		zr, err := gzip.NewReader(br) // multistream by default
		if err != nil {
			return nil, "", nil, fmt.Errorf("gzip: %w", err)
		}
		return zr, "gzip", func() { zr.Close() }, nil
	case bytes.HasPrefix(head, magicXz):
		zr, err := xz.ReaderConfig{SingleStream: false}.NewReader(br)
		if err != nil {
			return nil, "", nil, fmt.Errorf("xz: %w", err)
		}
		return zr, "xz", nop, nil
	case bytes.HasPrefix(head, magicZstd):
		zr, err := zstd.NewReader(br,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxMemory(1<<30),
			zstd.WithDecoderMaxWindow(zstdMaxWindow),
		)
		if err != nil {
			return nil, "", nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, "zstd", zr.Close, nil
	default:
		return br, "none", nop, nil
	}
}

// countingReader counts the bytes read from the caller's reader.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// errRatio is raised inside the tar reader's input and turned into an
// *EntryError naming the entry being read.
var errRatio = errors.New("compression ratio limit exceeded")

// meter sits between the decompressor and archive/tar. It enforces MaxRatio
// on every read, so a bomb is stopped while it expands, and it remembers
// the last read so the end-of-archive marker can be checked.
type meter struct {
	r            io.Reader
	compressed   func() int64 // compressed bytes consumed so far
	maxRatio     int64
	isCompressed bool

	n        int64 // decompressed bytes
	lastN    int   // bytes returned by the most recent read
	exceeded bool
}

func (m *meter) Read(p []byte) (int, error) {
	if m.exceeded {
		return 0, errRatio
	}
	n, err := m.r.Read(p)
	m.n += int64(n)
	m.lastN = n
	if m.isCompressed && m.n > ratioThreshold && m.n/max(m.compressed(), 1) > m.maxRatio {
		m.exceeded = true
		return 0, errRatio
	}
	return n, err
}

type kind uint8

const (
	kindDir kind = iota + 1
	kindFile
	kindSymlink
)

func (k kind) String() string {
	switch k {
	case kindDir:
		return "directory"
	case kindFile:
		return "regular file"
	case kindSymlink:
		return "symlink"
	}
	return "unknown"
}

type extractor struct {
	root *os.Root
	lim  Limits
	// kinds records every path created so far (cleaned, slash-separated).
	// dir starts empty, so this is a complete picture of the tree and lets
	// entries be judged without trusting the filesystem.
	kinds map[string]kind
	// dirs holds the mtime of each explicit directory entry; applied last.
	dirs map[string]time.Time
	sum  Summary
	cur  string // name of the entry being processed, for error reports
	// sub is an os.Root for the directory subDir: entries arrive grouped by directory, and
	// resolving a deep path through the top root costs one openat per component, for every
	// file (most of the time of unpacking a MediaWiki release).
	sub    *os.Root
	subDir string
}

// dirRoot returns a root confined to directory dir (slash-separated, "" for the top), kept
// open while the following entries stay in the same directory.
func (x *extractor) dirRoot(dir string) (*os.Root, error) {
	if dir == "" {
		return x.root, nil
	}
	if x.sub != nil && x.subDir == dir {
		return x.sub, nil
	}
	x.closeSub()
	r, err := x.root.OpenRoot(filepath.FromSlash(dir))
	if err != nil {
		return nil, err
	}
	x.sub, x.subDir = r, dir
	return r, nil
}

func (x *extractor) closeSub() {
	if x.sub != nil {
		x.sub.Close()
		x.sub, x.subDir = nil, ""
	}
}

func (x *extractor) run(tr *tar.Reader, m *meter) error {
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		// Insecure names are refused below with a clearer reason.
		if err != nil && !(errors.Is(err, tar.ErrInsecurePath) && hdr != nil) {
			return x.readErr(err)
		}
		if err := x.begin(hdr.Name); err != nil {
			return err
		}
		if err := x.entry(tr, hdr); err != nil {
			return err
		}
	}

	// archive/tar treats a stream that simply stops between entries as a
	// clean end. Only a read that returned data (the second zero block)
	// proves the end-of-archive marker was really there.
	if m.lastN == 0 {
		return fmt.Errorf("reading archive: missing end-of-archive marker (truncated?): %w", io.ErrUnexpectedEOF)
	}
	// Drain the rest so the decompressor verifies its trailing checksums;
	// otherwise corruption near the end of a gzip member would go unnoticed.
	n, err := io.Copy(io.Discard, io.LimitReader(m, maxTrailing+1))
	if err != nil {
		return x.readErr(err)
	}
	if n > maxTrailing {
		return fmt.Errorf("reading archive: more than %d bytes of trailing data after the end-of-archive marker", maxTrailing)
	}

	return x.finishDirs()
}

// begin counts the entry named name against MaxEntries and names it in later refusals.
func (x *extractor) begin(name string) error {
	x.cur = name
	x.sum.Entries++
	if x.sum.Entries > x.lim.MaxEntries {
		return x.refuse(fmt.Sprintf("%s (limit %d)", reasonTooMany, x.lim.MaxEntries))
	}
	return nil
}

func (x *extractor) readErr(err error) error {
	if errors.Is(err, errRatio) {
		return x.refuse(fmt.Sprintf("%s of %d:1 (decompression bomb?)", reasonRatio, x.lim.MaxRatio))
	}
	return fmt.Errorf("reading archive: %w", err)
}

func (x *extractor) refuse(reason string) error {
	return &EntryError{Entry: x.cur, Reason: reason}
}

// entry extracts one entry described by hdr; body holds a regular file's contents.
func (x *extractor) entry(body io.Reader, hdr *tar.Header) error {
	switch hdr.Typeflag {
	case tar.TypeXGlobalHeader, tar.TypeXHeader:
		// PAX metadata; archive/tar has already applied what matters.
		return nil
	case tar.TypeChar, tar.TypeBlock:
		return x.refuse(reasonDevice)
	case tar.TypeFifo:
		return x.refuse(reasonFIFO)
	// archive/tar turns the legacy '\x00' type into TypeReg and expands old
	// GNU sparse files ('S') into their full contents, so both are files.
	case tar.TypeReg, tar.TypeGNUSparse, tar.TypeDir, tar.TypeSymlink, tar.TypeLink:
	default:
		return x.refuse(fmt.Sprintf("unsupported entry type %q", hdr.Typeflag))
	}

	name, err := x.cleanName(hdr.Name)
	if err != nil {
		return err
	}
	if name == "." {
		if hdr.Typeflag == tar.TypeDir {
			return nil // "./" is the extraction directory itself
		}
		return x.refuse(reasonEmpty)
	}
	if err := x.checkParents(name); err != nil {
		return err
	}
	if k, ok := x.kinds[name]; ok && !(k == kindDir && hdr.Typeflag == tar.TypeDir) {
		return x.refuse(fmt.Sprintf("%s (already extracted as a %s)", reasonDuplicate, k))
	}

	switch hdr.Typeflag {
	case tar.TypeDir:
		return x.dir(name, hdr.ModTime)
	case tar.TypeSymlink:
		return x.symlink(name, hdr.Linkname)
	case tar.TypeLink:
		return x.hardlink(name, hdr.Linkname)
	default:
		return x.file(body, name, hdr)
	}
}

// cleanName validates an entry name lexically and returns its cleaned,
// slash-separated form relative to the root ("." for the root itself).
func (x *extractor) cleanName(name string) (string, error) {
	if name == "" {
		return "", x.refuse(reasonEmpty)
	}
	if path.IsAbs(name) || filepath.IsAbs(name) {
		return "", x.refuse(reasonAbsolute)
	}
	clean := path.Clean(name)
	if clean == "." {
		return clean, nil
	}
	if escapes(clean) {
		return "", x.refuse(reasonEscapes)
	}
	// Catches what the checks above cannot express portably, such as
	// Windows volume or reserved device names.
	if !filepath.IsLocal(filepath.FromSlash(clean)) {
		return "", x.refuse(reasonNotLocal)
	}
	return clean, nil
}

func escapes(clean string) bool {
	return clean == ".." || strings.HasPrefix(clean, "../")
}

// checkParents refuses entries placed below a symlink or a file. Writing
// through a symlink from the same archive is how extractors get tricked into
// writing outside their root, and even an in-root target would let one entry
// silently land at another's path.
func (x *extractor) checkParents(name string) error {
	for p := path.Dir(name); p != "."; p = path.Dir(p) {
		switch x.kinds[p] {
		case kindSymlink:
			return x.refuse(fmt.Sprintf("parent %q is a symlink", p))
		case kindFile:
			return x.refuse(fmt.Sprintf("parent %q is not a directory", p))
		}
	}
	return nil
}

// mkdirParents creates the missing ancestors of name. checkParents has
// already made sure none of them is a symlink or file.
func (x *extractor) mkdirParents(name string) error {
	parent := path.Dir(name)
	if parent == "." {
		return nil
	}
	var missing []string
	for p := parent; p != "." && x.kinds[p] == 0; p = path.Dir(p) {
		missing = append(missing, p)
	}
	for _, p := range slices.Backward(missing) {
		if err := x.mkdir(p); err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) mkdir(name string) error {
	osName := filepath.FromSlash(name)
	if err := x.root.Mkdir(osName, 0o755); err != nil {
		return fmt.Errorf("creating directory %q: %w", name, err)
	}
	// Mkdir is subject to the umask; the result must not depend on it.
	if err := x.root.Chmod(osName, 0o755); err != nil {
		return fmt.Errorf("setting mode of directory %q: %w", name, err)
	}
	x.kinds[name] = kindDir
	return nil
}

func (x *extractor) dir(name string, mtime time.Time) error {
	if err := x.mkdirParents(name); err != nil {
		return err
	}
	if x.kinds[name] == 0 {
		if err := x.mkdir(name); err != nil {
			return err
		}
	}
	x.dirs[name] = mtime
	return nil
}

func (x *extractor) file(body io.Reader, name string, hdr *tar.Header) error {
	if hdr.Size < 0 || hdr.Size > x.lim.MaxBytes-x.sum.Bytes {
		return x.refuse(fmt.Sprintf("%s of %d bytes", reasonTooLarge, x.lim.MaxBytes))
	}
	if err := x.mkdirParents(name); err != nil {
		return err
	}
	mode := fs.FileMode(0o644)
	if hdr.Mode&0o111 != 0 {
		mode = 0o755
	}
	dir, base := path.Split(name)
	r, err := x.dirRoot(strings.TrimSuffix(dir, "/"))
	if err != nil {
		return fmt.Errorf("creating %q: %w", name, err)
	}
	// O_EXCL: never reuse or follow anything already at this path.
	f, err := r.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("creating %q: %w", name, err)
	}
	x.kinds[name] = kindFile
	src := &byteLimiter{r: body, x: x}
	_, err = io.Copy(f, src)
	switch {
	case err == nil:
		err = f.Chmod(mode) // OpenFile's mode was subject to the umask
	case src.err != nil && err == src.err:
		var ee *EntryError
		if !errors.As(err, &ee) {
			err = x.readErr(err)
		}
	default:
		err = fmt.Errorf("writing %q: %w", name, err)
	}
	if cerr := f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("writing %q: %w", name, cerr)
	}
	if err != nil {
		return err
	}
	if err := r.Chtimes(base, hdr.ModTime, hdr.ModTime); err != nil {
		return fmt.Errorf("setting mtime of %q: %w", name, err)
	}
	return nil
}

// byteLimiter counts regular-file bytes as they are copied and stops the copy
// as soon as MaxBytes is exceeded. The header size is checked up front too;
// this is the backstop that does not depend on the header being honest.
// It also remembers its own error so that read failures (bad archive) can be
// told apart from write failures (bad disk).
type byteLimiter struct {
	r   io.Reader
	x   *extractor
	err error
}

func (b *byteLimiter) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.x.sum.Bytes += int64(n)
	if b.x.sum.Bytes > b.x.lim.MaxBytes {
		n, err = 0, b.x.refuse(fmt.Sprintf("%s of %d bytes", reasonTooLarge, b.x.lim.MaxBytes))
	}
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

func (x *extractor) symlink(name, target string) error {
	if err := checkSymlinkTarget(name, target); err != "" {
		return x.refuse(err)
	}
	if err := x.mkdirParents(name); err != nil {
		return err
	}
	if err := x.root.Symlink(target, filepath.FromSlash(name)); err != nil {
		return fmt.Errorf("creating symlink %q: %w", name, err)
	}
	x.kinds[name] = kindSymlink
	return nil
}

// checkSymlinkTarget returns a refusal reason, or "" if target is safe.
//
// A lexical clean of the whole target is not enough: "a/.." is "." lexically
// but is a's parent once a is itself a symlink. So the target must be a run
// of ".." followed only by plain names, and the ".." run must not climb above
// the root from the link's (real, symlink-free) directory. Any plain name in
// the target that is a symlink is, by induction, itself confined to the root.
func checkSymlinkTarget(name, target string) string {
	if target == "" {
		return reasonSymlinkEmpty
	}
	if path.IsAbs(target) || filepath.IsAbs(target) {
		return reasonSymlinkAbs
	}
	depth := 0
	if d := path.Dir(name); d != "." {
		depth = strings.Count(d, "/") + 1
	}
	up, seenName := 0, false
	for _, c := range strings.Split(target, "/") {
		switch c {
		case "", ".":
		case "..":
			if seenName {
				return reasonSymlinkDotDot
			}
			up++
			if up > depth {
				return reasonSymlinkOut
			}
		default:
			seenName = true
		}
	}
	return ""
}

func (x *extractor) hardlink(name, target string) error {
	if target == "" {
		return x.refuse(reasonHardlinkKind)
	}
	if path.IsAbs(target) || filepath.IsAbs(target) {
		return x.refuse(reasonHardlinkAbs)
	}
	// Hardlink targets are relative to the archive root, not the link.
	t := path.Clean(target)
	if escapes(t) {
		return x.refuse(reasonHardlinkOut)
	}
	if x.kinds[t] != kindFile {
		return x.refuse(reasonHardlinkKind)
	}
	if err := x.mkdirParents(name); err != nil {
		return err
	}
	if err := x.root.Link(filepath.FromSlash(t), filepath.FromSlash(name)); err != nil {
		return fmt.Errorf("creating hardlink %q: %w", name, err)
	}
	x.kinds[name] = kindFile
	return nil
}

// finishDirs sets directory mtimes once nothing more will be written into
// them, deepest first so that a parent is never touched after its children.
func (x *extractor) finishDirs() error {
	names := make([]string, 0, len(x.dirs))
	for n := range x.dirs {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		if d := strings.Count(b, "/") - strings.Count(a, "/"); d != 0 {
			return d
		}
		return strings.Compare(a, b)
	})
	for _, n := range names {
		t := x.dirs[n]
		if err := x.root.Chtimes(filepath.FromSlash(n), t, t); err != nil {
			return fmt.Errorf("setting mtime of directory %q: %w", n, err)
		}
	}
	return nil
}
