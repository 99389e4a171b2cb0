package tarfile

import (
	stdgzip "compress/gzip"
	"io"
	"time"

	"github.com/klauspost/compress/gzip"
)

// Gzip is one gzip setting: the library, the level and the header's OS byte. Each setting
// gives its own bytes, and the libraries differ even at the same level, so a writer keeps
// the setting its golden digests were made with; the settings below are all there are.
type Gzip struct {
	level int
	std   bool // compress/gzip rather than klauspost/compress
	unix  bool // OS byte 3 (Unix), as gzip -n writes; otherwise 255 (unknown)
}

// The settings in use.
var (
	// Gzip6 is klauspost/compress at level 6: .deb members and tarball segments.
	Gzip6 = Gzip{level: 6}
	// GzipDefault is klauspost/compress at its default level, which is its level 5, not
	// 6: OCI layers.
	GzipDefault = Gzip{level: gzip.DefaultCompression}
	// GzipBestUnix is klauspost/compress at level 9 with the Unix OS byte: apt indexes.
	GzipBestUnix = Gzip{level: gzip.BestCompression, unix: true}
	// StdGzipBest is compress/gzip at level 9: dnf repository metadata.
	StdGzipBest = Gzip{level: stdgzip.BestCompression, std: true}
	// StdGzipBestUnix is compress/gzip at level 9 with the Unix OS byte, like gzip -9n:
	// a .deb's changelog.Debian.gz.
	StdGzipBestUnix = Gzip{level: stdgzip.BestCompression, std: true, unix: true}
)

// zeroTime is the header's time in every setting: none. The two libraries read a zero
// time.Time in opposite ways. compress/gzip writes 0 for any time not after the epoch;
// klauspost/compress writes uint32(ModTime.Unix()), which for the zero time.Time is a
// wrapped-around year-1 date. The epoch itself gives 0 in both, so it is set explicitly.
var zeroTime = time.Unix(0, 0)

// NewWriter starts a gzip member on w with g's setting, no name and no time.
func (g Gzip) NewWriter(w io.Writer) (io.WriteCloser, error) {
	var osByte byte = 255
	if g.unix {
		osByte = 3
	}
	if g.std {
		zw, err := stdgzip.NewWriterLevel(w, g.level)
		if err != nil {
			return nil, err
		}
		zw.ModTime, zw.OS = zeroTime, osByte
		return zw, nil
	}
	zw, err := gzip.NewWriterLevel(w, g.level)
	if err != nil {
		return nil, err
	}
	zw.ModTime, zw.OS = zeroTime, osByte
	return zw, nil
}
