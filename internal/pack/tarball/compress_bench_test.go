package tarball

import (
	"io"
	"testing"

	"github.com/mwedition/mwedition/internal/testcorpus"
)

// BenchmarkCompressor is each tarball compression alone, with its pinned settings, on one
// core: the ceiling make bench holds the tarballs' throughput against.
func BenchmarkCompressor(b *testing.B) {
	for _, c := range []Compression{Gzip, XZ, Zstd} {
		b.Run(string(c), func(b *testing.B) {
			testcorpus.Bench(b, func(w io.Writer) (io.WriteCloser, error) { return compressor(c, w) })
		})
	}
}
