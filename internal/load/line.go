package load

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/mwedition/mwedition/internal/spec"
)

var lineFileSchema = spec.LineFile.Schema()

// readLine reads root's line.hcl, if there is one, and the shared manifests it includes.
// The included files are named by their path relative to root ("../../editions/core.hcl"),
// so a diagnostic says which file of the shared description it is about.
// Edited bytes of line.hcl, when given, stand in for the file's.
func readLine(root string, parser *hclparse.Parser, edited []byte) (*spec.Line, []Source, hcl.Diagnostics) {
	b, err := edited, error(nil)
	if b == nil {
		b, err = os.ReadFile(filepath.Join(root, spec.LineFileName))
	}
	if os.IsNotExist(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read " + spec.LineFileName, Detail: err.Error()}}
	}
	line, diags := ParseLine(parser, b)
	if line == nil {
		return nil, nil, diags
	}
	srcs, d := includes(root, *line)
	return line, srcs, append(diags, d...)
}

// ParseLine decodes the bytes of a line.hcl; nil and the reasons when it is not a valid one.
func ParseLine(parser *hclparse.Parser, b []byte) (*spec.Line, hcl.Diagnostics) {
	f, diags := parser.ParseHCL(b, spec.LineFileName)
	if diags.HasErrors() {
		return nil, diags
	}
	line, d := decodeLine(f)
	return line, append(diags, d...)
}

// decodeLine decodes the one line block of a line.hcl. Its attributes are evaluated without
// variables: a line's variables are where the other manifests' values start.
func decodeLine(f *hcl.File) (*spec.Line, hcl.Diagnostics) {
	content, diags := f.Body.Content(lineFileSchema)
	if diags.HasErrors() {
		return nil, diags
	}
	if len(content.Blocks) != 1 {
		return nil, append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Expected one line block",
			Detail:  fmt.Sprintf("%s holds exactly one line \"NAME\" { ... } block; it holds %d.", spec.LineFileName, len(content.Blocks)),
			Subject: f.Body.MissingItemRange().Ptr()})
	}
	b := content.Blocks[0]
	attrs, d := b.Body.JustAttributes()
	diags = append(diags, d...)
	line := &spec.Line{Name: b.Labels[0], Vars: map[string]cty.Value{}, Range: b.DefRange}
	for name, a := range attrs {
		v, d := a.Expr.Value(nil)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		if name != "include" {
			line.Vars[name] = v
			continue
		}
		if !v.Type().IsTupleType() && !v.Type().IsListType() {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid include", Detail: "include is a list of globs, such as [\"../../editions/*.hcl\"].", Subject: a.Expr.Range().Ptr()})
			continue
		}
		for it := v.ElementIterator(); it.Next(); {
			_, g := it.Element()
			if g.Type() != cty.String || g.IsNull() {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Invalid include", Detail: "Every element of include is a glob string.", Subject: a.Expr.Range().Ptr()})
				continue
			}
			line.Include = append(line.Include, g.AsString())
		}
	}
	if diags.HasErrors() {
		return nil, diags
	}
	return line, diags
}

// includes reads the manifests line.Include names, in path order, each once.
func includes(root string, line spec.Line) ([]Source, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	seen := map[string]bool{}
	var names []string
	for _, g := range line.Include {
		matches, err := filepath.Glob(filepath.Join(root, filepath.FromSlash(g)))
		if err == nil && len(matches) == 0 {
			err = fmt.Errorf("no file matches")
		}
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot include " + g, Detail: fmt.Sprintf("line %q: %s.", line.Name, err), Subject: line.Range.Ptr()})
			continue
		}
		for _, m := range matches {
			rel, err := filepath.Rel(root, m)
			if err != nil {
				continue
			}
			rel = filepath.ToSlash(rel)
			if kind := path.Base(path.Dir(rel)); kind != "recipes" && kind != "editions" {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot include " + rel, Detail: "An included manifest sits in a directory named recipes or editions, which says how it is read.", Subject: line.Range.Ptr()})
				continue
			}
			if !seen[rel] {
				seen[rel] = true
				names = append(names, rel)
			}
		}
	}
	sort.Strings(names)
	srcs := make([]Source, 0, len(names))
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(n)))
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read manifest", Detail: err.Error()})
			continue
		}
		srcs = append(srcs, Source{Name: n, Bytes: b})
	}
	return srcs, diags
}

// evalContext is what a line's manifests evaluate against: the line's variables and HCL's
// standard functions. A project without a line has none, so its values stay literals.
func evalContext(line *spec.Line) *hcl.EvalContext {
	if line == nil {
		return nil
	}
	return &hcl.EvalContext{
		Variables: map[string]cty.Value{"line": line.Object()},
		Functions: functions,
	}
}

var functions = map[string]function.Function{
	"coalesce":    stdlib.CoalesceFunc,
	"concat":      stdlib.ConcatFunc,
	"contains":    stdlib.ContainsFunc,
	"distinct":    stdlib.DistinctFunc,
	"flatten":     stdlib.FlattenFunc,
	"format":      stdlib.FormatFunc,
	"join":        stdlib.JoinFunc,
	"length":      stdlib.LengthFunc,
	"lookup":      stdlib.LookupFunc,
	"lower":       stdlib.LowerFunc,
	"merge":       stdlib.MergeFunc,
	"replace":     stdlib.ReplaceFunc,
	"setsubtract": stdlib.SetSubtractFunc,
	"split":       stdlib.SplitFunc,
	"upper":       stdlib.UpperFunc,
}

// computedList evaluates a list of strings that is not written as a list literal.
func (l *loader) computedList(expr hcl.Expression) []spec.Ref {
	v, d := expr.Value(l.ctx)
	l.diags = append(l.diags, d...)
	if d.HasErrors() || !v.IsWhollyKnown() {
		return nil
	}
	ty := v.Type()
	if v.IsNull() || !(ty.IsListType() || ty.IsTupleType() || ty.IsSetType()) {
		l.errorf(expr.Range().Ptr(), "Invalid list", "Expected a list of strings, found %s.", ty.FriendlyName())
		return nil
	}
	written := literals(expr)
	var out []spec.Ref
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		if e.IsNull() || e.Type() != cty.String {
			l.errorf(expr.Range().Ptr(), "Invalid list", "Expected a list of strings; an element is %s.", e.Type().FriendlyName())
			continue
		}
		r := spec.Ref{Name: e.AsString(), Range: expr.Range()}
		if at, ok := written[r.Name]; ok {
			r.Range = at
		}
		out = append(out, r)
	}
	return out
}

// literals maps each string written literally inside expr to where it is first written, so
// that a name a computed list holds still points at its own line.
func literals(expr hcl.Expression) map[string]hcl.Range {
	out := map[string]hcl.Range{}
	se, ok := expr.(hclsyntax.Expression)
	if !ok {
		return out
	}
	hclsyntax.VisitAll(se, func(n hclsyntax.Node) hcl.Diagnostics {
		te, ok := n.(*hclsyntax.TemplateExpr)
		if !ok || !te.IsStringLiteral() {
			return nil
		}
		if v, d := te.Value(nil); !d.HasErrors() && v.Type() == cty.String && !v.IsNull() {
			if _, seen := out[v.AsString()]; !seen {
				out[v.AsString()] = te.Range()
			}
		}
		return nil
	})
	return out
}

// LineOf reads only root's line.hcl, not what it includes: nil when the project is not a
// release line.
func LineOf(root string) (*spec.Line, hcl.Diagnostics) {
	b, err := os.ReadFile(filepath.Join(root, spec.LineFileName))
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read " + spec.LineFileName, Detail: err.Error()}}
	}
	return ParseLine(hclparse.NewParser(), b)
}
