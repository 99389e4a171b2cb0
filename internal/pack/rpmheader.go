package pack

import (
	"encoding/binary"
	"fmt"
	"slices"

	"github.com/mwedition/mwedition/internal/rpmtag"
)

// rpmTypeAlign is the alignment rpm requires of each type's data in the data store; the
// types not listed need none.
var rpmTypeAlign = map[uint32]int{rpmtag.Int16: 2, rpmtag.Int32: 4, rpmtag.Int64: 8}

// rpmHeader collects the entries of one header. Adding a tag twice is a programming error,
// caught by marshal.
type rpmHeader struct {
	entries []rpmHeaderEntry
}

type rpmHeaderEntry struct {
	tag, typ, count uint32
	data            []byte
}

func (h *rpmHeader) add(tag, typ uint32, count int, data []byte) {
	h.entries = append(h.entries, rpmHeaderEntry{tag: tag, typ: typ, count: uint32(count), data: data})
}

func (h *rpmHeader) str(tag uint32, s string) {
	h.add(tag, rpmtag.String, 1, append([]byte(s), 0))
}

// i18n adds a translatable string with only the "C" locale's text, as rpmbuild does for
// Summary, Description and Group.
func (h *rpmHeader) i18n(tag uint32, s string) {
	h.add(tag, rpmtag.I18NString, 1, append([]byte(s), 0))
}

// strs adds a string array; rpm refuses empty arrays, so an empty one is left out.
func (h *rpmHeader) strs(tag uint32, ss []string) {
	if len(ss) == 0 {
		return
	}
	var b []byte
	for _, s := range ss {
		b = append(append(b, s...), 0)
	}
	h.add(tag, rpmtag.StringArray, len(ss), b)
}

func (h *rpmHeader) bin(tag uint32, b []byte) { h.add(tag, rpmtag.Bin, len(b), b) }

func (h *rpmHeader) int16s(tag uint32, vs []uint16) {
	if len(vs) == 0 {
		return
	}
	b := make([]byte, 0, 2*len(vs))
	for _, v := range vs {
		b = binary.BigEndian.AppendUint16(b, v)
	}
	h.add(tag, rpmtag.Int16, len(vs), b)
}

func (h *rpmHeader) int32s(tag uint32, vs ...uint32) {
	if len(vs) == 0 {
		return
	}
	b := make([]byte, 0, 4*len(vs))
	for _, v := range vs {
		b = binary.BigEndian.AppendUint32(b, v)
	}
	h.add(tag, rpmtag.Int32, len(vs), b)
}

func (h *rpmHeader) int64s(tag uint32, vs ...uint64) {
	if len(vs) == 0 {
		return
	}
	b := make([]byte, 0, 8*len(vs))
	for _, v := range vs {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	h.add(tag, rpmtag.Int64, len(vs), b)
}

// marshal encodes the header as one immutable region named by region, the way rpm writes
// package headers and checks them on reading: the magic, the entry count and data size, the
// index (the region entry first, then the entries sorted by tag), and the data store holding
// each entry's data in index order, aligned for its type, followed by the region trailer,
// whose negative offset gives the size of the index.
func (h *rpmHeader) marshal(region uint32) ([]byte, error) {
	es := slices.Clone(h.entries)
	slices.SortStableFunc(es, func(a, b rpmHeaderEntry) int { return int(a.tag) - int(b.tag) })
	for i := 1; i < len(es); i++ {
		if es[i].tag == es[i-1].tag {
			return nil, fmt.Errorf("rpm header: tag %d given twice", es[i].tag)
		}
	}
	il := len(es) + 1
	var data []byte
	index := make([]byte, 0, 16*il)
	index = appendIndexEntry(index, region, rpmtag.Bin, 0, 16) // the offset is set below
	for _, e := range es {
		if a := rpmTypeAlign[e.typ]; a > 1 {
			for len(data)%a != 0 {
				data = append(data, 0)
			}
		}
		index = appendIndexEntry(index, e.tag, e.typ, uint32(len(data)), e.count)
		data = append(data, e.data...)
	}
	binary.BigEndian.PutUint32(index[8:12], uint32(len(data)))
	data = appendIndexEntry(data, region, rpmtag.Bin, uint32(-16*int32(il)), 16)
	// rpm's limits: 65535 entries and 256 MiB of data; the signature header, 32 and 8 KiB.
	maxEntries, maxData := 0xffff, 0x0fffffff
	if region == rpmtag.HeaderSignatures {
		maxEntries, maxData = 32, 8192
	}
	if il > maxEntries || len(data) > maxData {
		return nil, fmt.Errorf("rpm header: %d entries and %d bytes of data are more than rpm reads (%d, %d)", il, len(data), maxEntries, maxData)
	}
	out := make([]byte, 0, 16+len(index)+len(data))
	out = append(out, rpmtag.Magic[:]...)
	out = binary.BigEndian.AppendUint32(out, uint32(il))
	out = binary.BigEndian.AppendUint32(out, uint32(len(data)))
	out = append(out, index...)
	return append(out, data...), nil
}

func appendIndexEntry(b []byte, tag, typ, offset, count uint32) []byte {
	b = binary.BigEndian.AppendUint32(b, tag)
	b = binary.BigEndian.AppendUint32(b, typ)
	b = binary.BigEndian.AppendUint32(b, offset)
	return binary.BigEndian.AppendUint32(b, count)
}

// rpmLead is the 96-byte lead that starts a package, named name-[epoch:]version-release as
// rpmbuild names it. rpm reads only its magic and signature type; the rest is historical.
// rpmbuild writes the build host's architecture number there, which would make the bytes
// depend on the host, so it is 0 here.
func rpmLead(nevr string) []byte {
	b := make([]byte, 96)
	copy(b, []byte{0xed, 0xab, 0xee, 0xdb, 3, 0}) // magic, format 3.0
	// type 0 (binary) and archnum 0 stay zero.
	name := nevr
	if len(name) > 65 {
		name = name[:65] // as rpm's rstrlcpy: at most 65 bytes and a NUL
	}
	copy(b[10:76], name)
	binary.BigEndian.PutUint16(b[76:78], 1) // osnum: Linux
	binary.BigEndian.PutUint16(b[78:80], 5) // signature type: a header-structured signature
	return b
}
