package pack

import (
	"io"
	"testing"

	"github.com/mwedition/mwedition/internal/testcorpus"
)

// BenchmarkCompressor is each package format's compressor alone, with its pinned settings,
// on one core: the ceiling make bench holds the formats' throughput against.
func BenchmarkCompressor(b *testing.B) {
	b.Run("deb-gzip", func(b *testing.B) {
		testcorpus.Bench(b, func(w io.Writer) (io.WriteCloser, error) { return debGzip.NewWriter(w) })
	})
	b.Run("rpm-zstd", func(b *testing.B) {
		testcorpus.Bench(b, func(w io.Writer) (io.WriteCloser, error) { return newRPMZstd(w) })
	})
}
