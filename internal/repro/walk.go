// Package repro reads mwedition's artifacts as lists of entries and compares them, for
// `mwedition verify` and the metadata audit. A .deb is its ar members, the gzip headers and
// tar entries of control.tar and data.tar, and the fields of its control file; an .rpm is its
// lead, the tags of its signature and main headers, and the cpio entries of its payload; a
// tarball is its gzip members' headers and its tar entries; an OCI image layout is its
// index, manifests, configurations (as JSON fields) and layers (as tar entries). Two
// artifacts that differ are reported by the first entries that differ, field by field:
// name, type, mode, owner, time, size, content digest, header values.
//
// It also plans how verify rebuilds: the varied conditions of the child build (Vary), the
// project copy and the cold cache seeded with the pinned sources (Seed). Nothing here reads
// the environment or the clock, and nothing prints: the caller passes what it read.
package repro

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// Kind says what an Entry is.
type Kind string

// Entry kinds.
const (
	KindFile  Kind = "file"  // a whole artifact or blob, by its bytes
	KindAr    Kind = "ar"    // a member of a .deb's ar archive
	KindGzip  Kind = "gzip"  // the header of one gzip member
	KindTar   Kind = "tar"   // a tar entry
	KindCPIO  Kind = "cpio"  // an entry of an RPM payload
	KindField Kind = "field" // a named value: a control field, an RPM header tag, a JSON field
)

// Entry is one thing an artifact holds, with every attribute that can make two artifacts
// differ. Fields that do not apply to its Kind stay zero.
type Entry struct {
	Where string // the container within the artifact: "data.tar.gz", "payload", "header"; "" at the top
	Kind  Kind
	Name  string

	Type    string // tar and cpio: "file", "dir", "symlink", "hardlink", "char", "block", "fifo"
	Mode    int64  // permission and set-id bits
	UID     int
	GID     int
	Uname   string
	Gname   string
	MTime   time.Time // full precision, UTC; zero for a gzip header without a time
	ATime   time.Time // tar: access time, when the header carries one
	CTime   time.Time // tar: change time, when the header carries one
	Size    int64
	Link    string            // symlink or hard link target
	Digest  string            // SHA-256 of the content (files, members, blobs)
	PAX     map[string]string // tar: PAX records
	Format  string            // tar: the header format (USTAR, PAX, GNU)
	Nlink   int               // cpio
	Ino     int               // cpio
	OS      int               // gzip: the OS byte
	Comment string            // gzip: FCOMMENT
	Value   string            // fields: the value; gzip: FNAME
}

// ID is what identifies an entry within its artifact: container, kind and name.
func (e Entry) ID() string {
	if e.Where == "" {
		return string(e.Kind) + " " + e.Name
	}
	return e.Where + ": " + string(e.Kind) + " " + e.Name
}

// Content, when given to a walk, sees the bytes of every file-like entry (tar and cpio
// files, ar members, whole files) before they are hashed; it need not read them all.
type Content func(e Entry, r io.Reader) error

// Walk lists the entries of the artifact at p, by its name: .deb, .rpm, .tar, .tar.gz,
// .tgz, .tar.xz, .tar.zst, a bare .gz; anything else is one KindFile entry. Content, when
// not nil, sees every file's bytes.
func Walk(p string, content Content) ([]Entry, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	w := &walker{content: content}
	name := path.Base(p)
	if err := w.artifact(name, bufio.NewReaderSize(f, 1<<16)); err != nil {
		return w.out, fmt.Errorf("reading %s: %w", p, err)
	}
	return w.out, nil
}

// WalkReader is Walk for an artifact read from r, its kind told by name.
func WalkReader(name string, r io.Reader, content Content) ([]Entry, error) {
	w := &walker{content: content}
	err := w.artifact(name, bufio.NewReaderSize(r, 1<<16))
	return w.out, err
}

// WalkLayer lists an OCI layer (a tar, gzip-compressed or not, or zstd) read from r.
func WalkLayer(where string, r io.Reader, content Content) ([]Entry, error) {
	w := &walker{content: content}
	err := w.compressedTar(where, "", bufio.NewReaderSize(r, 1<<16))
	return w.out, err
}

type walker struct {
	out     []Entry
	content Content
}

func (w *walker) add(e Entry) { w.out = append(w.out, e) }

func (w *walker) artifact(name string, r *bufio.Reader) error {
	switch {
	case strings.HasSuffix(name, ".deb"):
		return w.deb(r)
	case strings.HasSuffix(name, ".rpm"):
		return w.rpm(r)
	case strings.HasSuffix(name, ".tar"), strings.HasSuffix(name, ".tar.gz"), strings.HasSuffix(name, ".tgz"),
		strings.HasSuffix(name, ".tar.xz"), strings.HasSuffix(name, ".tar.zst"):
		return w.compressedTar("", name, r)
	}
	e := Entry{Kind: KindFile, Name: name}
	d, n, err := w.file(e, r)
	if err != nil {
		return err
	}
	e.Digest, e.Size = d, n
	w.add(e)
	return nil
}

// file hashes r, showing it to the content callback first, and counts its bytes.
func (w *walker) file(e Entry, r io.Reader) (string, int64, error) {
	h := &countingHash{h: sha256.New()}
	tee := io.TeeReader(r, h)
	if w.content != nil {
		if err := w.content(e, tee); err != nil {
			return "", 0, err
		}
	}
	if _, err := io.Copy(io.Discard, tee); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.h.Sum(nil)), h.n, nil
}

type countingHash struct {
	h hash.Hash
	n int64
}

func (c *countingHash) Write(b []byte) (int, error) {
	c.n += int64(len(b))
	return c.h.Write(b)
}

// compressedTar reads a tar, decompressed as magic bytes say, recording gzip headers.
func (w *walker) compressedTar(where, name string, r *bufio.Reader) error {
	dr, closeFn, err := w.decompress(where, name, r)
	if err != nil {
		return err
	}
	defer closeFn()
	return w.tar(where, dr)
}

var (
	gzipMagic = []byte{0x1f, 0x8b}
	xzMagic   = []byte{0xfd, '7', 'z', 'X', 'Z', 0}
	zstdMagic = []byte{0x28, 0xb5, 0x2f, 0xfd}
)

// decompress returns the decompressed stream of r, by its magic bytes; gzip members'
// headers become entries (where is their container, name the member's label).
func (w *walker) decompress(where, name string, r *bufio.Reader) (io.Reader, func(), error) {
	magic, _ := r.Peek(6)
	switch {
	case bytes.HasPrefix(magic, gzipMagic):
		gr := &gzipMembers{w: w, where: where, br: r}
		if err := gr.next(); err != nil {
			return nil, nil, err
		}
		return gr, func() {}, nil
	case bytes.HasPrefix(magic, xzMagic):
		xr, err := xz.NewReader(r)
		if err != nil {
			return nil, nil, fmt.Errorf("xz: %w", err)
		}
		return xr, func() {}, nil
	case bytes.HasPrefix(magic, zstdMagic):
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, nil, fmt.Errorf("zstd: %w", err)
		}
		return zr, zr.Close, nil
	}
	return r, func() {}, nil
}

// gzipMembers reads concatenated gzip members as one stream, recording each member's header.
type gzipMembers struct {
	w     *walker
	where string
	br    *bufio.Reader
	z     *gzip.Reader
	n     int
	done  bool
}

func (g *gzipMembers) next() error {
	var err error
	if g.z == nil {
		g.z, err = gzip.NewReader(g.br)
	} else {
		err = g.z.Reset(g.br)
	}
	if err != nil {
		return fmt.Errorf("gzip member %d: %w", g.n, err)
	}
	g.z.Multistream(false)
	h := g.z.Header
	e := Entry{Where: g.where, Kind: KindGzip, Name: "member " + strconv.Itoa(g.n), OS: int(h.OS), Comment: h.Comment, Value: h.Name}
	if !h.ModTime.IsZero() && h.ModTime.Unix() != 0 {
		e.MTime = h.ModTime.UTC()
	}
	if len(h.Extra) > 0 {
		e.Digest = hex.EncodeToString(h.Extra)
	}
	g.w.add(e)
	g.n++
	return nil
}

func (g *gzipMembers) Read(p []byte) (int, error) {
	for {
		if g.done {
			return 0, io.EOF
		}
		n, err := g.z.Read(p)
		if err == io.EOF {
			if _, perr := g.br.Peek(1); perr != nil {
				g.done = true
				if n > 0 {
					return n, nil
				}
				return 0, io.EOF
			}
			if nerr := g.next(); nerr != nil {
				return n, nerr
			}
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

var tarTypes = map[byte]string{
	tar.TypeReg: "file", tar.TypeRegA: "file", tar.TypeDir: "dir", tar.TypeSymlink: "symlink", tar.TypeLink: "hardlink",
	tar.TypeChar: "char", tar.TypeBlock: "block", tar.TypeFifo: "fifo",
}

func (w *walker) tar(where string, r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: tar: %w", orTop(where), err)
		}
		typ, ok := tarTypes[h.Typeflag]
		if !ok {
			typ = "type " + strconv.QuoteRune(rune(h.Typeflag))
		}
		e := Entry{Where: where, Kind: KindTar, Name: h.Name, Type: typ, Mode: h.Mode, UID: h.Uid, GID: h.Gid,
			Uname: h.Uname, Gname: h.Gname, MTime: h.ModTime.UTC(), Size: h.Size, Link: h.Linkname,
			Format: h.Format.String()}
		if !h.AccessTime.IsZero() {
			e.ATime = h.AccessTime.UTC()
		}
		if !h.ChangeTime.IsZero() {
			e.CTime = h.ChangeTime.UTC()
		}
		if len(h.PAXRecords) > 0 {
			e.PAX = h.PAXRecords
		}
		if typ == "file" {
			if e.Digest, _, err = w.file(e, tr); err != nil {
				return fmt.Errorf("%s: %s: %w", orTop(where), h.Name, err)
			}
		}
		w.add(e)
	}
}

func orTop(where string) string {
	if where == "" {
		return "archive"
	}
	return where
}

// deb reads an ar archive: its members, and inside control.tar.* and data.tar.* the tar
// entries and the control file's fields.
func (w *walker) deb(r *bufio.Reader) error {
	magic := make([]byte, 8)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "!<arch>\n" {
		return errors.New("not an ar archive (a .deb starts with !<arch>)")
	}
	for {
		hdr := make([]byte, 60)
		if _, err := io.ReadFull(r, hdr); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("ar header: %w", err)
		}
		if string(hdr[58:60]) != "`\n" {
			return fmt.Errorf("ar header %q: bad magic", hdr)
		}
		field := func(a, b int) string { return strings.TrimSpace(string(hdr[a:b])) }
		name := strings.TrimSuffix(field(0, 16), "/")
		num := func(a, b, base int) (int64, error) {
			s := field(a, b)
			if s == "" {
				return 0, nil
			}
			v, err := strconv.ParseInt(s, base, 64)
			if err != nil {
				return 0, fmt.Errorf("ar member %s: %q: %w", name, s, err)
			}
			return v, nil
		}
		var vals [5]int64
		for i, f := range [][3]int{{16, 28, 10}, {28, 34, 10}, {34, 40, 10}, {40, 48, 8}, {48, 58, 10}} {
			v, err := num(f[0], f[1], f[2])
			if err != nil {
				return err
			}
			vals[i] = v
		}
		e := Entry{Kind: KindAr, Name: name, MTime: time.Unix(vals[0], 0).UTC(), UID: int(vals[1]), GID: int(vals[2]), Mode: vals[3], Size: vals[4]}
		// The member comes before what it holds; its digest is known once it is read.
		slot := len(w.out)
		w.add(e)
		body := io.LimitReader(r, e.Size)
		h := sha256.New()
		tee := io.TeeReader(body, h)
		var err error
		switch {
		case strings.HasPrefix(name, "control.tar"), strings.HasPrefix(name, "data.tar"):
			err = w.member(name, bufio.NewReaderSize(tee, 1<<16))
		case w.content != nil:
			err = w.content(e, tee)
		}
		if err != nil {
			return err
		}
		if _, err := io.Copy(io.Discard, tee); err != nil {
			return fmt.Errorf("ar member %s: %w", name, err)
		}
		w.out[slot].Digest = hex.EncodeToString(h.Sum(nil))
		if e.Size%2 == 1 {
			if _, err := r.ReadByte(); err != nil {
				return fmt.Errorf("ar member %s: padding: %w", name, err)
			}
		}
	}
}

// member reads a .deb's control.tar.* or data.tar.*; the control file's fields become
// entries of their own.
func (w *walker) member(name string, r *bufio.Reader) error {
	dr, closeFn, err := w.decompress(name, name, r)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	defer closeFn()
	if !strings.HasPrefix(name, "control.tar") {
		return w.tar(name, dr)
	}
	var control []byte
	inner := w.content
	w.content = func(e Entry, r io.Reader) error {
		if path.Clean(e.Name) == "control" {
			b, err := io.ReadAll(r)
			control = b
			if err != nil {
				return err
			}
			r = bytes.NewReader(b)
		}
		if inner != nil {
			return inner(e, r)
		}
		return nil
	}
	err = w.tar(name, dr)
	w.content = inner
	if err != nil {
		return err
	}
	for _, f := range controlFields(control) {
		w.add(Entry{Where: "control", Kind: KindField, Name: f[0], Value: f[1]})
	}
	return nil
}

// controlFields splits a Debian control paragraph into fields, continuation lines kept.
func controlFields(b []byte) [][2]string {
	var out [][2]string
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(out) > 0 {
			out[len(out)-1][1] += "\n" + l
			continue
		}
		k, v, _ := strings.Cut(l, ":")
		out = append(out, [2]string{k, strings.TrimSpace(v)})
	}
	return out
}
