package patch

import (
	"errors"
	"fmt"
	"strings"

	"github.com/bluekeyes/go-gitdiff/gitdiff"
)

// hunk is a text fragment in the direction being applied.
type hunk struct {
	number      int
	header      string
	stated      int      // the 0-based line where old starts, as the fragment says
	old, new    []string // lines with their "\n", but for a last line without one
	lead, trail int      // context lines before and after the change
}

func hunkOf(n int, f *gitdiff.TextFragment, reverse bool) (hunk, error) {
	h := hunk{number: n, header: f.Header(), lead: int(f.LeadingContext), trail: int(f.TrailingContext)}
	pos, count := f.OldPosition, f.OldLines
	if reverse {
		pos, count = f.NewPosition, f.NewLines
	}
	h.stated = int(pos)
	if count > 0 {
		h.stated-- // an empty side names the line it follows
	}
	for _, l := range f.Lines {
		oldSide, newSide := l.Old(), l.New()
		if reverse {
			oldSide, newSide = newSide, oldSide
		}
		if oldSide {
			h.old = append(h.old, l.Line)
		}
		if newSide {
			h.new = append(h.new, l.Line)
		}
	}
	for _, side := range [][]string{h.old, h.new} {
		for _, l := range side[:max(len(side)-1, 0)] {
			if !strings.HasSuffix(l, "\n") {
				return h, errors.New("garbled hunk: a line other than its last has no newline")
			}
		}
	}
	return h, nil
}

// applyHunks applies a file's fragments in order, each at the nearest exact match of its
// old lines (the package comment's offset rule).
func applyHunks(src []byte, frags []*gitdiff.TextFragment, reverse bool) ([]byte, []Hunk, *Error) {
	lines := splitLines(string(src))
	context := 0
	for _, f := range frags {
		context = max(context, int(f.LeadingContext), int(f.TrailingContext))
	}
	var out []string
	var done []Hunk
	next, shift := 0, 0 // the first line not yet copied; the previous hunk's offset
	for i, f := range frags {
		h, err := hunkOf(i+1, f, reverse)
		if err != nil {
			return nil, nil, &Error{Hunk: i + 1, Header: h.header, Err: err}
		}
		atStart := h.lead < context && h.stated <= 0
		atEnd := h.trail < context || endsWithoutNewline(h.old) || endsWithoutNewline(h.new)
		at := locate(lines, h.old, h.stated+shift, next, atStart, atEnd)
		if at < 0 {
			return nil, nil, &Error{Hunk: h.number, Header: h.header, Err: mismatch(lines, h, next, atStart, atEnd)}
		}
		out = append(append(out, lines[next:at]...), h.new...)
		next, shift = at+len(h.old), at-h.stated
		done = append(done, Hunk{Number: h.number, Header: strings.TrimSpace(h.header), Line: at + 1, Offset: shift})
	}
	out = append(out, lines[next:]...)
	return []byte(strings.Join(out, "")), done, nil
}

// locate returns where old matches lines exactly, starting at guess and moving outwards,
// never before from; -1 if nowhere.
func locate(lines, old []string, guess, from int, atStart, atEnd bool) int {
	last := len(lines) - len(old)
	switch {
	case last < from:
		return -1
	case atStart:
		if from == 0 && matches(lines, old, 0) && (!atEnd || last == 0) {
			return 0
		}
		return -1
	case atEnd:
		if matches(lines, old, last) {
			return last
		}
		return -1
	}
	guess = max(min(guess, last), from)
	for d := 0; guess+d <= last || guess-d >= from; d++ {
		if guess+d <= last && matches(lines, old, guess+d) {
			return guess + d
		}
		if d > 0 && guess-d >= from && matches(lines, old, guess-d) {
			return guess - d
		}
	}
	return -1
}

func matches(lines, old []string, at int) bool {
	for i, l := range old {
		if lines[at+i] != l {
			return false
		}
	}
	return true
}

// mismatch says why a hunk found no place: the first line that differs where it was
// expected.
func mismatch(lines []string, h hunk, from int, atStart, atEnd bool) error {
	where := fmt.Sprintf("at line %d or at any offset", h.stated+1)
	switch {
	case atStart:
		where = "at the start of the file, where its short leading context puts it"
	case atEnd:
		where = "at the end of the file, where its short trailing context puts it"
	}
	at := max(h.stated, from, 0)
	if atEnd {
		at = max(len(lines)-len(h.old), from, 0)
	}
	for i, want := range h.old {
		n := at + i
		if n >= len(lines) {
			return fmt.Errorf("does not apply: the file ends at line %d, before the hunk's line %q (%s)", len(lines), clip(want), where)
		}
		if lines[n] != want {
			return fmt.Errorf("does not apply %s: line %d reads %q where the hunk expects %q", where, n+1, clip(lines[n]), clip(want))
		}
	}
	return fmt.Errorf("does not apply %s: it overlaps the previous hunk", where)
}

func clip(s string) string {
	if len(s) > 80 {
		return s[:77] + "..."
	}
	return s
}

func endsWithoutNewline(side []string) bool {
	return len(side) > 0 && !strings.HasSuffix(side[len(side)-1], "\n")
}

// splitLines splits s after each "\n"; the last line may lack one.
func splitLines(s string) []string {
	var lines []string
	for len(s) > 0 {
		i := strings.IndexByte(s, '\n') + 1
		if i == 0 {
			i = len(s)
		}
		lines = append(lines, s[:i])
		s = s[i:]
	}
	return lines
}
