package archive

import (
	"archive/tar"
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
)

// maxSymlinkTarget bounds a zip symlink's target, which is stored as the entry's data:
// PATH_MAX on Linux is 4096 including the terminating NUL.
const maxSymlinkTarget = 4096

// Refusal reasons that only zip entries can earn.
const (
	reasonEncrypted     = "encrypted entries are not supported"
	reasonDirData       = "directory entry has data"
	reasonSymlinkLong   = "symlink target longer than 4096 bytes"
	reasonSizeOverflow  = "declared size does not fit in 63 bits"
	reasonUnsupportedZM = "unsupported compression method"
)

// ExtractZip reads the zip archive of the given size from r and writes it below dir, which
// must be an existing, empty directory. It applies everything Extract does, with the same
// limits, reasons and modes: the zip's entries are judged and written by the same
// extractor as a tar's.
//
// Directory entries are the names ending in "/", symlinks carry their target as their data
// (at most 4096 bytes), and every entry gets the modification time archive/zip reads from
// it (the extended timestamp if present, else the MS-DOS time in UTC), so the same bytes
// always give the same tree. Stored and deflated entries are supported; an encrypted entry,
// or one whose data does not match its declared size and CRC-32, is refused. MaxRatio is
// measured against the compressed bytes read, never counting more than the archive's
// size, so entries that share their compressed data cannot hide a bomb.
func ExtractZip(r io.ReaderAt, size int64, dir string, lim Limits) (Summary, error) {
	lim = lim.withDefaults()
	x, err := newExtractor(dir, lim)
	if err != nil {
		return Summary{}, err
	}
	defer x.close()
	x.sum.Compression = "zip"

	cr := &countingReaderAt{r: r}
	zr, err := zip.NewReader(cr, size)
	// Insecure names are refused entry by entry, with a reason naming them.
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return x.sum, fmt.Errorf("reading archive: %w", err)
	}
	m := &meter{compressed: func() int64 { return min(cr.n, size) }, maxRatio: lim.MaxRatio, isCompressed: true}
	for _, f := range zr.File {
		if err := x.begin(f.Name); err != nil {
			return x.sum, err
		}
		hdr, body, err := x.zipHeader(f, m)
		if err != nil {
			return x.sum, err
		}
		if err := x.entry(body, hdr); err != nil {
			return x.sum, err
		}
	}
	return x.sum, x.finishDirs()
}

// zipHeader describes f as the tar header the extractor judges, with a reader for a regular
// file's data; a symlink's target is read here.
func (x *extractor) zipHeader(f *zip.File, m *meter) (*tar.Header, io.Reader, error) {
	if f.Flags&0x1 != 0 {
		return nil, nil, x.refuse(reasonEncrypted)
	}
	if f.UncompressedSize64 > math.MaxInt64 {
		return nil, nil, x.refuse(reasonSizeOverflow)
	}
	mode := f.Mode()
	hdr := &tar.Header{
		Name:    f.Name,
		Mode:    int64(mode.Perm()),
		Size:    int64(f.UncompressedSize64),
		ModTime: f.Modified,
	}
	switch mode.Type() {
	case 0:
		hdr.Typeflag = tar.TypeReg
	case fs.ModeDir:
		hdr.Typeflag, hdr.Size = tar.TypeDir, 0
		if f.UncompressedSize64 != 0 {
			return nil, nil, x.refuse(reasonDirData)
		}
		return hdr, nil, nil
	case fs.ModeSymlink:
		hdr.Typeflag, hdr.Size = tar.TypeSymlink, 0
	case fs.ModeDevice:
		hdr.Typeflag = tar.TypeBlock
		return hdr, nil, nil
	case fs.ModeDevice | fs.ModeCharDevice:
		hdr.Typeflag = tar.TypeChar
		return hdr, nil, nil
	case fs.ModeNamedPipe:
		hdr.Typeflag = tar.TypeFifo
		return hdr, nil, nil
	default:
		return nil, nil, x.refuse(fmt.Sprintf("unsupported entry type %v", mode.Type()))
	}
	body, err := x.zipBody(f, m)
	if err != nil || hdr.Typeflag == tar.TypeReg {
		return hdr, body, err
	}
	if f.UncompressedSize64 > maxSymlinkTarget {
		return nil, nil, x.refuse(reasonSymlinkLong)
	}
	target, err := io.ReadAll(io.LimitReader(body, maxSymlinkTarget+1))
	if err != nil {
		return nil, nil, x.readErr(err)
	}
	if len(target) > maxSymlinkTarget {
		return nil, nil, x.refuse(reasonSymlinkLong)
	}
	hdr.Linkname = string(target)
	return hdr, nil, nil
}

// zipBody opens f's data behind the ratio meter.
func (x *extractor) zipBody(f *zip.File, m *meter) (io.Reader, error) {
	if f.Method != zip.Store && f.Method != zip.Deflate {
		return nil, x.refuse(fmt.Sprintf("%s %d", reasonUnsupportedZM, f.Method))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("reading archive: entry %q: %w", f.Name, err)
	}
	// The decompressors hold no resources beyond memory: nothing to close.
	m.r = &zipData{r: rc, name: f.Name, declared: f.UncompressedSize64}
	return m, nil
}

// zipData names the entry and its declared size in read errors: archive/zip reports data
// longer or shorter than declared, or failing its CRC-32, only as a bare format error.
type zipData struct {
	r        io.Reader
	name     string
	declared uint64
	n        uint64
}

func (z *zipData) Read(p []byte) (int, error) {
	n, err := z.r.Read(p)
	z.n += uint64(n)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("entry %q: data does not match its header (%d of %d declared bytes read): %w", z.name, z.n, z.declared, err)
	}
	return n, err
}

// countingReaderAt counts the bytes read from the archive, for MaxRatio.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	n, err := c.r.ReadAt(p, off)
	c.n += int64(n)
	return n, err
}
