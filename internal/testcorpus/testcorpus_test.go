package testcorpus

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"testing"
)

func TestStandInIsStable(t *testing.T) {
	a, b := standIn(1<<20), standIn(1<<20)
	if len(a) != 1<<20 || !bytes.Equal(a, b) {
		t.Fatalf("the stand-in differs between calls, or is %d bytes", len(a))
	}
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write(a)
	zw.Close()
	if r := float64(z.Len()) / float64(len(a)); r < 0.1 || r > 0.5 {
		t.Errorf("the stand-in compresses to %.2f of its size; source code is between 0.1 and 0.5", r)
	}
}

func TestDecompress(t *testing.T) {
	p := filepath.Join(t.TempDir(), "c.tar.gz")
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	zw.Write([]byte("corpus"))
	zw.Close()
	os.WriteFile(p, z.Bytes(), 0o644)
	got, err := decompress(p)
	if err != nil || string(got) != "corpus" {
		t.Fatalf("decompress = %q, %v", got, err)
	}
	if _, err := decompress(filepath.Join(t.TempDir(), "missing")); err == nil {
		t.Error("a missing corpus gave no error")
	}
	os.WriteFile(p, []byte("not gzip"), 0o644)
	if _, err := decompress(p); err == nil {
		t.Error("a corpus that is not gzip gave no error")
	}
}
