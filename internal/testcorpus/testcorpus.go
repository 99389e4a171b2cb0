// Package testcorpus gives the compressor benchmarks their input: the decompressed bytes of
// the .tar.gz named by -corpus (make bench passes the MediaWiki 1.39.17 release), or, with
// no -corpus, a generated stand-in, so that `go test -bench .` runs anywhere.
//
// make bench sets each format's throughput beside its compressor's alone, on the same bytes
// and with the settings the package pins, so the benchmarks call the packages' own
// constructors rather than repeating their settings here.
package testcorpus

import (
	"compress/gzip"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"sync"
	"testing"
)

var path = flag.String("corpus", "", "a .tar.gz whose decompressed bytes the compressor benchmarks compress (make bench passes the MediaWiki release); empty uses a generated 16 MiB stand-in")

var (
	once sync.Once
	data []byte
	err  error
)

// Bytes returns the corpus, read once per test binary.
func Bytes(tb testing.TB) []byte {
	tb.Helper()
	once.Do(func() {
		if *path == "" {
			data = standIn(16 << 20)
			return
		}
		data, err = decompress(*path)
	})
	if err != nil {
		tb.Fatalf("-corpus: %v", err)
	}
	return data
}

func decompress(p string) ([]byte, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	return b, nil
}

// standIn is source-like text: lines drawn from a small vocabulary, so that it compresses
// about as well as PHP does, the same bytes on every run.
func standIn(n int) []byte {
	words := []string{"function", "return", "$this->", "array(", "public", "static", "if (", "} else {",
		"foreach (", " as ", "$value", "$key", "=> ", "null", "true", "false", "wfMessage(", "'parser'",
		"MediaWikiServices::getInstance()", "->get(", "// ", "\t", "\n", "\n\t\t", ";\n", "( ", " )"}
	r := rand.New(rand.NewPCG(1, 2))
	b := make([]byte, 0, n+64)
	for len(b) < n {
		b = append(b, words[r.IntN(len(words))]...)
		if r.IntN(8) == 0 {
			b = fmt.Appendf(b, "%d", r.IntN(1000))
		}
	}
	return b[:n]
}

// Compressor is a constructor of a package's compressor, as the package makes it.
type Compressor func(io.Writer) (io.WriteCloser, error)

// Bench compresses the corpus with c once per iteration, on the benchmark's goroutine, and
// reports the compressed size as "ratio" beside the throughput.
func Bench(b *testing.B, c Compressor) {
	data := Bytes(b)
	b.SetBytes(int64(len(data)))
	var n int64
	for b.Loop() {
		cw := &counter{}
		zw, err := c(cw)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := zw.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			b.Fatal(err)
		}
		n = cw.n
	}
	b.ReportMetric(float64(n)/float64(len(data)), "ratio")
}

type counter struct{ n int64 }

func (c *counter) Write(p []byte) (int, error) {
	c.n += int64(len(p))
	return len(p), nil
}
