package oci

import (
	"io"
	"testing"

	"github.com/mwedition/mwedition/internal/testcorpus"
)

// BenchmarkCompressor is the layers' compressor alone, with its pinned settings, on one
// core: the ceiling make bench holds the images' throughput against.
func BenchmarkCompressor(b *testing.B) {
	b.Run("gzip", func(b *testing.B) {
		testcorpus.Bench(b, func(w io.Writer) (io.WriteCloser, error) { return layerGzip.NewWriter(w) })
	})
}
