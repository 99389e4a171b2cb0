package semver

import (
	"math"
	"strings"
)

// This file ports PHP's version_compare (ext/standard/versioning.c), which
// composer's constraints use to order normalized versions. It works on bytes
// with C-locale character classes, like the original.

// canonicalize is php_canonicalize_version: '-', '_' and '+' become '.', a
// '.' is inserted wherever digits and non-digits meet, other punctuation
// collapses into a single '.', and the first byte is copied as is.
func canonicalize(v string) string {
	v = cString(v)
	if v == "" || v[0] == '#' {
		// version_compare leaves a leading '#' string alone.
		return v
	}
	buf := make([]byte, 0, 2*len(v))
	buf = append(buf, v[0])
	prev := v[0]
	for i := 1; i < len(v); i++ {
		c := v[i]
		afterDot := buf[len(buf)-1] == '.'
		switch {
		case c == '-' || c == '_' || c == '+':
			if !afterDot {
				buf = append(buf, '.')
			}
		case (isNonDigit(prev) && isDigit(c)) || (isDigit(prev) && isNonDigit(c)):
			if !afterDot {
				buf = append(buf, '.')
			}
			buf = append(buf, c)
		case !isAlnum(c):
			if !afterDot {
				buf = append(buf, '.')
			}
		default:
			buf = append(buf, c)
		}
		prev = c
	}

	return string(buf)
}

// phpVersionCompare is version_compare($a, $b) without an operator.
func phpVersionCompare(a, b string) int {
	a, b = cString(a), cString(b)
	if a == "" || b == "" {
		return emptyCompare(a, b)
	}

	return compareCanonical(canonicalize(a), canonicalize(b))
}

// emptyCompare orders strings of which at least one is empty: an empty
// version is lower than any other.
func emptyCompare(a, b string) int {
	switch {
	case a == "" && b == "":
		return 0
	case a == "":
		return -1
	default:
		return 1
	}
}

// compareCanonical is the element-by-element loop of php_version_compare on
// two canonical strings: numbers compare numerically, words by their special
// form (dev < alpha = a < beta = b < RC = rc < number < pl = p, anything
// else lowest), and a number beats a word. When one side runs out, a
// following number makes the longer side greater, a following word is
// weighed against a number ("1.0-beta" < "1.0" < "1.0-patch").
func compareCanonical(v1, v2 string) int {
	p1, p2 := 0, 0
	more1, more2 := true, true // whether a '.' followed the last element
	cmp := 0
	for p1 < len(v1) && p2 < len(v2) && more1 && more2 {
		e1, n1 := element(v1, p1)
		e2, n2 := element(v2, p2)
		more1, more2 = n1 >= 0, n2 >= 0
		d1, d2 := isDigit(v1[p1]), isDigit(v2[p2])
		switch {
		case d1 && d2:
			cmp = sign(strtol(e1) - strtol(e2))
		case !d1 && !d2:
			cmp = compareSpecial(e1, e2)
		case d1:
			cmp = compareSpecial(numberForm, e2)
		default:
			cmp = compareSpecial(e1, numberForm)
		}
		if cmp != 0 {
			break
		}
		if more1 {
			p1 = n1 + 1
		}
		if more2 {
			p2 = n2 + 1
		}
	}
	if cmp != 0 {
		return cmp
	}
	switch {
	case more1:
		if p1 < len(v1) && isDigit(v1[p1]) {
			return 1
		}

		return phpVersionCompare(v1[p1:], numberForm)
	case more2:
		if p2 < len(v2) && isDigit(v2[p2]) {
			return -1
		}

		return phpVersionCompare(numberForm, v2[p2:])
	}

	return 0
}

// numberForm is how version_compare names a number when weighing it
// against a word.
const numberForm = "#N#"

// element returns the element of v starting at p and the index of the '.'
// that ends it, or -1 if it runs to the end.
func element(v string, p int) (string, int) {
	i := strings.IndexByte(v[p:], '.')
	if i < 0 {
		return v[p:], -1
	}

	return v[p : p+i], p + i
}

// specialForms is version_compare's table; a word takes the order of the
// first entry it starts with, and -1 if none.
var specialForms = []struct {
	prefix string
	order  int
}{
	{"dev", 0}, {"alpha", 1}, {"a", 1}, {"beta", 2}, {"b", 2},
	{"RC", 3}, {"rc", 3}, {"#", 4}, {"pl", 5}, {"p", 5},
}

func compareSpecial(f1, f2 string) int {
	return sign(int64(specialOrder(f1) - specialOrder(f2)))
}

func specialOrder(form string) int {
	for _, f := range specialForms {
		if strings.HasPrefix(form, f.prefix) {
			return f.order
		}
	}

	return -1
}

// strtol parses the leading decimal digits of s, saturating at the largest
// int64 as C's strtol does on overflow.
func strtol(s string) int64 {
	var n int64
	for i := 0; i < len(s) && isDigit(s[i]); i++ {
		d := int64(s[i] - '0')
		if n > (math.MaxInt64-d)/10 {
			return math.MaxInt64
		}
		n = n*10 + d
	}

	return n
}

func sign(n int64) int {
	switch {
	case n < 0:
		return -1
	case n > 0:
		return 1
	}

	return 0
}

// cString cuts s at its first NUL byte, where the C code stops reading.
func cString(s string) string {
	if i := strings.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}

	return s
}

func isDigit(c byte) bool    { return c >= '0' && c <= '9' }
func isNonDigit(c byte) bool { return !isDigit(c) && c != '.' }
func isAlnum(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}
