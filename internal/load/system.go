package load

import (
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/spec"
)

var (
	systemSchema = spec.SystemBlock.Schema()
	// Fedora's packaging guidelines allow upper case (ImageMagick) and '_' besides.
	fedoraPackage = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_+.-]*$`)
)

// system reads a system block into the component's list, which it returns sorted by
// distribution; a repeated distribution is reported and dropped.
func (l *loader) system(c spec.Component, b *hcl.Block) []spec.System {
	out := c.Systems
	s := spec.System{Distro: b.Labels[0], Range: b.DefRange}
	if !contains(spec.SystemDistros, s.Distro) {
		l.errorf(b.LabelRanges[0].Ptr(), "Unknown distribution", "%q is not a distribution system packages are declared for; use %s.%s", s.Distro, quoteList(spec.SystemDistros), didYouMean(s.Distro, spec.SystemDistros))
		return out
	}
	if prev, dup := c.System(s.Distro); dup {
		l.errorf(b.DefRange.Ptr(), "Duplicate system block", "%s %q already declares its %s packages at %s.", c.Kind, c.Name, s.Distro, prev.Range)
		return out
	}
	content, d := b.Body.Content(systemSchema)
	l.diags = append(l.diags, d...)
	if a, ok := content.Attributes["depends"]; ok {
		s.Depends = l.requirements(s.Distro, a.Expr)
	}
	if a, ok := content.Attributes["recommends"]; ok {
		s.Recommends = l.requirements(s.Distro, a.Expr)
	}
	if a, ok := content.Attributes["settings"]; ok {
		s.Settings = l.settings(a.Expr)
	}
	out = append(out, s)
	sort.Slice(out, func(i, j int) bool { return out[i].Distro < out[j].Distro })
	return out
}

// requirements reads a list of requirements, each one or more package names separated by
// '|', and gives each back in a canonical spelling ("a | b").
func (l *loader) requirements(distro string, expr hcl.Expression) []string {
	valid := debianPackage
	if distro == spec.Fedora {
		valid = fedoraPackage
	}
	var out []string
	seen := map[string]bool{}
	for _, r := range l.strList(expr) {
		alts := spec.Alternatives(r.Name)
		ok := true
		for _, a := range alts {
			if !valid.MatchString(a) {
				l.errorf(r.Range.Ptr(), "Invalid package name", "%q is not a %s package name%s: write package names only (no versions), alternatives separated by '|', as in \"lua5.1 | php-luasandbox\".", a, strings.Title(distro), nameRule(distro)) //nolint:staticcheck // ASCII words only
				ok = false
				break
			}
		}
		req := strings.Join(alts, " | ")
		switch {
		case !ok:
		case seen[req]:
			l.errorf(r.Range.Ptr(), "Duplicate requirement", "%s is listed twice.", req)
		default:
			seen[req] = true
			out = append(out, req)
		}
	}
	return out
}

func nameRule(distro string) string {
	if distro == spec.Fedora {
		return " (letters, digits, '_', '+', '-' and '.')"
	}
	return " (lower-case letters, digits, '+', '-' and '.', at least two characters)"
}
