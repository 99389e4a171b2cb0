// Package tarball writes release tarballs laid out like MediaWiki's own (one top directory
// holding core, with extensions/<Name> and skins/<Name> inside) as concatenations of
// segments. A segment is one component's tar entries, below a prefix, compressed on their
// own as complete gzip members, xz streams or zstd frames. Decompressors read concatenated
// members, streams and frames as one stream, so an edition's tarball is its components'
// segments copied end to end, followed by a small last segment with the edition's own files
// and the tar end-of-archive marker: a component shared by several editions is compressed
// once.
//
// The bytes depend only on the inputs: entries in tree order, owner root:root (uid and gid
// 0), modes 0644 or 0755 (directories 0755, symlinks 0777), every time the segment's MTime,
// USTAR headers with PAX records only for what USTAR cannot hold (long names and link
// targets), gzip headers without name or time, pinned compressor settings, and chunk
// boundaries (see Options.ChunkSize) that depend on entry sizes, never on how many chunks
// are compressed at once. Nothing here reads the clock, the host or the environment, and
// nothing prints.
package tarball

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
	"github.com/ulikunitz/xz/lzma"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/tarfile"
)

// Format names the bytes this package writes for given inputs: header layout, compressor
// settings, chunking. It changes whenever the same inputs would give other bytes, so that
// callers caching segments by their inputs can put it in the key.
const Format = "mwedition-tarball-v2"

// Compression is how a tarball is compressed; its value is the file name's last extension.
type Compression string

// Compressions.
const (
	Gzip Compression = "gz"
	XZ   Compression = "xz"
	Zstd Compression = "zst"
)

// ParseCompression accepts "gz", "xz" and "zst".
func ParseCompression(s string) (Compression, error) {
	switch c := Compression(s); c {
	case Gzip, XZ, Zstd:
		return c, nil
	}
	return "", fmt.Errorf("%q is not a tarball compression; use gz, xz or zst", s)
}

// Ext is the file name extension: ".tar.gz", ".tar.xz", ".tar.zst".
func (c Compression) Ext() string { return ".tar." + string(c) }

// Segment is a run of tar entries: a tree below a prefix.
type Segment struct {
	// Prefix is the directory the tree's root becomes, slash-separated, relative and clean:
	// "mediawiki-1.39.17" for core, "mediawiki-1.39.17/extensions/Cite" for an extension.
	Prefix string
	// OwnsPrefix makes the segment start with Prefix's own directory entry. A component's
	// segment owns its directory; a segment adding files to a directory that another segment
	// made (an edition's files at the top) does not.
	OwnsPrefix bool
	Tree       fstree.Tree // entries and where their bytes are (Src, through the Store)
	MTime      time.Time   // every entry's modification time; whole seconds are kept
}

// DefaultChunkSize is the ChunkSize used when Options leaves it zero: large enough that
// compression loses next to nothing at the cuts (xz's dictionary is 4 MiB), small enough
// that MediaWiki core (about 180 MB) splits into parts compressed in parallel.
const DefaultChunkSize = 32 << 20

// Options tune how a segment is written.
type Options struct {
	// ChunkSize cuts a segment's tar data, after the entry that reaches it, into chunks of
	// about this many bytes, each compressed as a member, stream or frame of its own. The
	// cuts are part of the bytes: the same ChunkSize gives the same output. Zero means
	// DefaultChunkSize.
	ChunkSize int64
	// Limiter bounds how many chunks are compressed at once, across every segment written
	// with it; nil compresses one chunk at a time.
	Limiter *Limiter
}

// Limiter bounds how many chunks are compressed at once. It is safe for concurrent use.
type Limiter struct{ slots chan struct{} }

// NewLimiter allows n chunks (at least one) to be compressed at once.
func NewLimiter(n int) *Limiter { return &Limiter{slots: make(chan struct{}, max(n, 1))} }

func (l *Limiter) acquire(ctx context.Context) error {
	select {
	case l.slots <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (l *Limiter) release() { <-l.slots }

// WriteSegment writes seg's entries to w as tar data without the end-of-archive marker,
// compressed with c. The output is one or more complete members (streams, frames), so it
// can be followed by other segments; the last segment of a tarball is written by WriteLast.
// Chunks are compressed in parallel under o.Limiter; memory holds at most one compressed
// chunk per slot, never a whole segment.
func WriteSegment(ctx context.Context, w io.Writer, st tarfile.Store, seg Segment, c Compression, o Options) error {
	return write(ctx, w, st, seg, c, o, false)
}

// WriteLast is WriteSegment for the last segment of a tarball: its entries, then the tar
// end-of-archive marker. It writes the marker even when seg has no entries.
func WriteLast(ctx context.Context, w io.Writer, st tarfile.Store, seg Segment, c Compression, o Options) error {
	return write(ctx, w, st, seg, c, o, true)
}

// item is one tar entry of a segment.
type item struct {
	name string
	e    fstree.Entry
}

func (seg Segment) items() ([]item, error) {
	p := seg.Prefix
	if p != "" && (path.Clean(p) != p || p == "." || strings.HasPrefix(p, "/") || p == ".." || strings.HasPrefix(p, "../")) {
		return nil, fmt.Errorf("segment prefix %q: not a clean relative path", p)
	}
	if p == "" && seg.OwnsPrefix {
		return nil, fmt.Errorf("a segment without a prefix has no directory to own")
	}
	items := make([]item, 0, seg.Tree.Len()+1)
	if seg.OwnsPrefix {
		items = append(items, item{name: p, e: fstree.Entry{Path: p, Type: fstree.Dir}})
	}
	for i := 0; i < seg.Tree.Len(); i++ {
		e := seg.Tree.At(i)
		name := e.Path
		if p != "" {
			name = p + "/" + e.Path
		}
		items = append(items, item{name: name, e: e})
	}
	return items, nil
}

// split cuts items into chunks of about size tar bytes, at entry boundaries; the cuts
// depend on nothing but the entries.
func split(items []item, size int64) [][]item {
	var chunks [][]item
	start, acc := 0, int64(0)
	for i, it := range items {
		acc += 512 + (it.e.Size+511)/512*512
		if len(it.name) > 100 || len(it.e.Target) > 100 {
			acc += 1024 // a PAX record, at most
		}
		if acc >= size {
			chunks = append(chunks, items[start:i+1])
			start, acc = i+1, 0
		}
	}
	if start < len(items) {
		chunks = append(chunks, items[start:])
	}
	return chunks
}

func write(ctx context.Context, w io.Writer, st tarfile.Store, seg Segment, c Compression, o Options, last bool) error {
	if _, err := ParseCompression(string(c)); err != nil {
		return err
	}
	items, err := seg.items()
	if err != nil {
		return err
	}
	size := o.ChunkSize
	if size <= 0 {
		size = DefaultChunkSize
	}
	chunks := split(items, size)
	if len(chunks) == 0 {
		if !last {
			return nil // nothing to add: an empty segment is zero bytes
		}
		chunks = [][]item{nil}
	}
	lim := o.Limiter
	if lim == nil {
		lim = NewLimiter(1)
	}
	mtime := time.Unix(seg.MTime.Unix(), 0)
	if len(chunks) == 1 {
		if err := lim.acquire(ctx); err != nil {
			return err
		}
		defer lim.release()
		return writeChunk(ctx, w, st, chunks[0], mtime, c, last)
	}
	return writeChunks(ctx, w, st, chunks, mtime, c, last, lim)
}

// part is one chunk being compressed in memory.
type part struct {
	buf  bytes.Buffer
	err  error
	done chan struct{}
}

// writeChunks compresses chunks in parallel and writes them in order. A slot of lim is
// taken before a chunk starts and given back once its bytes are written, so at most one
// compressed chunk per slot waits in memory.
func writeChunks(ctx context.Context, w io.Writer, st tarfile.Store, chunks [][]item, mtime time.Time, c Compression, last bool, lim *Limiter) error {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var mu sync.Mutex
	held := 0 // slots taken for chunks whose bytes are not written yet
	defer func() {
		// On an error, stop the producer and the workers, then give back their slots.
		cancel()
		wg.Wait()
		for ; held > 0; held-- {
			lim.release()
		}
	}()
	parts := make([]*part, len(chunks))
	for i := range parts {
		parts[i] = &part{done: make(chan struct{})}
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, ch := range chunks {
			p := parts[i]
			if err := lim.acquire(ctx); err != nil {
				for _, q := range parts[i:] {
					q.err = err
					close(q.done)
				}
				return
			}
			mu.Lock()
			held++
			mu.Unlock()
			end := last && i == len(chunks)-1
			wg.Add(1)
			go func() {
				defer wg.Done()
				p.err = writeChunk(ctx, &p.buf, st, ch, mtime, c, end)
				close(p.done)
			}()
		}
	}()
	for _, p := range parts {
		<-p.done
		if p.err != nil {
			return p.err
		}
		_, err := w.Write(p.buf.Bytes())
		p.buf = bytes.Buffer{}
		mu.Lock()
		held--
		lim.release()
		mu.Unlock()
		if err != nil {
			return err
		}
	}
	return nil
}

// writeChunk writes items as tar data through one compressor, then ends the member
// (stream, frame). end adds the tar end-of-archive marker.
func writeChunk(ctx context.Context, w io.Writer, st tarfile.Store, items []item, mtime time.Time, c Compression, end bool) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	cw, err := compressor(c, bw)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(cw)
	buf := make([]byte, 256<<10)
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := writeEntry(ctx, tw, st, it, mtime, buf); err != nil {
			return err
		}
	}
	if end {
		err = tw.Close()
	} else {
		err = tw.Flush() // pads the last entry; the marker is the last segment's to write
	}
	if err != nil {
		return err
	}
	if err := cw.Close(); err != nil {
		return fmt.Errorf("compressing (%s): %w", c, err)
	}
	return bw.Flush()
}

func writeEntry(ctx context.Context, tw *tar.Writer, st tarfile.Store, it item, mtime time.Time, buf []byte) error {
	// Format stays unset: archive/tar then writes USTAR, and PAX only for an entry USTAR
	// cannot hold (a name or link target too long). Access and change times stay zero, so
	// no PAX records carry them.
	h, err := tarfile.Header(it.name, it.e, mtime)
	if err != nil {
		return err
	}
	h.Uname, h.Gname = "root", "root"
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("%s: %w", it.name, err)
	}
	if it.e.Type != fstree.File {
		return nil
	}
	e := it.e
	e.Path = it.name
	_, err = tarfile.CopyEntry(ctx, tw, st, e, buf)
	return err
}

// Compressor settings are pinned, not left to library defaults, so that a dependency
// upgrade changing a default cannot change the bytes unnoticed (the golden test would
// catch it either way).
const (
	// xzDict is xz -4's dictionary, half of xz -6's. ulikunitz/xz's hash-chain encoder
	// holds a 4-byte chain entry per dictionary byte, an 8 MiB hash table and the
	// dictionary: 28 MiB at 4 MiB, 48 MiB at 8, times the encoders the Limiter lets run at
	// once. Over MediaWiki's release cut into 32 MiB chunks, 8 MiB saves 0.1%.
	xzDict = 4 << 20
	// zstdWindow is xz -6's dictionary; a decoder needs no more than that.
	zstdWindow = 8 << 20
)

// gzipSetting is level 6, gzip's own default, which MediaWiki's release tarballs use too:
// level 9 makes core's segment 4% smaller at three times the time.
var gzipSetting = tarfile.Gzip6

func compressor(c Compression, w io.Writer) (io.WriteCloser, error) {
	switch c {
	case Gzip:
		return gzipSetting.NewWriter(w)
	case XZ:
		// Hash-chain matching: ulikunitz/xz's binary tree compresses about 5% better but
		// is an order of magnitude slower. One block per stream (a stream is a chunk).
		return xz.WriterConfig{
			Properties: &lzma.Properties{LC: 3, LP: 0, PB: 2},
			DictCap:    xzDict,
			BufSize:    4096,
			BlockSize:  math.MaxInt64,
			CheckSum:   xz.CRC64,
			Matcher:    lzma.HashTable4,
		}.NewWriter(w)
	case Zstd:
		// One goroutine: klauspost's concurrent encoder is not promised to be deterministic.
		return zstd.NewWriter(w,
			zstd.WithEncoderLevel(zstd.SpeedBetterCompression),
			zstd.WithWindowSize(zstdWindow),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderCRC(true))
	}
	return nil, fmt.Errorf("%q is not a tarball compression", string(c))
}
