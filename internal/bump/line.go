package bump

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/spec"
)

// lineVariable is the line variable an edition's version is written as (version =
// line.edition_version): a release line keeps every edition's version in line.hcl, so that
// is what a bump raises. ok is false for a literal version, or a project without a line.
func lineVariable(p load.Project, e spec.Edition) (string, bool) {
	if p.Line == nil {
		return "", false
	}
	f, ok := p.Files[e.VersionRange.Filename]
	if !ok {
		return "", false
	}
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return "", false
	}
	for _, b := range body.Blocks {
		if b.Type != "edition" || len(b.Labels) != 1 || b.Labels[0] != e.Name {
			continue
		}
		a, ok := b.Body.Attributes["version"]
		if !ok {
			return "", false
		}
		st, ok := a.Expr.(*hclsyntax.ScopeTraversalExpr)
		if !ok || len(st.Traversal) != 2 || st.Traversal.RootName() != "line" {
			return "", false
		}
		if at, ok := st.Traversal[1].(hcl.TraverseAttr); ok {
			return at.Name, true
		}
	}
	return "", false
}

// lineEdits are the edits of line.hcl a core bump makes besides the editions': every
// variable holding the old core release (release = "1.39.17", which image tags read)
// names the new one.
func lineEdits(p load.Project, prevCore, nextCore string) []Edit {
	if p.Line == nil || prevCore == "" {
		return nil
	}
	names := make([]string, 0, len(p.Line.Vars))
	for name := range p.Line.Vars {
		names = append(names, name)
	}
	sort.Strings(names)
	var edits []Edit
	for _, name := range names {
		if v := p.Line.Vars[name]; v.Type() == cty.String && v.IsKnown() && !v.IsNull() && v.AsString() == prevCore {
			edits = append(edits, Edit{Path: lineBlock(p), Attr: name, Value: nextCore})
		}
	}
	return edits
}

func lineBlock(p load.Project) []Block { return []Block{{"line", []string{p.Line.Name}}} }
