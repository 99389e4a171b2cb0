// Package patch applies git-style patches (a `git format-patch` file, a `git diff` or a
// plain unified diff) to a read-only source tree and returns the files they change, so
// that a source can be patched between unpacking and the tree without touching the
// unpacked copy. Several patches apply in order, each to the previous ones' output.
//
// go-gitdiff parses the patches and their format-patch headers; this package applies the
// text hunks itself, because go-gitdiff only applies a hunk at the exact line it names.
//
// The offset rule is dpkg-source's (GNU patch with -F 0): a hunk's old lines (its context
// and removed lines) must match the file exactly, with no fuzz, but not necessarily at the
// line the hunk names. The search starts at that line moved by the offset the file's
// previous hunk needed, then tries one line further, one line back, two lines further,
// and so on over the whole file, never before the end of the previous hunk. A hunk whose
// leading context is shorter than the file's widest context, and which names the first
// line, must match at the start of the file; one whose trailing context is shorter must
// match at its end: diff shortens context only at the ends of a file.
//
// The already-applied rule is git apply's: a patch that does not apply, but whose reverse
// applies cleanly to the same tree, is already in the tree (upstream contains it, so it
// can be dropped). It changes nothing and is reported as such. A patch that applies
// neither way fails, and Apply returns an *Error naming the patch, the file and the hunk.
//
// Paths are relative to the tree's root once the strip level's leading components are
// removed; a path that is absolute or holds "..", a symbolic link or submodule mode, a
// path that goes through a symbolic link in the tree, and a binary patch are refused.
package patch

import (
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
)

// DefaultStrip is the strip level callers use when a patch names none: -p1, which drops
// the a/ and b/ of git diffs.
const DefaultStrip = 1

// maxFileSize bounds the size of one file read from the tree: sources are text files.
const maxFileSize = 64 << 20

// Patch is one patch file to apply.
type Patch struct {
	Name  string // how reports and errors name it, such as "patches/0003-CVE-2026-34092.patch"
	Data  []byte
	Strip int // leading path components to remove, as patch -p does; see DefaultStrip
	// Dir is the directory of the tree the patch's paths are relative to once stripped
	// ("extensions/OATHAuth" for a patch made in that extension's repository); "" is the
	// root.
	Dir string
}

// Status is what became of one patch.
type Status int

const (
	Applied        Status = iota
	AlreadyApplied        // its reverse applies: the tree already contains it
	Failed
)

func (s Status) String() string {
	switch s {
	case Applied:
		return "applied"
	case AlreadyApplied:
		return "already applied"
	}
	return "failed"
}

// Result is what a series of patches did to a tree.
type Result struct {
	Files   []File   // every path the patches wrote, created or deleted, by path
	Reports []Report // one per patch, in order
}

// File is one path's state after every patch, relative to the tree given to Apply.
type File struct {
	Path        string
	Data        []byte      // the new content; nil when Deleted
	Mode        fs.FileMode // permission bits (0644, 0755); 0 when Deleted
	Created     bool        // absent from the tree
	Deleted     bool        // present in the tree, absent now
	RenamedFrom string      // set when a rename moved another path here
}

// Report is what one patch did, or would have done.
type Report struct {
	Name   string
	Status Status
	Header Header
	Files  []Change // in the order the patch lists them
}

// Header is what a format-patch file says about its commit; a plain diff leaves it empty
// apart from CVEs found in its preamble.
type Header struct {
	Subject string // without "[PATCH n/m]"
	Author  string // "Name <email>"
	Date    string // as RFC 3339, empty if absent
	CVEs    []string
}

// Op is what a patch does to one path.
type Op string

const (
	Modify Op = "modify"
	Create Op = "create"
	Delete Op = "delete"
	Rename Op = "rename"
	Copy   Op = "copy"
)

// Change is one file of a patch.
type Change struct {
	Path  string
	From  string // the source of a rename or copy
	Op    Op
	Mode  fs.FileMode // the new permission bits when the patch sets them
	Hunks []Hunk      // where each hunk applied; empty for an already applied patch
}

// Hunk says where one hunk applied.
type Hunk struct {
	Number int    // 1 for the file's first hunk
	Header string // its "@@ -l,s +l,s @@" line
	Line   int    // the line of the file, before this patch, where its old lines start
	Offset int    // Line minus the line the hunk names
}

func (h Hunk) String() string {
	if h.Offset == 0 {
		return fmt.Sprintf("hunk %d applied", h.Number)
	}
	return fmt.Sprintf("hunk %d applied at offset %+d lines", h.Number, h.Offset)
}

// Error is a patch that failed. Reports holds every patch's report up to it, its own
// last (Failed), so that a caller can print what happened before the failure.
type Error struct {
	Patch   string
	Path    string // the file, when the failure is about one
	Hunk    int    // the hunk's number in the file, when the failure is about one
	Header  string // the hunk's @@ line
	Err     error
	Reports []Report
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "patch %s", e.Patch)
	if e.Path != "" {
		fmt.Fprintf(&b, ": %s", e.Path)
	}
	if e.Hunk > 0 {
		fmt.Fprintf(&b, ": hunk %d (%s)", e.Hunk, strings.TrimSpace(e.Header))
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// Apply applies patches in order to tree, which it only reads. It returns the changed
// files, or an *Error at the first patch that neither applies nor is already applied.
func Apply(tree fs.FS, patches []Patch) (*Result, error) {
	st := &state{base: tree, files: map[string]*entry{}}
	res := &Result{}
	for i, p := range patches {
		if p.Name == "" {
			p.Name = fmt.Sprintf("#%d", i+1)
		}
		rep, next, err := applyOne(st, p)
		res.Reports = append(res.Reports, rep)
		if err != nil {
			err.Reports = res.Reports
			return nil, err
		}
		st = next
	}
	res.Files = st.result()
	return res, nil
}

// applyOne applies one patch to a copy of st, or finds it already applied.
func applyOne(st *state, p Patch) (Report, *state, *Error) {
	rep := Report{Name: p.Name, Status: Failed}
	parsed, err := parse(p)
	if err != nil {
		return rep, nil, &Error{Patch: p.Name, Err: err}
	}
	rep.Header = parsed.header
	fwd := st.clone()
	changes, ferr := applyFiles(fwd, parsed.files, false)
	if ferr == nil {
		rep.Status, rep.Files = Applied, changes
		return rep, fwd, nil
	}
	if _, rerr := applyFiles(st.clone(), parsed.files, true); rerr == nil {
		rep.Status = AlreadyApplied
		for _, f := range parsed.files {
			rep.Files = append(rep.Files, Change{Path: f.path, From: f.from, Op: f.op, Mode: f.newMode})
		}
		return rep, st, nil
	}
	ferr.Patch = p.Name
	return rep, nil, ferr
}

// state is the tree as the patches so far left it: the base tree under an overlay.
type state struct {
	base  fs.FS
	files map[string]*entry
}

type entry struct {
	data   []byte
	mode   fs.FileMode
	gone   bool
	inBase bool   // the path exists in the base tree
	from   string // the path a rename moved here
}

func (s *state) clone() *state { return &state{base: s.base, files: maps.Clone(s.files)} }

// result lists the overlay's paths, leaving out those created and then deleted again.
func (s *state) result() []File {
	var out []File
	for _, p := range slices.Sorted(maps.Keys(s.files)) {
		e := s.files[p]
		if e.gone && !e.inBase {
			continue
		}
		f := File{Path: p, Created: !e.inBase, Deleted: e.gone, RenamedFrom: e.from}
		if !e.gone {
			f.Data, f.Mode = e.data, e.mode
		}
		out = append(out, f)
	}
	return out
}
