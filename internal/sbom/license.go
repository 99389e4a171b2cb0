package sbom

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp/spdxlicenses"
)

// LicenseListVersion is the version of the SPDX License List the normaliser knows.
func LicenseListVersion() string { return spdxlicenses.LicenseListVersion() }

// ExtractedLicense is a licence a component declares under a name that is not an SPDX
// identifier: its expression names it LicenseRef-..., and the document must say what that is.
type ExtractedLicense struct {
	ID       string // LicenseRef-...
	Declared string // the name as the component declares it
}

// License is a declared licence normalised to an SPDX license expression.
type License struct {
	Expr string // "" when nothing was declared
	Refs []ExtractedLicense
}

// aliases are whole declared names that are not SPDX expressions but have an obvious SPDX
// meaning, keyed in upper case. "PHP License" is what PEAR's packages declare, and PHP-3.01
// is the licence their files carry.
var aliases = map[string]string{
	"PHP LICENSE":                 "PHP-3.01",
	"PHP LICENSE 3.01":            "PHP-3.01",
	"PHP LICENSE 3.0":             "PHP-3.0",
	"MIT LICENSE":                 "MIT",
	"APACHE 2.0":                  "Apache-2.0",
	"APACHE-2":                    "Apache-2.0",
	"APACHE LICENSE 2.0":          "Apache-2.0",
	"APACHE LICENSE, VERSION 2.0": "Apache-2.0",
	"GPLV2":                       "GPL-2.0-only",
	"GPL V2":                      "GPL-2.0-only",
	"GPLV2+":                      "GPL-2.0-or-later",
	"GPL V2+":                     "GPL-2.0-or-later",
	"GPL-2+":                      "GPL-2.0-or-later",
	"GPLV3":                       "GPL-3.0-only",
	"GPLV3+":                      "GPL-3.0-or-later",
	"GPL-3+":                      "GPL-3.0-or-later",
	"GPL 2.0 OR LATER":            "GPL-2.0-or-later",
	"GNU GPL V2+":                 "GPL-2.0-or-later",
	"LGPLV2.1+":                   "LGPL-2.1-or-later",
	"BSD-3":                       "BSD-3-Clause",
	"BSD-2":                       "BSD-2-Clause",
}

// gnuOld matches the GNU licences' deprecated identifiers: GPL-2.0 (meaning "only") and
// GPL-2.0+ (meaning "or later"), which SPDX replaced with -only and -or-later.
var gnuOld = regexp.MustCompile(`(?i)^(AGPL|GPL|LGPL|GFDL)-([0-9]\.[0-9])(\+?)$`)

// NormalizeLicense turns a declared licence (extension.json's license-name, one entry of
// composer's license list) into an SPDX expression: deprecated GNU identifiers become
// their -only and -or-later forms, identifiers get their canonical case, "or" and "and"
// become operators, well-known names (PHP License) their identifiers, and anything else a
// LicenseRef- that Refs explains.
func NormalizeLicense(declared string) License {
	s := strings.TrimSpace(declared)
	if s == "" {
		return License{}
	}
	if id, ok := aliases[strings.ToUpper(s)]; ok {
		return License{Expr: id}
	}
	var l License
	if n, ok := parseExpr(s); ok {
		if l.Expr, ok = n.render(&l, true); ok {
			return l
		}
	}
	ref := licenseRef(s)
	return License{Expr: ref.ID, Refs: []ExtractedLicense{ref}}
}

// NormalizeLicenses is composer's license list: several entries are a choice between
// them (composer's documentation: "disjunctive"), so they are joined with OR.
func NormalizeLicenses(declared []string) License {
	var out License
	var terms []string
	for _, d := range declared {
		l := NormalizeLicense(d)
		if l.Expr == "" {
			continue
		}
		if len(declared) > 1 && strings.Contains(l.Expr, " ") && !wrapped(l.Expr) {
			l.Expr = "(" + l.Expr + ")"
		}
		terms = append(terms, l.Expr)
		out.Refs = append(out.Refs, l.Refs...)
	}
	out.Expr = strings.Join(terms, " OR ")
	return out
}

// wrapped says whether the whole expression is one parenthesised group.
func wrapped(e string) bool {
	if !strings.HasPrefix(e, "(") || !strings.HasSuffix(e, ")") {
		return false
	}
	depth := 0
	for i, r := range e {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(e)-1 {
				return false
			}
		}
	}
	return true
}

// licenseRef names a declared licence SPDX does not know. A name that is already a valid
// idstring is kept; one that is not is made into one, with a short hash of the original so
// that two names that clean up alike stay apart.
func licenseRef(declared string) ExtractedLicense {
	var b strings.Builder
	dash := false
	for _, r := range declared {
		if r < 0x80 && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.') {
			b.WriteRune(r)
			dash = false
		} else if !dash {
			b.WriteByte('-')
			dash = true
		}
	}
	id := strings.Trim(b.String(), "-")
	if id != declared {
		sum := sha256.Sum256([]byte(declared))
		if id == "" {
			id = "unknown"
		}
		id += "-" + hex.EncodeToString(sum[:4])
	}
	return ExtractedLicense{ID: "LicenseRef-" + id, Declared: declared}
}

// node is a parsed license expression.
type node struct {
	op        string  // "AND", "OR", or "" for a licence
	kids      []*node // operands of op
	id        string  // a licence's identifier, as declared
	exception string  // after WITH, as declared
	paren     bool    // written in parentheses
}

// parseExpr parses s with SPDX's grammar (operators in any case). It fails on anything
// else, such as a name of several words.
func parseExpr(s string) (*node, bool) {
	toks := strings.Fields(strings.NewReplacer("(", " ( ", ")", " ) ").Replace(s))
	p := &parser{toks: toks}
	n, ok := p.or()
	return n, ok && p.i == len(toks)
}

type parser struct {
	toks []string
	i    int
}

func (p *parser) peek() string {
	if p.i < len(p.toks) {
		return p.toks[p.i]
	}
	return ""
}

func (p *parser) or() (*node, bool) { return p.binary("OR", p.and) }

func (p *parser) and() (*node, bool) { return p.binary("AND", p.with) }

func (p *parser) binary(op string, next func() (*node, bool)) (*node, bool) {
	n, ok := next()
	if !ok {
		return nil, false
	}
	kids := []*node{n}
	for strings.EqualFold(p.peek(), op) {
		p.i++
		k, ok := next()
		if !ok {
			return nil, false
		}
		kids = append(kids, k)
	}
	if len(kids) == 1 {
		return n, true
	}
	return &node{op: op, kids: kids}, true
}

func (p *parser) with() (*node, bool) {
	n, ok := p.primary()
	if !ok {
		return nil, false
	}
	if strings.EqualFold(p.peek(), "WITH") {
		p.i++
		e := p.peek()
		if n.op != "" || n.paren || isOperator(e) || e == "" || e == "(" || e == ")" {
			return nil, false
		}
		p.i++
		n.exception = e
	}
	return n, true
}

func (p *parser) primary() (*node, bool) {
	t := p.peek()
	switch {
	case t == "(":
		p.i++
		n, ok := p.or()
		if !ok || p.peek() != ")" {
			return nil, false
		}
		p.i++
		n.paren = true
		return n, true
	case t == "" || t == ")" || isOperator(t):
		return nil, false
	}
	p.i++
	return &node{id: t}, true
}

func isOperator(t string) bool {
	return strings.EqualFold(t, "AND") || strings.EqualFold(t, "OR") || strings.EqualFold(t, "WITH")
}

// render writes the expression with normalised identifiers, adding the LicenseRefs it
// makes to l. Parentheses are kept where they were and added where precedence needs them.
func (n *node) render(l *License, top bool) (string, bool) {
	if n.op == "" {
		id, refs := normalizeID(n.id)
		l.Refs = append(l.Refs, refs...)
		if n.exception == "" {
			return id, true
		}
		ok, exc := spdxlicenses.IsException(n.exception)
		if !ok || strings.HasPrefix(id, "LicenseRef-") {
			return "", false
		}
		return id + " WITH " + exc, true
	}
	parts := make([]string, 0, len(n.kids))
	for _, k := range n.kids {
		s, ok := k.render(l, false)
		if !ok {
			return "", false
		}
		if k.op != "" && (k.paren || n.op == "AND") {
			s = "(" + s + ")"
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " "+n.op+" "), true
}

// normalizeID maps one identifier of an expression.
func normalizeID(id string) (string, []ExtractedLicense) {
	if m := gnuOld.FindStringSubmatch(id); m != nil {
		suffix := "-only"
		if m[3] == "+" {
			suffix = "-or-later"
		}
		if ok, canon := spdxlicenses.IsActiveLicense(m[1] + "-" + m[2] + suffix); ok {
			return canon, nil
		}
	}
	if ok, canon := spdxlicenses.IsActiveLicense(id); ok {
		return canon, nil
	}
	// "+" is SPDX's own "or any later version" operator on any other identifier.
	if base, plus := strings.CutSuffix(id, "+"); plus {
		if ok, canon := spdxlicenses.IsActiveLicense(base); ok {
			return canon + "+", nil
		}
	}
	if ok, canon := spdxlicenses.IsDeprecatedLicense(id); ok {
		return canon, nil
	}
	if refRE.MatchString(id) {
		return id, []ExtractedLicense{{ID: id, Declared: id}}
	}
	ref := licenseRef(id)
	return ref.ID, []ExtractedLicense{ref}
}

var refRE = regexp.MustCompile(`^LicenseRef-[A-Za-z0-9.-]+$`)

// mergeRefs sorts and deduplicates extracted licences by ID.
func mergeRefs(refs []ExtractedLicense) []ExtractedLicense {
	sort.SliceStable(refs, func(i, j int) bool { return refs[i].ID < refs[j].ID })
	var out []ExtractedLicense
	for _, r := range refs {
		if len(out) > 0 && out[len(out)-1].ID == r.ID {
			continue
		}
		out = append(out, r)
	}
	return out
}

// describe is what the document says about a licence it only knows by name.
func (e ExtractedLicense) describe() string {
	return fmt.Sprintf("The licence declared as %q: not an SPDX License List identifier, and its text is not part of this document.", e.Declared)
}
