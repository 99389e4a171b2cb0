package autoload

import (
	"bytes"
	"strings"
)

// Scan returns the fully qualified names of the classes, interfaces, traits
// and enums a PHP file declares, in the order they appear. It is a small
// lexer, not a parser: it skips inline HTML, comments, strings (single,
// double and backtick quoted, heredoc and nowdoc) and variables, follows
// `namespace` statements, and takes the name after a declaring keyword,
// leaving out `Foo::class`, `$o->class`, anonymous classes
// (`new class(...) {}`) and methods or constants named like a keyword. It
// stops at __halt_compiler(), after which a file holds raw data. Broken
// input (an unterminated string or comment) ends the scan; it never panics.
func Scan(src []byte) []string {
	s := scanner{src: src}
	s.run()

	return s.found
}

type scanner struct {
	src   []byte
	i     int
	ns    string
	found []string
	// prev is the last significant token: an identifier (lowercased for
	// keywords), or an operator such as "::", "->" or "$".
	prev string
}

func (s *scanner) run() {
	s.html()
	for s.i < len(s.src) {
		if !s.step() {
			return
		}
	}
}

// html skips inline HTML up to the next opening tag.
func (s *scanner) html() {
	j := bytes.Index(s.src[s.i:], []byte("<?"))
	if j < 0 {
		s.i = len(s.src)

		return
	}
	s.i += j + 2
	switch {
	case s.hasFoldPrefix("php"):
		s.i += 3
	case s.hasPrefix("="):
		s.i++
	}
}

// step consumes one token; false ends the scan.
func (s *scanner) step() bool {
	c := s.src[s.i]
	switch {
	case isSpace(c):
		s.i++
	case c == '?' && s.hasPrefix("?>"):
		s.i += 2
		s.prev = ";"
		s.html()
	case c == '#' && !s.hasPrefix("#["), c == '/' && s.hasPrefix("//"):
		s.lineComment()
	case c == '/' && s.hasPrefix("/*"):
		s.blockComment()
	case c == '\'':
		s.i++
		s.quoted('\'')
		s.prev = "'"
	case c == '"' || c == '`':
		s.i++
		s.interpolated(c)
		s.prev = "'"
	case c == '<' && s.hasPrefix("<<<"):
		s.heredoc()
		s.prev = "'"
	case c == '$':
		s.i++
		s.prev = "$"
		if s.i < len(s.src) && isNameStart(s.src[s.i]) {
			s.name() // a variable: $class is no declaration
			s.prev = "variable"
		}
	case isNameStart(c) || c == '\\':
		return s.word()
	case s.hasPrefix("::"), s.hasPrefix("->"):
		s.i += 2
		s.prev = "::"
	case s.hasPrefix("?->"):
		s.i += 3
		s.prev = "::"
	default:
		s.i++
		s.prev = string(c)
	}

	return true
}

// word handles an identifier or a qualified name; false ends the scan.
func (s *scanner) word() bool {
	word := s.name()
	lower := strings.ToLower(word)
	prev := s.prev
	s.prev = lower
	if prev == "::" || prev == "function" || prev == "const" || prev == "variable" {
		return true
	}
	switch lower {
	case "__halt_compiler":
		return false
	case "namespace":
		s.namespace()
	case "class":
		if prev != "new" {
			s.declaration(false)
		}
	case "interface", "trait":
		s.declaration(false)
	case "enum":
		s.declaration(true)
	}

	return true
}

// namespace reads what follows `namespace`: a name and `;` or `{`, or `{`
// alone for the global namespace. `namespace\foo()` (a relative name) is
// read as one word by name and never gets here.
func (s *scanner) namespace() {
	s.skipTrivia()
	if s.i >= len(s.src) {
		return
	}
	if s.src[s.i] == '{' {
		s.ns = ""

		return
	}
	if !isNameStart(s.src[s.i]) {
		return
	}
	ns := s.name()
	s.skipTrivia()
	if s.i < len(s.src) && (s.src[s.i] == ';' || s.src[s.i] == '{') && validNamespace(ns) {
		s.ns = ns
	}
	s.prev = "namespace-name"
}

// declaration reads the name after a declaring keyword. An enum also needs
// `{`, `:` or `implements` after its name: `enum` is no reserved word, so
// `enum Foo` alone may be something else.
func (s *scanner) declaration(enum bool) {
	s.skipTrivia()
	if s.i >= len(s.src) || !isNameStart(s.src[s.i]) {
		return // an anonymous class, `class(`, `class;` ...
	}
	start := s.i
	name := s.name()
	lower := strings.ToLower(name)
	if strings.Contains(name, "\\") || lower == "extends" || lower == "implements" {
		s.i = start // `new class extends Foo`: let the loop read it

		return
	}
	if enum {
		s.skipTrivia()
		ok := s.i < len(s.src) && (s.src[s.i] == '{' || s.src[s.i] == ':')
		if !ok && !s.hasFoldPrefix("implements") {
			s.i = start

			return
		}
	}
	s.prev = "declared"
	if s.ns != "" {
		name = s.ns + "\\" + name
	}
	s.found = append(s.found, name)
}

// name reads an identifier or a qualified name (letters, digits, _, bytes
// >= 0x80 and backslashes).
func (s *scanner) name() string {
	start := s.i
	for s.i < len(s.src) && (isNameByte(s.src[s.i]) || s.src[s.i] == '\\') {
		s.i++
	}

	return string(s.src[start:s.i])
}

// skipTrivia skips whitespace and comments.
func (s *scanner) skipTrivia() {
	for s.i < len(s.src) {
		switch {
		case isSpace(s.src[s.i]):
			s.i++
		case s.hasPrefix("//"), s.src[s.i] == '#' && !s.hasPrefix("#["):
			s.lineComment()
		case s.hasPrefix("/*"):
			s.blockComment()
		default:
			return
		}
	}
}

// lineComment skips to the end of the line or to a closing tag, which
// ends a line comment in PHP.
func (s *scanner) lineComment() {
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		if s.hasPrefix("?>") {
			return
		}
		s.i++
	}
}

func (s *scanner) blockComment() {
	j := bytes.Index(s.src[s.i+2:], []byte("*/"))
	if j < 0 {
		s.i = len(s.src)

		return
	}
	s.i += 2 + j + 2
}

// quoted skips a string without interpolation, up to the closing quote.
func (s *scanner) quoted(q byte) {
	for s.i < len(s.src) {
		switch s.src[s.i] {
		case '\\':
			s.i += 2
		case q:
			s.i++

			return
		default:
			s.i++
		}
	}
}

// interpolated skips a double-quoted or backtick string, including code in
// {$...} and ${...}, whose own strings may hold the quote.
func (s *scanner) interpolated(q byte) {
	for s.i < len(s.src) {
		switch {
		case s.src[s.i] == '\\':
			s.i += 2
		case s.src[s.i] == q:
			s.i++

			return
		case s.hasPrefix("{$"):
			s.skipBraces()
		case s.hasPrefix("${"):
			s.i++
			s.skipBraces()
		default:
			s.i++
		}
	}
}

// skipBraces skips from an opening brace to its match, through strings.
func (s *scanner) skipBraces() {
	depth := 0
	for s.i < len(s.src) {
		c := s.src[s.i]
		switch {
		case c == '{':
			depth++
			s.i++
		case c == '}':
			s.i++
			if depth--; depth == 0 {
				return
			}
		case c == '\'':
			s.i++
			s.quoted(c)
		case c == '"' || c == '`':
			s.i++
			s.interpolated(c)
		default:
			s.i++
		}
	}
}

// heredoc skips <<<ID ... ID (or <<<"ID", or nowdoc <<<'ID'). Since PHP
// 7.3 the closing identifier may be indented and followed by more code on
// its line; it must not be followed by a name byte.
func (s *scanner) heredoc() {
	s.i += 3
	for s.i < len(s.src) && (s.src[s.i] == ' ' || s.src[s.i] == '\t') {
		s.i++
	}
	quote := byte(0)
	if s.i < len(s.src) && (s.src[s.i] == '\'' || s.src[s.i] == '"') {
		quote = s.src[s.i]
		s.i++
	}
	id := s.identifier()
	if id == "" {
		return // `<<<` not followed by a label: not a heredoc
	}
	if quote != 0 && s.i < len(s.src) && s.src[s.i] == quote {
		s.i++
	}
	// The body starts on the next line.
	for s.i < len(s.src) && s.src[s.i] != '\n' {
		s.i++
	}
	for s.i < len(s.src) {
		s.i++ // past the newline
		j := s.i
		for j < len(s.src) && (s.src[j] == ' ' || s.src[j] == '\t') {
			j++
		}
		if bytes.HasPrefix(s.src[j:], []byte(id)) && (j+len(id) >= len(s.src) || !isNameByte(s.src[j+len(id)])) {
			s.i = j + len(id)

			return
		}
		for s.i < len(s.src) && s.src[s.i] != '\n' {
			s.i++
		}
	}
}

// identifier reads a plain identifier (no backslashes).
func (s *scanner) identifier() string {
	start := s.i
	if s.i < len(s.src) && isNameStart(s.src[s.i]) {
		for s.i < len(s.src) && isNameByte(s.src[s.i]) {
			s.i++
		}
	}

	return string(s.src[start:s.i])
}

func (s *scanner) hasPrefix(p string) bool { return bytes.HasPrefix(s.src[s.i:], []byte(p)) }

func (s *scanner) hasFoldPrefix(p string) bool {
	return len(s.src)-s.i >= len(p) && bytes.EqualFold(s.src[s.i:s.i+len(p)], []byte(p))
}

// validNamespace reports whether every part of a qualified name starts
// like a name: `namespace A\0;` is a parse error in PHP.
func validNamespace(ns string) bool {
	for _, part := range strings.Split(ns, "\\") {
		if part == "" || !isNameStart(part[0]) {
			return false
		}
	}

	return true
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isNameStart(c byte) bool {
	return c == '_' || c >= 0x80 || (c|0x20 >= 'a' && c|0x20 <= 'z')
}

func isNameByte(c byte) bool { return isNameStart(c) || (c >= '0' && c <= '9') }
