package load

import (
	"path"
	"regexp"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"

	"github.com/mwedition/mwedition/internal/spec"
)

var (
	patchSchema = spec.PatchBlock.Schema()
	cveID       = regexp.MustCompile(`^CVE-[0-9]{4}-[0-9]{4,}$`)
)

// patch reads one patch block of a source: its file, relative to the recipe's directory and
// inside the project, its pin and how it applies.
func (l *loader) patch(file string, b *hcl.Block) (spec.Patch, bool) {
	p := spec.Patch{Strip: 1, Range: b.DefRange}
	content, d := b.Body.Content(patchSchema)
	l.diags = append(l.diags, d...)
	ok := !d.HasErrors()
	rel, err := confine(path.Dir(file), b.Labels[0])
	switch {
	case err != nil:
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid patch path", "%s", err)
		ok = false
	case !l.fs.Exists(rel):
		l.errorf(b.LabelRanges[0].Ptr(), "Patch not found", "No file %s (patch paths are relative to %s).", rel, path.Dir(file))
		ok = false
	default:
		p.Path = rel
	}
	if a, found := content.Attributes["sha256"]; found && l.str(a.Expr, &p.SHA256) {
		p.SHA256 = strings.ToLower(p.SHA256)
		if !sha256Hex.MatchString(p.SHA256) {
			l.errorf(a.Expr.Range().Ptr(), "Invalid sha256", "%q is not a SHA-256 digest: expected 64 hexadecimal digits, as printed by sha256sum %s.", p.SHA256, rel)
			ok = false
		}
	}
	if a, found := content.Attributes["strip"]; found {
		d := gohcl.DecodeExpression(a.Expr, l.ctx, &p.Strip)
		l.diags = append(l.diags, d...)
		if !d.HasErrors() && (p.Strip < 0 || p.Strip > 16) {
			l.errorf(a.Expr.Range().Ptr(), "Invalid strip level", "strip = %d: give how many leading path components to remove, 0 to 16 (1 for git diffs).", p.Strip)
			ok = false
		}
	}
	if a, found := content.Attributes["cve"]; found {
		for _, r := range l.strList(a.Expr) {
			id := strings.ToUpper(r.Name)
			if !cveID.MatchString(id) {
				l.errorf(r.Range.Ptr(), "Invalid CVE identifier", "%q is not a CVE identifier such as \"CVE-2026-34092\".", r.Name)
				ok = false
				continue
			}
			p.CVEs = append(p.CVEs, id)
		}
	}
	if a, found := content.Attributes["embargoed"]; found {
		d := gohcl.DecodeExpression(a.Expr, l.ctx, &p.Embargoed)
		l.diags = append(l.diags, d...)
	}
	return p, ok
}
