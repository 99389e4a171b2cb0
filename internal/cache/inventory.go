package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/mwedition/mwedition/internal/fstree"
)

// Areas of the store, as Entry.Area names them, in the order `cache ls` shows them.
const (
	AreaBlobs   = "blobs"   // blobs/sha256/<hex>: downloads and everything built
	AreaSrc     = "src"     // unpacked sources
	AreaGit     = "git"     // bare mirrors of git remotes
	AreaTrees   = "trees"   // tree listings
	AreaURLs    = "urls"    // which blob a URL gave
	AreaStamps  = "stamps"  // what a dir source's files looked like when hashed
	AreaActions = "actions" // the build graph's records of finished actions
	AreaBuilds  = "builds"  // what each build used
	AreaTmp     = "tmp"     // work in progress, or what a killed process left
)

// Areas lists every area in display order.
var Areas = []string{AreaBlobs, AreaSrc, AreaGit, AreaTrees, AreaStamps, AreaURLs, AreaActions, AreaBuilds, AreaTmp}

// Kinds of blobs that no action names.
const (
	// KindSource is a downloaded source: a release tarball or signature, named by an
	// unpacked source, a URL record or the lock. It may not download again.
	KindSource = "source"
	// KindUnreferenced is a blob nothing in the store names.
	KindUnreferenced = "unreferenced"
	// KindUnrecorded is an action record, or what it names, that no build record describes:
	// made by lock, or before builds were recorded.
	KindUnrecorded = "unrecorded"
)

// Entry is one entry of the store: a blob, an unpacked source, a mirror, a listing, a
// record, or something left in tmp/.
type Entry struct {
	Name  string `json:"name"` // store-relative, as EntryOf gives it
	Area  string `json:"area"`
	Kind  string `json:"kind"`  // blobs and actions: what made them (an action kind, KindSource...); else the area
	Bytes int64  `json:"bytes"` // of the regular files in it
	Files int    `json:"files"`
}

// Inventory is everything the store holds.
type Inventory struct {
	Entries []Entry       // sorted by Name
	Builds  []BuildRecord // newest first
}

// Inventory lists every entry with its size and what made it. roots name downloaded sources
// (the lock's) that no unpacked source or URL record names yet, as after `cache add`.
func (s *Store) Inventory(roots []string) (Inventory, error) {
	builds, err := s.Builds()
	if err != nil {
		return Inventory{}, err
	}
	entries, err := s.list()
	if err != nil {
		return Inventory{}, err
	}
	inv := Inventory{Entries: entries, Builds: builds}
	if err := s.classify(inv, roots); err != nil {
		return Inventory{}, err
	}
	return inv, nil
}

// list walks the store's areas. The store's own directories and lock file are not entries.
func (s *Store) list() ([]Entry, error) {
	var out []Entry
	add := func(name, area string) error {
		n, files, err := size(s.hostPath(name))
		if err != nil {
			return fmt.Errorf("measuring %s: %w", s.hostPath(name), err)
		}
		out = append(out, Entry{Name: name, Area: area, Kind: area, Bytes: n, Files: files})
		return nil
	}
	for _, area := range Areas {
		dir := area
		if area == AreaBlobs {
			dir = "blobs/sha256"
		}
		names, err := readNames(s.hostPath(dir))
		if err != nil {
			return nil, err
		}
		for _, n := range names {
			name, a := dir+"/"+n, area
			if area == AreaBuilds && !isBuildRecord(n) {
				a = AreaTmp
			}
			if area != AreaActions {
				if err := add(name, a); err != nil {
					return nil, err
				}
				continue
			}
			// actions/<shard>/<key>: the engine's records, and its temporary files, which
			// start with a dot and are left only by a process that was killed.
			keys, err := readNames(s.hostPath(name))
			if err != nil {
				return nil, err
			}
			for _, k := range keys {
				a := AreaActions
				if strings.HasPrefix(k, ".") {
					a = AreaTmp
				}
				if err := add(name+"/"+k, a); err != nil {
					return nil, err
				}
			}
		}
	}
	slices.SortFunc(out, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

func (s *Store) hostPath(rel string) string { return filepath.Join(s.root, filepath.FromSlash(rel)) }

func readNames(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	out := make([]string, 0, len(ents))
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out, nil
}

// size adds up the regular files at p, a file or a directory.
func size(p string) (n int64, files int, err error) {
	err = filepath.WalkDir(p, func(_ string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		n += fi.Size()
		files++
		return nil
	})
	return n, files, err
}

// classify sets the kind of each blob and action record: a download, or what the action
// that names it (directly, or through a listing or an image manifest) is. Action kinds come
// from the build records; the first kind to reach a blob wins, so downloads go first.
func (s *Store) classify(inv Inventory, roots []string) error {
	l := &labeller{s: s, inv: inv, idx: index(inv.Entries)}
	for _, r := range slices.Sorted(slices.Values(roots)) {
		if strings.HasPrefix(r, "blobs/") {
			l.label(r, KindSource)
		}
	}
	for _, e := range inv.Entries {
		if e.Area == AreaURLs || strings.HasPrefix(e.Name, "src/tarball-") {
			refs, err := s.refs(e)
			if err != nil {
				return err
			}
			for _, r := range refs {
				l.label(r, KindSource)
			}
		}
	}
	seeds, err := s.actionSeeds(inv)
	if err != nil {
		return err
	}
	for _, sd := range seeds {
		l.label(inv.Entries[sd.i].Name, sd.kind)
	}
	if err := l.propagate(); err != nil {
		return err
	}
	for i, e := range inv.Entries {
		switch {
		case e.Area == AreaBlobs && e.Kind == AreaBlobs:
			inv.Entries[i].Kind = KindUnreferenced
		case e.Area != AreaBlobs && e.Area != AreaActions:
			inv.Entries[i].Kind = e.Area // a listing or source took a kind only to pass it on
		}
	}
	return nil
}

// labeller hands kinds on from entries to what they name, breadth first.
type labeller struct {
	s     *Store
	inv   Inventory
	idx   map[string]int
	queue []int
}

// label gives an entry that has none yet a kind, and queues it to hand the kind on.
func (l *labeller) label(name, kind string) {
	if i, ok := l.idx[name]; ok && l.inv.Entries[i].Kind == l.inv.Entries[i].Area {
		l.inv.Entries[i].Kind = kind
		l.queue = append(l.queue, i)
	}
}

func (l *labeller) propagate() error {
	for len(l.queue) > 0 {
		e := l.inv.Entries[l.queue[0]]
		l.queue = l.queue[1:]
		refs, err := l.s.refs(e)
		if err != nil {
			return err
		}
		for _, r := range refs {
			l.label(r, e.Kind)
		}
	}
	return nil
}

// seed is an action record with the kind it hands on.
type seed struct {
	i, refs   int
	kind      string
	described bool
}

// actionSeeds orders the action records for labelling. An action that names fewer entries
// made them; one naming many (the publication, the SBOM documents) collects what others
// made. So the fewest names go first, and records no build record describes (made by lock,
// or before builds were recorded) last; among those described, the newest record's kind.
func (s *Store) actionSeeds(inv Inventory) ([]seed, error) {
	kinds := map[string]string{}
	for _, b := range slices.Backward(inv.Builds) {
		for _, a := range b.Actions {
			kinds[ActionRel(a.Key)] = a.Kind
		}
	}
	var seeds []seed
	for i, e := range inv.Entries {
		if e.Area != AreaActions {
			continue
		}
		refs, err := s.actionRefs(e.Name)
		if err != nil {
			return nil, err
		}
		k, ok := kinds[e.Name]
		if !ok {
			k = KindUnrecorded
		}
		seeds = append(seeds, seed{i: i, refs: len(refs), kind: k, described: ok})
	}
	slices.SortStableFunc(seeds, func(a, b seed) int {
		if a.described != b.described {
			if a.described {
				return -1
			}
			return 1
		}
		return a.refs - b.refs
	})
	return seeds, nil
}

func index(entries []Entry) map[string]int {
	m := make(map[string]int, len(entries))
	for i, e := range entries {
		m[e.Name] = i
	}
	return m
}

// maxJSONBlob bounds the blobs read for the digests they name: image manifests, indexes and
// configurations are small; packages and layers are not JSON.
const maxJSONBlob = 4 << 20

var (
	hexRun    = regexp.MustCompile(`[0-9a-f]+`)
	digestRef = regexp.MustCompile(`sha256:([0-9a-f]{64})`)
)

// refs names the entries e needs, which may or may not exist: what an action's outcome
// names, the files of a listing, the blobs an image manifest or index names, the blob a URL
// gave, and the download an unpacked tarball came from.
func (s *Store) refs(e Entry) ([]string, error) {
	switch {
	case e.Area == AreaActions:
		return s.actionRefs(e.Name)
	case e.Area == AreaTrees:
		// A kept dir source's tree keeps its stamps, which spare validate re-hashing it.
		refs, err := s.treeRefs(e.Name)
		return append(refs, StampsRel(strings.TrimSuffix(strings.TrimPrefix(e.Name, "trees/"), ".tree"))), err
	case e.Area == AreaURLs:
		b, err := os.ReadFile(s.hostPath(e.Name))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", e.Name, err)
		}
		return []string{BlobRel(strings.TrimSpace(string(b)))}, nil
	case strings.HasPrefix(e.Name, "src/tarball-"):
		return []string{BlobRel(strings.TrimPrefix(e.Name, "src/tarball-"))}, nil
	case e.Area == AreaBlobs && e.Bytes <= maxJSONBlob:
		return s.jsonRefs(e.Name)
	}
	return nil, nil
}

// actionRefs reads an engine record. Outcomes are typed JSON of each format's own; rather
// than know them all, every digest-sized hex string in one names whatever entry has it.
func (s *Store) actionRefs(name string) ([]string, error) {
	b, err := os.ReadFile(s.hostPath(name))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	var rec struct{ Output string }
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, fmt.Errorf("%s is not an action record: %w; delete it (the action runs again)", s.hostPath(name), err)
	}
	var out []string
	for _, h := range hexRun.FindAllString(rec.Output, -1) {
		switch len(h) {
		case 64:
			out = append(out, BlobRel(h), TreeRel(h), SrcRel("tarball-"+h), SrcRel("dir-"+h))
		case 40:
			out = append(out, SrcRel("git-"+h))
		}
	}
	return out, nil
}

// treeRefs names the entries a listing's files are read from.
func (s *Store) treeRefs(name string) ([]string, error) {
	f, err := os.Open(s.hostPath(name))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	t, err := fstree.Decode(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w; delete it (the tree is made again)", s.hostPath(name), err)
	}
	seen := map[string]bool{}
	var out []string
	for i := range t.Len() {
		if n := EntryOf(t.At(i).Src); n != "" && !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out, nil
}

// jsonRefs names the blobs a small JSON blob (an OCI manifest, index or configuration, an
// SBOM) names by digest; any other blob names nothing.
func (s *Store) jsonRefs(name string) ([]string, error) {
	f, err := os.Open(s.hostPath(name))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	defer f.Close()
	var first [1]byte
	if _, err := io.ReadFull(f, first[:]); err != nil || first[0] != '{' {
		return nil, nil
	}
	b, err := io.ReadAll(io.LimitReader(f, maxJSONBlob))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	var out []string
	for _, m := range digestRef.FindAllSubmatch(b, -1) {
		out = append(out, BlobRel(string(m[1])))
	}
	return out, nil
}
