package repro

import (
	"bufio"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sassoftware/go-rpmutils/cpio"
)

// rpmTagNames name the tags mwedition writes (rpm's lib/rpmtag.h); others show by number.
var rpmTagNames = map[int]string{
	62: "HEADERSIGNATURES", 63: "HEADERIMMUTABLE", 100: "HEADERI18NTABLE",
	267: "DSAHEADER", 268: "RSAHEADER", 269: "SHA1HEADER", 270: "LONGSIGSIZE", 271: "LONGARCHIVESIZE", 273: "SHA256HEADER",
	1000: "NAME", 1001: "VERSION", 1002: "RELEASE", 1003: "EPOCH", 1004: "SUMMARY", 1005: "DESCRIPTION",
	1006: "BUILDTIME", 1007: "BUILDHOST", 1009: "SIZE", 1011: "VENDOR", 1014: "LICENSE", 1015: "PACKAGER",
	1016: "GROUP", 1020: "URL", 1021: "OS", 1022: "ARCH", 1023: "PREIN", 1024: "POSTIN", 1025: "PREUN",
	1026: "POSTUN", 1028: "FILESIZES", 1030: "FILEMODES", 1033: "FILERDEVS", 1034: "FILEMTIMES",
	1035: "FILEDIGESTS", 1036: "FILELINKTOS", 1037: "FILEFLAGS", 1039: "FILEUSERNAME", 1040: "FILEGROUPNAME",
	1044: "SOURCERPM", 1045: "FILEVERIFYFLAGS", 1047: "PROVIDENAME", 1048: "REQUIREFLAGS", 1049: "REQUIRENAME",
	1050: "REQUIREVERSION", 1053: "CONFLICTFLAGS", 1054: "CONFLICTNAME", 1055: "CONFLICTVERSION",
	1064: "RPMVERSION", 1080: "CHANGELOGTIME", 1081: "CHANGELOGNAME", 1082: "CHANGELOGTEXT",
	1085: "PREINPROG", 1086: "POSTINPROG", 1087: "PREUNPROG", 1088: "POSTUNPROG", 1090: "OBSOLETENAME",
	1095: "FILEDEVICES", 1096: "FILEINODES", 1097: "FILELANGS", 1112: "PROVIDEFLAGS", 1113: "PROVIDEVERSION",
	1114: "OBSOLETEFLAGS", 1115: "OBSOLETEVERSION", 1116: "DIRINDEXES", 1117: "BASENAMES", 1118: "DIRNAMES",
	1124: "PAYLOADFORMAT", 1125: "PAYLOADCOMPRESSOR", 1126: "PAYLOADFLAGS", 1132: "PLATFORM",
	5009: "LONGSIZE", 5011: "FILEDIGESTALGO", 5046: "RECOMMENDNAME", 5047: "RECOMMENDVERSION",
	5048: "RECOMMENDFLAGS", 5049: "SUGGESTNAME", 5050: "SUGGESTVERSION", 5051: "SUGGESTFLAGS",
	5092: "PAYLOADDIGEST", 5093: "PAYLOADDIGESTALGO", 5097: "PAYLOADDIGESTALT",
}

// Signature header tags that hold an OpenPGP signature: a rebuild without the key lacks them.
const (
	rpmTagDSAHeader = 267
	rpmTagRSAHeader = 268
)

// rpmFileTags are the main header's per-file arrays: each element is reported under the
// file's path, so that a difference names the file.
var rpmFileTags = map[int]bool{1028: true, 1030: true, 1033: true, 1034: true, 1035: true, 1036: true, 1037: true,
	1039: true, 1040: true, 1045: true, 1095: true, 1096: true, 1097: true, 1116: true, 1117: true}

// rpmTag is one parsed header entry.
type rpmTag struct {
	tag, typ, count int
	data            []byte
}

// rpmTagName is how a tag is named in entries: "1006 BUILDTIME".
func rpmTagName(tag int) string {
	if n, ok := rpmTagNames[tag]; ok {
		return strconv.Itoa(tag) + " " + n
	}
	return strconv.Itoa(tag)
}

// readRPMHeader reads one header structure (magic, index, data store).
func readRPMHeader(r io.Reader) ([]rpmTag, int, error) {
	intro := make([]byte, 16)
	if _, err := io.ReadFull(r, intro); err != nil {
		return nil, 0, err
	}
	if intro[0] != 0x8e || intro[1] != 0xad || intro[2] != 0xe8 || intro[3] != 0x01 {
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
		if w := map[int]int{3: 2, 4: 4, 5: 8}[e.typ]; w > 0 && e.count*w <= len(data) {
			data = data[:e.count*w]
		} else if e.typ == 2 || e.typ == 1 || e.typ == 7 {
			if e.count <= len(data) {
				data = data[:e.count]
			}
		} else if e.typ == 6 || e.typ == 8 || e.typ == 9 {
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
	case 3:
		for i := 0; i+2 <= len(t.data); i += 2 {
			out = append(out, strconv.FormatUint(uint64(binary.BigEndian.Uint16(t.data[i:])), 10))
		}
	case 4:
		for i := 0; i+4 <= len(t.data); i += 4 {
			out = append(out, strconv.FormatUint(uint64(binary.BigEndian.Uint32(t.data[i:])), 10))
		}
	case 5:
		for i := 0; i+8 <= len(t.data); i += 8 {
			out = append(out, strconv.FormatUint(binary.BigEndian.Uint64(t.data[i:]), 10))
		}
	case 6, 8, 9:
		s := strings.TrimSuffix(string(t.data), "\x00")
		out = strings.Split(s, "\x00")
	case 7:
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
		w.add(Entry{Kind: KindField, Where: "signature", Name: rpmTagName(t.tag), Value: strings.Join(t.values(), "\n")})
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
	if bn, ok := byTag[1117]; ok {
		dirs, idx := byTag[1118].values(), byTag[1116].values()
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
		if rpmFileTags[t.tag] && len(vs) == len(paths) {
			for i, v := range vs {
				w.add(Entry{Kind: KindField, Where: "header", Name: rpmTagName(t.tag) + " " + paths[i], Value: v})
			}
			continue
		}
		w.add(Entry{Kind: KindField, Where: "header", Name: rpmTagName(t.tag), Value: strings.Join(vs, "\n")})
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

// cleanName drops the "./" cpio and tar names carry, for matching with header paths.
func cleanName(n string) string { return path.Clean("/" + strings.TrimPrefix(n, "./")) }
