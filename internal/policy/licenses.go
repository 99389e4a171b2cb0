package policy

import (
	"errors"
	"slices"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
)

// expr is a parsed SPDX licence expression: a leaf ("MIT", "GPL-2.0-or-later WITH
// Classpath-exception-2.0") or an AND or OR of expressions.
type expr struct {
	op   string // "", "AND" or "OR"
	leaf string
	kids []*expr
}

// parseExpr parses an expression spdxexp has validated. go-spdx's own tree is not exported
// and its Satisfies widens a licence to its range (GPL-2.0-or-later satisfies GPL-3.0-only),
// which is right for an allow list and wrong for a denied identifier joined by AND: the
// policy evaluates the operators itself and asks go-spdx about one leaf at a time.
func parseExpr(s string) (*expr, error) {
	p := &exprParser{toks: tokens(s)}
	e, err := p.or()
	if err == nil && p.i != len(p.toks) {
		err = errors.New("unexpected " + p.toks[p.i])
	}
	return e, err
}

func tokens(s string) []string {
	s = strings.NewReplacer("(", " ( ", ")", " ) ").Replace(s)
	return strings.Fields(s)
}

type exprParser struct {
	toks []string
	i    int
}

func (p *exprParser) peek(op string) bool {
	return p.i < len(p.toks) && strings.EqualFold(p.toks[p.i], op)
}

func (p *exprParser) or() (*expr, error) { return p.chain("OR", p.and) }

func (p *exprParser) and() (*expr, error) { return p.chain("AND", p.atom) }

func (p *exprParser) chain(op string, next func() (*expr, error)) (*expr, error) {
	first, err := next()
	if err != nil {
		return nil, err
	}
	e := &expr{op: op, kids: []*expr{first}}
	for p.peek(op) {
		p.i++
		k, err := next()
		if err != nil {
			return nil, err
		}
		e.kids = append(e.kids, k)
	}
	if len(e.kids) == 1 {
		return first, nil
	}
	return e, nil
}

func (p *exprParser) atom() (*expr, error) {
	if p.i >= len(p.toks) {
		return nil, errors.New("expression ends early")
	}
	if p.toks[p.i] == "(" {
		p.i++
		e, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.peek(")") {
			return nil, errors.New("missing )")
		}
		p.i++
		return e, nil
	}
	t := p.toks[p.i]
	if t == ")" || p.peek("AND") || p.peek("OR") || p.peek("WITH") {
		return nil, errors.New("unexpected " + t)
	}
	p.i++
	if p.peek("WITH") && p.i+1 < len(p.toks) {
		t += " WITH " + p.toks[p.i+1]
		p.i += 2
	}
	return &expr{leaf: t}, nil
}

// eval says whether the expression can be met when ok says which leaves are acceptable.
func (e *expr) eval(ok func(leaf string) bool) bool {
	switch e.op {
	case "AND":
		for _, k := range e.kids {
			if !k.eval(ok) {
				return false
			}
		}
		return true
	case "OR":
		return slices.ContainsFunc(e.kids, func(k *expr) bool { return k.eval(ok) })
	}
	return ok(e.leaf)
}

func (e *expr) leaves() []string {
	if e.op == "" {
		return []string{e.leaf}
	}
	var out []string
	for _, k := range e.kids {
		out = append(out, k.leaves()...)
	}
	return out
}

// canonical is how an identifier compares with a denied one: go-spdx's spelling in lower
// case, a trailing + as -or-later, and a deprecated bare GNU identifier (GPL-3.0) as the
// -only it stands for; an exception is kept, in lower case.
func canonical(id string) string {
	id, exception, with := strings.Cut(id, " WITH ")
	id = strings.TrimSpace(id)
	if ids, err := spdxexp.ExtractLicenses(id); err == nil && len(ids) == 1 {
		id = ids[0]
	}
	if base, ok := strings.CutSuffix(id, "+"); ok {
		id = base + "-or-later"
	}
	if ok, _ := spdxexp.ActiveLicense(id); !ok {
		if ok, only := spdxexp.ActiveLicense(id + "-only"); ok {
			id = only
		}
	}
	if with {
		id += " with " + strings.TrimSpace(exception)
	}
	return strings.ToLower(id)
}

// isDenied says whether a leaf is denied: as written, or its licence without the exception.
func isDenied(denied map[string]bool, leaf string) bool {
	base, _, _ := strings.Cut(leaf, " WITH ")
	return denied[canonical(leaf)] || denied[canonical(base)]
}

// licenceVerdict is what the licenses block says of one licence expression.
type licenceVerdict struct {
	unknown bool     // no licence, NOASSERTION, NONE, or not an SPDX expression
	denied  []string // the denied leaves, when denial alone leaves it unsatisfiable
	refused []string // the leaves the allow list does not accept, when it is unsatisfiable
}

func (l *Licenses) judge(license string) (licenceVerdict, bool) {
	s := strings.TrimSpace(license)
	if s == "" || strings.EqualFold(s, "NOASSERTION") || strings.EqualFold(s, "NONE") {
		return licenceVerdict{unknown: true}, false
	}
	if ok, _ := spdxexp.ValidateLicenses([]string{s}); !ok {
		return licenceVerdict{unknown: true}, false
	}
	e, err := parseExpr(s)
	if err != nil {
		return licenceVerdict{unknown: true}, false
	}
	denied := map[string]bool{}
	for _, d := range l.Deny {
		denied[canonical(d)] = true
	}
	notDenied := func(leaf string) bool { return !isDenied(denied, leaf) }
	if !e.eval(notDenied) {
		return licenceVerdict{denied: filter(e.leaves(), func(s string) bool { return !notDenied(s) })}, false
	}
	if l.Allow == nil {
		return licenceVerdict{}, true
	}
	allowed := func(leaf string) bool {
		ok, err := spdxexp.Satisfies(leaf, l.Allow)
		return err == nil && ok && notDenied(leaf)
	}
	if !e.eval(allowed) {
		return licenceVerdict{refused: filter(e.leaves(), func(s string) bool { return !allowed(s) })}, false
	}
	return licenceVerdict{}, true
}

// filter keeps the strings keep accepts, each once, in order.
func filter(ss []string, keep func(string) bool) []string {
	var out []string
	for _, s := range ss {
		if keep(s) && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
