package patch

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// parsed is one patch file: its header and its files, with paths stripped and checked.
type parsed struct {
	header Header
	files  []fileDiff
}

// fileDiff is one file of a patch. For a rename or copy, from is the source and path the
// destination; otherwise both name the same path (from is empty).
type fileDiff struct {
	path, from       string
	op               Op
	oldMode, newMode fs.FileMode // permission bits, 0 when the patch does not say
	fragments        []*gitdiff.TextFragment
	isNew, isDelete  bool
	isRename, isCopy bool
}

// Git's mode word: the file type in the high bits, as in a tree object.
const (
	gitTypeMask    = 0o170000
	gitTypeRegular = 0o100000
)

var cvePattern = regexp.MustCompile(`CVE-\d{4}-\d{4,}`)

// gitLine finds a `diff --git` header: go-gitdiff has already dropped one leading path
// component from the names of such a diff, and none from a plain unified diff's.
var gitLine = regexp.MustCompile(`(?m)^diff --git `)

func parse(p Patch) (parsed, error) {
	if p.Strip < 0 {
		return parsed{}, fmt.Errorf("strip level %d is negative", p.Strip)
	}
	files, preamble, err := gitdiff.Parse(bytes.NewReader(p.Data))
	if err != nil {
		return parsed{}, fmt.Errorf("garbled patch: %s", strings.TrimPrefix(err.Error(), "gitdiff: "))
	}
	if len(files) == 0 {
		return parsed{}, errors.New("garbled patch: it holds no file changes (no `diff --git` or ---/+++/@@ lines)")
	}
	git := gitLine.Match(p.Data)
	out := parsed{header: parseHeader(preamble)}
	if p.Dir != "" && !fs.ValidPath(p.Dir) {
		return parsed{}, fmt.Errorf("directory %q is not a clean relative path", p.Dir)
	}
	for _, f := range files {
		d, err := fileOf(f, p.Strip, git)
		if err != nil {
			return parsed{}, err
		}
		if p.Dir != "" && p.Dir != "." {
			d.path = path.Join(p.Dir, d.path)
			if d.from != "" {
				d.from = path.Join(p.Dir, d.from)
			}
		}
		out.files = append(out.files, d)
	}
	return out, nil
}

func fileOf(f *gitdiff.File, strip int, git bool) (fileDiff, error) {
	name := f.NewName
	if f.IsDelete {
		name = f.OldName
	}
	if f.IsBinary {
		return fileDiff{}, fmt.Errorf("%s: binary patches are not supported: patch text files only", name)
	}
	for _, m := range []fs.FileMode{f.OldMode, f.NewMode} {
		if m != 0 && m&gitTypeMask != gitTypeRegular {
			return fileDiff{}, fmt.Errorf("%s: mode %06o is not a regular file's: symbolic links and submodules are refused", name, uint32(m))
		}
	}
	d := fileDiff{
		oldMode: f.OldMode & 0o777, newMode: f.NewMode & 0o777, fragments: f.TextFragments,
		isNew: f.IsNew, isDelete: f.IsDelete, isRename: f.IsRename, isCopy: f.IsCopy,
	}
	var err error
	if d.path, err = stripPath(name, strip, git); err != nil {
		return fileDiff{}, err
	}
	switch {
	case f.IsRename || f.IsCopy:
		d.op = Rename
		if f.IsCopy {
			d.op = Copy
		}
		if d.from, err = stripPath(f.OldName, strip, git); err != nil {
			return fileDiff{}, err
		}
	case f.IsNew:
		d.op = Create
	case f.IsDelete:
		d.op = Delete
	default:
		d.op = Modify
	}
	if d.op == Modify && d.newMode == d.oldMode {
		d.newMode = 0 // an unchanged mode is no change
	}
	return d, nil
}

// stripPath removes strip leading components from a patch's path and refuses one that
// would leave the tree.
func stripPath(raw string, strip int, git bool) (string, error) {
	if raw == "" || raw == "/dev/null" {
		return "", errors.New("a file change names no path")
	}
	if strings.HasPrefix(raw, "/") {
		return "", fmt.Errorf("path %q is absolute: a patch may only change files inside the tree", raw)
	}
	parts := strings.Split(raw, "/")
	if slices.Contains(parts, "..") || strings.ContainsRune(raw, 0) {
		return "", fmt.Errorf("path %q escapes the tree: a patch may only change files inside it", raw)
	}
	drop := strip
	if git {
		if strip == 0 {
			return "", fmt.Errorf("path %q: strip level 0 cannot apply to a git diff, whose paths start with a/ and b/ (use 1)", raw)
		}
		drop-- // go-gitdiff has dropped a/ or b/ already
	}
	if drop >= len(parts) {
		return "", fmt.Errorf("path %q has too few components for strip level %d", raw, strip)
	}
	p := strings.Join(parts[drop:], "/")
	if !fs.ValidPath(p) || p == "." {
		return "", fmt.Errorf("path %q is not a clean relative path after stripping %d components", raw, strip)
	}
	return p, nil
}

// parseHeader reads a format-patch header. It is only metadata, so a header go-gitdiff
// cannot read (a plain diff's DEP-3 fields, say) still gives the CVEs its text names.
func parseHeader(preamble string) Header {
	h, err := gitdiff.ParsePatchHeader(preamble, gitdiff.WithSubjectCleanMode(gitdiff.SubjectCleanPatchOnly))
	if err != nil || h == nil {
		text, _, _ := strings.Cut(preamble, "\n---\n")
		return Header{CVEs: cves(text)}
	}
	out := Header{Subject: h.Title, CVEs: cves(h.Title + "\n" + h.Body)}
	if h.Author != nil {
		out.Author = h.Author.String()
	}
	if !h.AuthorDate.IsZero() {
		out.Date = h.AuthorDate.Format(time.RFC3339)
	}
	return out
}

func cves(text string) []string {
	found := cvePattern.FindAllString(text, -1)
	slices.Sort(found)
	return slices.Compact(found)
}
