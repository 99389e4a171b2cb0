package debarchive

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
)

// maxLine bounds one line of a control file. Real Packages lines stay below a few kilobytes
// (long Depends, Description paragraphs); the bound keeps a hostile index from growing the
// scanner's buffer without end.
const maxLine = 1 << 20

// stanza is one paragraph of a deb822 control file: field name, lower-cased because field
// names are case-insensitive, to value, the continuation lines of a multi-line value joined
// with "\n", each without its leading space.
type stanza struct {
	line   int // where the stanza starts, for error messages
	fields map[string]string
}

// field returns the value of name.
func (s stanza) field(name string) (string, bool) {
	v, ok := s.fields[strings.ToLower(name)]
	return v, ok
}

// readStanzas calls fn for each stanza of r in order. Comment lines ('#') are skipped, as
// deb822(5) allows; any other line that is neither a field, a continuation nor blank is an
// error naming the line.
func readStanzas(r io.Reader, fn func(stanza) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), maxLine)
	var cur *stanza
	var last string // field a continuation line belongs to
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case line == "":
			if cur != nil {
				if err := fn(*cur); err != nil {
					return err
				}
				cur = nil
			}
		case line[0] == '#':
		case line[0] == ' ' || line[0] == '\t':
			if cur == nil {
				return fmt.Errorf("line %d: continuation line outside a stanza", n)
			}
			cont := line[1:]
			if cont == "." { // an empty line inside a multi-line value
				cont = ""
			}
			cur.fields[last] += "\n" + cont
		default:
			name, value, ok := strings.Cut(line, ":")
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				return fmt.Errorf("line %d: %q is not a field (Name: value)", n, clip(line))
			}
			if cur == nil {
				cur = &stanza{line: n, fields: map[string]string{}}
			}
			if _, dup := cur.field(name); dup {
				return fmt.Errorf("line %d: field %s given twice in one stanza", n, name)
			}
			last = strings.ToLower(name)
			cur.fields[last] = strings.TrimLeft(value, " \t")
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return fmt.Errorf("line %d: longer than %d bytes", n+1, maxLine)
		}
		return fmt.Errorf("after line %d: %w", n, err)
	}
	if cur != nil {
		return fn(*cur)
	}
	return nil
}

// clip shortens s for an error message.
func clip(s string) string {
	const max = 120
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}

// isHexSHA256 reports whether s is a SHA-256 digest in lower-case hex, as Release and
// Packages write them.
func isHexSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	return bytes.IndexFunc([]byte(s), func(r rune) bool {
		return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f')
	}) < 0
}
