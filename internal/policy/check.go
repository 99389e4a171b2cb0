package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Check judges the facts against the policy at the facts' stage (see the package doc): every
// violation, warnings included, sorted by the rule's file and line, then by subject.
func (p *Policy) Check(f Facts) []Violation {
	var vs []Violation
	if p.Licenses != nil {
		vs = append(vs, p.Licenses.check(f.Packages)...)
	}
	if p.Signatures != nil && len(p.Signatures.Require) > 0 {
		vs = append(vs, p.Signatures.check(f)...)
	}
	if p.Embargo != nil {
		vs = append(vs, p.Embargo.check(f)...)
	}
	for _, e := range p.Editions {
		vs = append(vs, e.check(f.Editions)...)
	}
	if p.Images != nil {
		vs = append(vs, p.Images.check(f.Artifacts)...)
	}
	slices.SortFunc(vs, func(a, b Violation) int {
		return cmp.Or(
			strings.Compare(a.Rule.Range.Filename, b.Rule.Range.Filename),
			cmp.Compare(a.Rule.Range.Start.Line, b.Rule.Range.Start.Line),
			cmp.Compare(a.Rule.Range.Start.Column, b.Rule.Range.Start.Column),
			strings.Compare(a.Rule.Name, b.Rule.Name),
			strings.Compare(a.Subject, b.Subject),
			strings.Compare(a.Message, b.Message),
		)
	})
	return slices.Compact(vs)
}

// subject is how a violation names a package: its component ID, or a library's name@version.
func (pk Package) subject() string {
	if pk.Library {
		return pk.Name + "@" + pk.Version
	}
	return pk.ID
}

func (pk Package) describe() string {
	if pk.Library {
		return fmt.Sprintf("library %s (edition %s)", pk.subject(), pk.Edition)
	}
	return fmt.Sprintf("%s (edition %s)", pk.ID, pk.Edition)
}

func (l *Licenses) check(pkgs []Package) []Violation {
	var vs []Violation
	for _, pk := range pkgs {
		v, ok := l.judge(pk.License)
		switch {
		case ok:
		case v.unknown:
			if l.DenyUnknown {
				vs = append(vs, Violation{Rule: l.UnknownRule, Subject: pk.subject(),
					Message: fmt.Sprintf("%s has %s, and the policy refuses an unknown licence", pk.describe(), unknownLicence(pk.License))})
			}
		case len(v.denied) > 0:
			msg := fmt.Sprintf("%s is %s, which the policy denies", pk.describe(), pk.License)
			if len(v.denied) > 1 || !strings.EqualFold(v.denied[0], strings.TrimSpace(pk.License)) {
				msg = fmt.Sprintf("%s is %s, and the policy denies %s", pk.describe(), pk.License, strings.Join(v.denied, " and "))
			}
			vs = append(vs, Violation{Rule: l.DenyRule, Subject: pk.subject(), Message: msg})
		default:
			vs = append(vs, Violation{Rule: l.AllowRule, Subject: pk.subject(),
				Message: fmt.Sprintf("%s is %s, which the allow list does not satisfy (%s not allowed)", pk.describe(), pk.License, strings.Join(v.refused, ", "))})
		}
	}
	return vs
}

func unknownLicence(s string) string {
	switch t := strings.TrimSpace(s); {
	case t == "":
		return "no declared licence"
	case strings.EqualFold(t, "NOASSERTION") || strings.EqualFold(t, "NONE"):
		return "licence " + t
	default:
		return fmt.Sprintf("licence %q, which is not an SPDX expression", s)
	}
}

func (s *Signatures) check(f Facts) []Violation {
	var vs []Violation
	for _, a := range f.Artifacts {
		if a.Signed || !slices.Contains(s.Require, a.Kind+"s") {
			continue
		}
		v := Violation{Rule: s.Rule, Subject: a.Path, Warning: f.Stage == Build,
			Message: fmt.Sprintf("%s %s is not signed, and the policy requires signed %ss", a.Kind, a.Path, a.Kind)}
		if v.Warning {
			v.Message += ": publish will refuse it"
		}
		vs = append(vs, v)
	}
	return vs
}

func (e *Embargo) check(f Facts) []Violation {
	var vs []Violation
	for _, ed := range f.Editions {
		if len(ed.EmbargoedPatches) == 0 {
			continue
		}
		patches := strings.Join(ed.EmbargoedPatches, ", ")
		switch {
		case e.Allow == "never":
			vs = append(vs, Violation{Rule: e.Rule, Subject: ed.Name,
				Message: fmt.Sprintf("edition %s holds embargoed patches (%s), and the policy never lets one ship", ed.Name, patches)})
		case e.Allow == "private-targets" && f.Stage == Publish:
			for _, t := range f.Targets {
				if !t.Private {
					vs = append(vs, Violation{Rule: e.Rule, Subject: t.Name,
						Message: fmt.Sprintf("%s is not a private target, and edition %s sent there holds embargoed patches (%s)", t.Name, ed.Name, patches)})
				}
			}
		}
	}
	return vs
}

func (e EditionRules) check(editions []Edition) []Violation {
	i := slices.IndexFunc(editions, func(ed Edition) bool { return ed.Name == e.Name })
	if i < 0 {
		return []Violation{{Rule: e.Block, Subject: e.Name, Warning: true,
			Message: fmt.Sprintf("no edition %s here, so its rules were not checked", e.Name)}}
	}
	ed := editions[i]
	var vs []Violation
	for _, name := range e.Require {
		if !slices.ContainsFunc(ed.Components, func(id string) bool { return matches(name, id) }) {
			vs = append(vs, Violation{Rule: e.RequireRule, Subject: ed.Name,
				Message: fmt.Sprintf("edition %s lacks %s, which the policy requires", ed.Name, name)})
		}
	}
	for _, name := range e.Forbid {
		for _, id := range ed.Components {
			if matches(name, id) {
				vs = append(vs, Violation{Rule: e.ForbidRule, Subject: id,
					Message: fmt.Sprintf("edition %s holds %s, which the policy forbids", ed.Name, id)})
			}
		}
	}
	return vs
}

// matches says whether a require or forbid name names the component ID: the ID itself, or
// its name without the kind ("Lockdown" for extension/Lockdown, "vendor/name" for
// library/vendor/name).
func matches(name, id string) bool { return name == id || componentName(id) == name }

// componentName is a component ID without its kind; a name without a kind is itself.
func componentName(id string) string {
	_, name, ok := strings.Cut(id, "/")
	if !ok {
		return id
	}
	return name
}

func (im *Images) check(artifacts []Artifact) []Violation {
	var vs []Violation
	for _, a := range artifacts {
		if a.Kind == "image" && a.Size > im.MaxSize {
			vs = append(vs, Violation{Rule: im.Rule, Subject: a.Path,
				Message: fmt.Sprintf("image %s is %s, above the policy's %s", a.Path, formatSize(a.Size), formatSize(im.MaxSize))})
		}
	}
	return vs
}
