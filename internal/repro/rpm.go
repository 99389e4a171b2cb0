package repro

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sassoftware/go-rpmutils/cpio"

	"github.com/mwedition/mwedition/internal/rpmtag"
)

// rpmTag is one parsed header entry.
type rpmTag struct {
	tag, typ, count int
	data            []byte
}

// readRPMHeader reads one header structure (magic, index, data store).
func readRPMHeader(r io.Reader) ([]rpmTag, int, error) {
	intro := make([]byte, 16)
	if _, err := io.ReadFull(r, intro); err != nil {
		return nil, 0, err
	}
	if [4]byte(intro) != [4]byte(rpmtag.Magic[:4]) {
		return nil, 0, errors.New("bad header magic")
	}
	n := int(binary.BigEndian.Uint32(intro[8:12]))
	size := int(binary.BigEndian.Uint32(intro[12:16]))
	if n > 1<<16 || size > 256<<20 {
		return nil, 0, fmt.Errorf("header of %d entries and %d bytes is too large", n, size)
	}
	index := make([]byte, 16*n)
	if _, err := io.ReadFull(r, index); err != nil {
		return nil, 0, err
	}
	store := make([]byte, size)
	if _, err := io.ReadFull(r, store); err != nil {
		return nil, 0, err
	}
	type ent struct{ tag, typ, off, count int }
	ents := make([]ent, n)
	for i := range ents {
		b := index[16*i:]
		ents[i] = ent{int(int32(binary.BigEndian.Uint32(b))), int(binary.BigEndian.Uint32(b[4:])), int(int32(binary.BigEndian.Uint32(b[8:]))), int(binary.BigEndian.Uint32(b[12:]))}
	}
	// An entry's data runs to the next entry's offset (by offset order), or the store's end.
	offs := make([]int, 0, n)
	for _, e := range ents {
		offs = append(offs, e.off)
	}
	sort.Ints(offs)
	var tags []rpmTag
	for _, e := range ents {
		if e.off < 0 || e.off > size {
			return nil, 0, fmt.Errorf("tag %d: offset %d outside the %d-byte store", e.tag, e.off, size)
		}
		end := size
		for _, o := range offs {
			if o > e.off {
				end = o
				break
			}
		}
		data := store[e.off:end]
		if w := map[int]int{rpmtag.Int16: 2, rpmtag.Int32: 4, rpmtag.Int64: 8}[e.typ]; w > 0 && e.count*w <= len(data) {
			data = data[:e.count*w]
		} else if e.typ == rpmtag.Int8 || e.typ == rpmtag.Char || e.typ == rpmtag.Bin {
			if e.count <= len(data) {
				data = data[:e.count]
			}
		} else if e.typ == rpmtag.String || e.typ == rpmtag.StringArray || e.typ == rpmtag.I18NString {
			// count NUL-terminated strings
			k, cut := 0, 0
			for cut < len(data) && k < e.count {
				j := cut
				for j < len(data) && data[j] != 0 {
					j++
				}
				cut = j + 1
				k++
			}
			data = data[:min(cut, len(data))]
		}
		tags = append(tags, rpmTag{e.tag, e.typ, e.count, data})
	}
	return tags, 16 + 16*n + size, nil
}

// values renders a tag's data element by element.
func (t rpmTag) values() []string {
	var out []string
	switch t.typ {
	case rpmtag.Int16:
		for i := 0; i+2 <= len(t.data); i += 2 {
			out = append(out, strconv.FormatUint(uint64(binary.BigEndian.Uint16(t.data[i:])), 10))
		}
	case rpmtag.Int32:
		for i := 0; i+4 <= len(t.data); i += 4 {
			out = append(out, strconv.FormatUint(uint64(binary.BigEndian.Uint32(t.data[i:])), 10))
		}
	case rpmtag.Int64:
		for i := 0; i+8 <= len(t.data); i += 8 {
			out = append(out, strconv.FormatUint(binary.BigEndian.Uint64(t.data[i:]), 10))
		}
	case rpmtag.String, rpmtag.StringArray, rpmtag.I18NString:
		s := strings.TrimSuffix(string(t.data), "\x00")
		out = strings.Split(s, "\x00")
	case rpmtag.Bin:
		sum := sha256.Sum256(t.data)
		out = []string{fmt.Sprintf("%d bytes, sha256 %s", len(t.data), hex.EncodeToString(sum[:]))}
	default:
		out = []string{hex.EncodeToString(t.data)}
	}
	return out
}

// rpm reads the lead, both headers and the payload's cpio entries.
func (w *walker) rpm(r *bufio.Reader) error {
	lead := make([]byte, 96)
	if _, err := io.ReadFull(r, lead); err != nil {
		return fmt.Errorf("rpm lead: %w", err)
	}
	if lead[0] != 0xed || lead[1] != 0xab || lead[2] != 0xee || lead[3] != 0xdb {
		return errors.New("not an rpm (bad lead magic)")
	}
	sum := sha256.Sum256(lead)
	w.add(Entry{Kind: KindField, Where: "lead", Name: "lead", Value: strings.TrimRight(string(lead[10:76]), "\x00"), Digest: hex.EncodeToString(sum[:])})
	sig, n, err := readRPMHeader(r)
	if err != nil {
		return fmt.Errorf("signature header: %w", err)
	}
	if pad := (8 - n%8) % 8; pad > 0 {
		if _, err := r.Discard(pad); err != nil {
			return fmt.Errorf("signature header padding: %w", err)
		}
	}
	for _, t := range sig {
		w.add(Entry{Kind: KindField, Where: "signature", Name: rpmtag.Label(t.tag), Value: strings.Join(t.values(), "\n")})
	}
	main, _, err := readRPMHeader(r)
	if err != nil {
		return fmt.Errorf("main header: %w", err)
	}
	byTag := map[int]rpmTag{}
	for _, t := range main {
		byTag[t.tag] = t
	}
	// Paths of the files, for naming per-file values.
	var paths []string
	if bn, ok := byTag[rpmtag.BaseNames]; ok {
		dirs, idx := byTag[rpmtag.DirNames].values(), byTag[rpmtag.DirIndexes].values()
		for i, b := range bn.values() {
			d := ""
			if i < len(idx) {
				if k, err := strconv.Atoi(idx[i]); err == nil && k < len(dirs) {
					d = dirs[k]
				}
			}
			paths = append(paths, d+b)
		}
	}
	for _, t := range main {
		vs := t.values()
		if rpmtag.PerFile(t.tag) && len(vs) == len(paths) {
			for i, v := range vs {
				w.add(Entry{Kind: KindField, Where: "header", Name: rpmtag.Label(t.tag) + " " + paths[i], Value: v})
			}
			continue
		}
		w.add(Entry{Kind: KindField, Where: "header", Name: rpmtag.Label(t.tag), Value: strings.Join(vs, "\n")})
	}
	// The payload: hashed as stored, then decompressed by its magic bytes.
	h := &countingHash{h: sha256.New()}
	pr := bufio.NewReaderSize(io.TeeReader(r, h), 1<<16)
	dr, closeFn, err := w.decompress("payload", "payload", pr)
	if err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	defer closeFn()
	if err := w.cpio(dr); err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, pr); err != nil {
		return fmt.Errorf("payload: %w", err)
	}
	w.add(Entry{Kind: KindFile, Where: "payload", Name: "compressed payload", Size: h.n, Digest: hex.EncodeToString(h.h.Sum(nil))})
	return nil
}

var cpioTypes = map[int]string{0o100000: "file", 0o040000: "dir", 0o120000: "symlink", 0o020000: "char", 0o060000: "block", 0o010000: "fifo"}

func (w *walker) cpio(r io.Reader) error {
	cr := cpio.NewReader(r)
	for {
		h, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("payload: cpio: %w", err)
		}
		typ, ok := cpioTypes[h.Mode()&0o170000]
		if !ok {
			typ = fmt.Sprintf("type %o", h.Mode()&0o170000)
		}
		e := Entry{Where: "payload", Kind: KindCPIO, Name: h.Filename(), Type: typ, Mode: int64(h.Mode() & 0o7777),
			UID: h.Uid(), GID: h.Gid(), MTime: time.Unix(int64(h.Mtime()), 0).UTC(), Size: int64(h.Filesize()),
			Nlink: h.Nlink(), Ino: h.Ino()}
		switch typ {
		case "symlink":
			b, err := io.ReadAll(io.LimitReader(cr, int64(h.Filesize())))
			if err != nil {
				return fmt.Errorf("payload: %s: %w", e.Name, err)
			}
			e.Link = string(b)
		case "file":
			if e.Digest, _, err = w.file(e, io.LimitReader(cr, int64(h.Filesize()))); err != nil {
				return fmt.Errorf("payload: %s: %w", e.Name, err)
			}
		}
		w.add(e)
	}
}
