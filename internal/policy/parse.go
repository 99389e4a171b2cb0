package policy

import (
	"fmt"
	"slices"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/spec"
)

// item is one string of a list, with where it is written.
type item struct {
	Value string
	Range hcl.Range
}

// Parse decodes the bytes of a policy file named filename; nil and the reasons when it is
// not a valid policy. Unknown blocks and attributes, values outside their sets, licence
// identifiers SPDX does not know and bad sizes are diagnosed with their ranges.
func Parse(src []byte, filename string) (*Policy, hcl.Diagnostics) {
	f, diags := hclsyntax.ParseConfig(src, filename, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	content, d := f.Body.Content(spec.PolicyFile.Schema())
	diags = append(diags, d...)
	p := &Policy{}
	seen := map[string]hcl.Range{}
	for _, b := range content.Blocks {
		key := b.Type
		if b.Type == "edition" {
			key = fmt.Sprintf("edition %q", b.Labels[0])
		}
		if first, ok := seen[key]; ok {
			diags = append(diags, errorAt(b.DefRange, "Duplicate "+b.Type+" block",
				fmt.Sprintf("A policy holds at most one %s block; the first is at %s:%d.", key, first.Filename, first.Start.Line)))
			continue
		}
		seen[key] = b.DefRange
		diags = append(diags, p.block(b)...)
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return p, diags
}

func (p *Policy) block(b *hcl.Block) hcl.Diagnostics {
	switch b.Type {
	case "licenses":
		l, d := decodeLicenses(b)
		p.Licenses = l
		return d
	case "signatures":
		s, d := decodeSignatures(b)
		p.Signatures = s
		return d
	case "embargo":
		e, d := decodeEmbargo(b)
		p.Embargo = e
		return d
	case "edition":
		e, d := decodeEdition(b)
		if e != nil {
			p.Editions = append(p.Editions, *e)
		}
		return d
	case "images":
		i, d := decodeImages(b)
		p.Images = i
		return d
	}
	return nil
}

func rule(name string, a *hcl.Attribute) Rule { return Rule{Name: name, Range: a.Range} }

func decodeLicenses(b *hcl.Block) (*Licenses, hcl.Diagnostics) {
	content, diags := b.Body.Content(spec.PolicyLicensesBlock.Schema())
	l := &Licenses{}
	if a := content.Attributes["allow"]; a != nil {
		items, d := licenceList(a, "licenses.allow")
		diags = append(diags, d...)
		l.Allow, l.AllowRule = values(items), rule("licenses.allow", a)
		if len(items) == 0 && !d.HasErrors() {
			diags = append(diags, errorAt(a.Expr.Range(), "Empty allow list", "An empty licenses.allow would refuse every licence; leave the attribute out to accept every licence that is not denied."))
		}
	}
	if a := content.Attributes["deny"]; a != nil {
		items, d := licenceList(a, "licenses.deny")
		diags = append(diags, d...)
		l.Deny, l.DenyRule = values(items), rule("licenses.deny", a)
	}
	if a := content.Attributes["unknown"]; a != nil {
		v, d := oneOf(a, "licenses.unknown", []string{"allow", "deny"})
		diags = append(diags, d...)
		l.DenyUnknown, l.UnknownRule = v == "deny", rule("licenses.unknown", a)
	}
	return l, diags
}

// licenceList reads a list of licence identifiers, each one SPDX identifier or LicenseRef-,
// optionally WITH an exception: an expression of several belongs in several entries.
func licenceList(a *hcl.Attribute, name string) ([]item, hcl.Diagnostics) {
	items, diags := stringList(a, name)
	var out []item
	for _, it := range items {
		if ok, _ := spdxexp.ValidateLicensesWithOptions([]string{it.Value}, spdxexp.ValidateLicensesOptions{FailComplexExpressions: true}); !ok {
			detail := fmt.Sprintf("%q is not an SPDX licence identifier (https://spdx.org/licenses/) or a LicenseRef-.", it.Value)
			if ok, _ := spdxexp.ValidateLicenses([]string{it.Value}); ok {
				detail = fmt.Sprintf("Each entry of %s is one licence identifier; write the identifiers of %q as entries of their own.", name, it.Value)
			}
			diags = append(diags, errorAt(it.Range, "Invalid licence identifier", detail))
			continue
		}
		out = append(out, it)
	}
	return out, diags
}

func decodeSignatures(b *hcl.Block) (*Signatures, hcl.Diagnostics) {
	content, diags := b.Body.Content(spec.PolicySignaturesBlock.Schema())
	a := content.Attributes["require"]
	if a == nil {
		return nil, diags
	}
	items, d := stringList(a, "signatures.require")
	diags = append(diags, d...)
	s := &Signatures{Rule: rule("signatures.require", a)}
	for _, it := range items {
		if !slices.Contains(spec.SignatureKinds, it.Value) {
			diags = append(diags, errorAt(it.Range, "Unknown artifact kind", fmt.Sprintf("%q is not a kind of artifact signatures.require knows%s The kinds are %s.",
				it.Value, didYouMean(it.Value, spec.SignatureKinds), quoteList(spec.SignatureKinds))))
			continue
		}
		if !slices.Contains(s.Require, it.Value) {
			s.Require = append(s.Require, it.Value)
		}
	}
	return s, diags
}

func decodeEmbargo(b *hcl.Block) (*Embargo, hcl.Diagnostics) {
	content, diags := b.Body.Content(spec.PolicyEmbargoBlock.Schema())
	a := content.Attributes["allow"]
	if a == nil {
		return nil, diags
	}
	v, d := oneOf(a, "embargo.allow", spec.EmbargoModes)
	return &Embargo{Allow: v, Rule: rule("embargo.allow", a)}, append(diags, d...)
}

func decodeEdition(b *hcl.Block) (*EditionRules, hcl.Diagnostics) {
	content, diags := b.Body.Content(spec.PolicyEditionBlock.Schema())
	name := b.Labels[0]
	prefix := fmt.Sprintf("edition %q", name)
	e := &EditionRules{Name: name, Block: Rule{Name: prefix, Range: b.DefRange}}
	var require, forbid []item
	if a := content.Attributes["require"]; a != nil {
		items, d := stringList(a, prefix+".require")
		diags = append(diags, d...)
		require, e.Require, e.RequireRule = items, values(items), rule(prefix+".require", a)
	}
	if a := content.Attributes["forbid"]; a != nil {
		items, d := stringList(a, prefix+".forbid")
		diags = append(diags, d...)
		forbid, e.Forbid, e.ForbidRule = items, values(items), rule(prefix+".forbid", a)
	}
	for _, it := range append(slices.Clone(require), forbid...) {
		if strings.TrimSpace(it.Value) != it.Value || it.Value == "" || strings.HasSuffix(it.Value, "/") {
			diags = append(diags, errorAt(it.Range, "Invalid component name", fmt.Sprintf("%q is not a component: write a recipe name such as \"Lockdown\", or a component ID such as \"extension/Lockdown\".", it.Value)))
		}
	}
	for _, f := range forbid {
		for _, r := range require {
			if overlap(f.Value, r.Value) {
				diags = append(diags, errorAt(f.Range, "Required and forbidden", fmt.Sprintf("%s forbids %q, which its require names as %q (%s:%d).",
					prefix, f.Value, r.Value, r.Range.Filename, r.Range.Start.Line)))
			}
		}
	}
	return e, diags
}

// overlap says whether two names of a require or forbid can name the same component: equal,
// or one a component ID whose name is the other.
func overlap(a, b string) bool {
	return a == b || componentName(a) == b || componentName(b) == a
}

func decodeImages(b *hcl.Block) (*Images, hcl.Diagnostics) {
	content, diags := b.Body.Content(spec.PolicyImagesBlock.Schema())
	a := content.Attributes["max_size"]
	if a == nil {
		return nil, diags
	}
	s, d := str(a, "images.max_size")
	diags = append(diags, d...)
	if d.HasErrors() {
		return nil, diags
	}
	n, err := parseSize(s)
	if err != nil {
		return nil, append(diags, errorAt(a.Expr.Range(), "Invalid size", err.Error()))
	}
	return &Images{MaxSize: n, Rule: rule("images.max_size", a)}, diags
}

func values(items []item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Value)
	}
	return out
}

func errorAt(r hcl.Range, summary, detail string) *hcl.Diagnostic {
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: r.Ptr()}
}

// str evaluates a string attribute; a policy's values are literals.
func str(a *hcl.Attribute, name string) (string, hcl.Diagnostics) {
	v, diags := a.Expr.Value(nil)
	if diags.HasErrors() {
		return "", diags
	}
	if v.IsNull() || v.Type() != cty.String {
		return "", append(diags, errorAt(a.Expr.Range(), "Invalid value", fmt.Sprintf("%s is a string; found %s.", name, friendly(v))))
	}
	return v.AsString(), diags
}

func oneOf(a *hcl.Attribute, name string, allowed []string) (string, hcl.Diagnostics) {
	s, diags := str(a, name)
	if diags.HasErrors() {
		return "", diags
	}
	if !slices.Contains(allowed, s) {
		return "", append(diags, errorAt(a.Expr.Range(), "Invalid value", fmt.Sprintf("%s is one of %s; found %q%s", name, quoteList(allowed), s, didYouMean(s, allowed))))
	}
	return s, diags
}

// stringList reads a list literal of strings, keeping each element's range.
func stringList(a *hcl.Attribute, name string) ([]item, hcl.Diagnostics) {
	exprs, diags := hcl.ExprList(a.Expr)
	if diags.HasErrors() {
		return nil, hcl.Diagnostics{errorAt(a.Expr.Range(), "Invalid list", fmt.Sprintf("%s is a list of strings, such as [\"a\", \"b\"].", name))}
	}
	var out []item
	for _, e := range exprs {
		v, d := e.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if v.IsNull() || v.Type() != cty.String {
			diags = append(diags, errorAt(e.Range(), "Invalid list", fmt.Sprintf("%s is a list of strings; an element is %s.", name, friendly(v))))
			continue
		}
		out = append(out, item{Value: v.AsString(), Range: e.Range()})
	}
	return out, diags
}

func friendly(v cty.Value) string {
	if v.IsNull() {
		return "null"
	}
	return v.Type().FriendlyName()
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// didYouMean is ` Did you mean "x"?` for the closest of known within two edits, or ".".
func didYouMean(given string, known []string) string {
	best, dist := "", 3
	for _, k := range known {
		if d := editDistance(strings.ToLower(given), strings.ToLower(k)); d < dist {
			best, dist = k, d
		}
	}
	if best == "" {
		return "."
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
