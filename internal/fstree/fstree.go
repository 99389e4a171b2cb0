// Package fstree is the one intermediate form every output format reads: an immutable,
// normalised file tree. Entries are sorted bytewise by path; ownership is always root, modes
// keep only the executable bit (0644/0755, directories 0755), and times are not part of an
// entry at all: a component's files all take the component's source time, applied by the
// sinks. Contents are not held in memory; each file entry names where its bytes live
// (Src, relative to the store that produced the tree) and their SHA-256.
package fstree

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Type is the type of an entry.
type Type uint8

// Entry types. Devices, FIFOs and sockets never enter a tree.
const (
	Dir Type = iota + 1
	File
	Symlink
)

func (t Type) String() string {
	switch t {
	case Dir:
		return "dir"
	case File:
		return "file"
	case Symlink:
		return "symlink"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Entry is one file, directory or symlink of a tree.
type Entry struct {
	Path   string `json:"p"`           // slash-separated, relative, clean
	Type   Type   `json:"t"`           // Dir, File or Symlink
	Exec   bool   `json:"x,omitempty"` // files: executable
	Size   int64  `json:"s,omitempty"` // files: bytes
	Digest string `json:"d,omitempty"` // files: lowercase hex SHA-256 of the contents
	Target string `json:"l,omitempty"` // symlinks: the target, verbatim
	Src    string `json:"f,omitempty"` // files: where the bytes are, relative to the store; not part of the tree's identity
}

// Mode is the normalised permission and type bits of the entry.
func (e Entry) Mode() fs.FileMode {
	switch e.Type {
	case Dir:
		return fs.ModeDir | 0o755
	case Symlink:
		return fs.ModeSymlink | 0o777
	}
	if e.Exec {
		return 0o755
	}
	return 0o644
}

// Tree is an immutable, sorted set of entries. The zero Tree is empty.
type Tree struct {
	entries []Entry
	digest  string
	size    int64
}

// New builds a tree from entries in any order. Missing parent directories are added;
// two entries at one path are an error unless both are directories.
func New(entries []Entry) (Tree, error) {
	byPath := make(map[string]Entry, len(entries))
	for _, e := range entries {
		if err := checkEntry(e); err != nil {
			return Tree{}, err
		}
		if prev, ok := byPath[e.Path]; ok {
			if prev.Type == Dir && e.Type == Dir {
				continue
			}
			return Tree{}, fmt.Errorf("%s: declared twice (%s and %s)", e.Path, prev.Type, e.Type)
		}
		byPath[e.Path] = e
	}
	for p, e := range byPath {
		for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
			prev, ok := byPath[dir]
			if ok && prev.Type != Dir {
				return Tree{}, fmt.Errorf("%s: parent %s is a %s, not a directory", e.Path, dir, prev.Type)
			}
			if ok {
				break
			}
			byPath[dir] = Entry{Path: dir, Type: Dir}
		}
	}
	out := make([]Entry, 0, len(byPath))
	for _, e := range byPath {
		out = append(out, e)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return seal(out), nil
}

// fromSorted is New for entries that should already be in order with their parents present,
// as Encode writes them; anything else takes the general path.
func fromSorted(entries []Entry) (Tree, error) {
	dirs := make(map[string]bool, len(entries)/8)
	for i, e := range entries {
		if err := checkEntry(e); err != nil {
			return Tree{}, err
		}
		parent := path.Dir(e.Path)
		if (i > 0 && entries[i-1].Path >= e.Path) || (parent != "." && !dirs[parent]) {
			return New(entries)
		}
		if e.Type == Dir {
			dirs[e.Path] = true
		}
	}
	return seal(entries), nil
}

// seal computes the identity of already sorted, valid entries.
func seal(entries []Entry) Tree {
	h := sha256.New()
	io.WriteString(h, "mwedition-tree-v1\n")
	var size int64
	for _, e := range entries {
		// NUL cannot occur in a path, so the encoding is unambiguous.
		fmt.Fprintf(h, "%s\x00%d\x00%o\x00%d\x00%s\x00%s\x00", e.Path, e.Type, e.Mode().Perm(), e.Size, e.Digest, e.Target)
		size += e.Size
	}
	return Tree{entries: entries, digest: "sha256:" + hex.EncodeToString(h.Sum(nil)), size: size}
}

func checkEntry(e Entry) error {
	if e.Path == "" || e.Path == "." || path.Clean(e.Path) != e.Path || strings.HasPrefix(e.Path, "/") || e.Path == ".." || strings.HasPrefix(e.Path, "../") || strings.ContainsRune(e.Path, 0) {
		return fmt.Errorf("%q: not a clean relative path", e.Path)
	}
	switch e.Type {
	case Dir:
		if e.Size != 0 || e.Digest != "" || e.Target != "" || e.Exec {
			return fmt.Errorf("%s: a directory has no size, digest, target or exec bit", e.Path)
		}
	case File:
		if len(e.Digest) != 64 || e.Size < 0 {
			return fmt.Errorf("%s: a file needs a SHA-256 digest and a size", e.Path)
		}
	case Symlink:
		if e.Target == "" {
			return fmt.Errorf("%s: a symlink needs a target", e.Path)
		}
	default:
		return fmt.Errorf("%s: unknown entry type %d", e.Path, e.Type)
	}
	return nil
}

// Digest identifies the tree: paths, types, modes, sizes, content digests and link targets.
func (t Tree) Digest() string {
	if t.digest == "" {
		return seal(nil).digest
	}
	return t.digest
}

// Len is the number of entries.
func (t Tree) Len() int { return len(t.entries) }

// Size is the total size of the regular files.
func (t Tree) Size() int64 { return t.size }

// At returns the i-th entry in path order.
func (t Tree) At(i int) Entry { return t.entries[i] }

// Entries returns a copy of the entries, in path order.
func (t Tree) Entries() []Entry { return append([]Entry(nil), t.entries...) }

// Lookup finds the entry at p.
func (t Tree) Lookup(p string) (Entry, bool) {
	i := sort.Search(len(t.entries), func(i int) bool { return t.entries[i].Path >= p })
	if i < len(t.entries) && t.entries[i].Path == p {
		return t.entries[i], true
	}
	return Entry{}, false
}

// Place returns the tree moved below prefix (slash-separated, clean).
func (t Tree) Place(prefix string) (Tree, error) {
	if prefix == "" || prefix == "." {
		return t, nil
	}
	out := make([]Entry, 0, len(t.entries)+1)
	out = append(out, Entry{Path: prefix, Type: Dir})
	for _, e := range t.entries {
		e.Path = prefix + "/" + e.Path
		out = append(out, e)
	}
	return New(out)
}

// Filter returns the entries for which keep is true, still sorted. Dropping a directory
// drops everything below it, so the result is a valid tree.
func (t Tree) Filter(keep func(Entry) bool) Tree {
	out := make([]Entry, 0, len(t.entries))
	// Bytewise order does not keep a directory's entries together ("a", "a-b", "a/c"), so
	// ancestors are looked up rather than tracked as a run.
	dropped := map[string]bool{}
	for _, e := range t.entries {
		if droppedAncestor(e.Path, dropped) {
			continue
		}
		if !keep(e) {
			if e.Type == Dir {
				dropped[e.Path] = true
			}
			continue
		}
		out = append(out, e)
	}
	return seal(out)
}

func droppedAncestor(p string, dropped map[string]bool) bool {
	if len(dropped) == 0 {
		return false
	}
	for dir := path.Dir(p); dir != "."; dir = path.Dir(dir) {
		if dropped[dir] {
			return true
		}
	}
	return false
}

// Merge unites trees. Directories may be shared; any other path present in two trees is a
// collision, reported with the path.
func Merge(trees ...Tree) (Tree, error) {
	n := 0
	for _, t := range trees {
		n += t.Len()
	}
	all := make([]Entry, 0, n)
	for _, t := range trees {
		all = append(all, t.entries...)
	}
	return New(all)
}

// Under reports whether p is prefix itself or inside it.
func Under(p, prefix string) bool {
	return p == prefix || strings.HasPrefix(p, prefix+"/")
}

// Header is the first line of an encoded tree: enough to describe it without reading it.
type Header struct {
	Format  string `json:"format"`
	Digest  string `json:"digest"`
	Entries int    `json:"entries"`
	Size    int64  `json:"size"`
}

const formatName = "mwedition-tree-v1"

// Encode writes the tree as JSON lines: a header, then one entry per line.
func (t Tree) Encode(w io.Writer) error {
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(Header{Format: formatName, Digest: t.Digest(), Entries: t.Len(), Size: t.Size()}); err != nil {
		return err
	}
	for _, e := range t.entries {
		if err := enc.Encode(e); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// ReadHeader reads only the header of an encoded tree.
func ReadHeader(r io.Reader) (Header, error) {
	return readHeader(json.NewDecoder(bufio.NewReader(r)))
}

func readHeader(dec *json.Decoder) (Header, error) {
	var h Header
	if err := dec.Decode(&h); err != nil {
		return h, fmt.Errorf("reading tree header: %w", err)
	}
	if h.Format != formatName {
		return h, fmt.Errorf("not a tree listing (format %q)", h.Format)
	}
	return h, nil
}

// Decode reads what Encode wrote and checks it against the digest in its header.
func Decode(r io.Reader) (Tree, error) {
	dec := json.NewDecoder(bufio.NewReader(r))
	h, err := readHeader(dec)
	if err != nil {
		return Tree{}, err
	}
	if h.Entries < 0 || h.Entries > 50_000_000 {
		return Tree{}, fmt.Errorf("tree listing claims %d entries", h.Entries)
	}
	entries := make([]Entry, 0, min(h.Entries, 1<<16))
	for {
		var e Entry
		err := dec.Decode(&e)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Tree{}, fmt.Errorf("reading tree entry %d: %w", len(entries)+1, err)
		}
		entries = append(entries, e)
	}
	t, err := fromSorted(entries)
	if err != nil {
		return Tree{}, err
	}
	if t.Digest() != h.Digest {
		return Tree{}, fmt.Errorf("tree listing is corrupt: its entries hash to %s, its header says %s", t.Digest(), h.Digest)
	}
	return t, nil
}
