package resolve

import (
	"fmt"
	"strings"

	"github.com/mwedition/mwedition/internal/spec"
)

// Heir is one edition as `mwedition graph --editions` shows it: what it starts from and
// what its own manifest adds and removes, beside what it holds once resolved.
type Heir struct {
	Edition  Edition
	Inherits string   // "" for an edition that starts from its core alone
	Core     string   // the core component's ID and version, e.g. "core/mediawiki 1.39.17"
	Adds     []string // its own extensions, then its own skins ("skin Vector"), as written
	Removes  []string // its remove list, as written
	Formats  []string // its output blocks' formats, sorted
	Required int      // members no manifest lists, pulled in by another's requirements
}

// Inheritance pairs each resolved edition with its manifest, in the order of g.Editions.
func Inheritance(set spec.Set, g Graph) []Heir {
	out := make([]Heir, 0, len(g.Editions))
	for _, e := range g.Editions {
		h := Heir{Edition: e, Core: e.Core}
		if c, ok := g.Component(e.Core); ok {
			h.Core += " " + c.Version
		}
		if se, ok := set.Edition(e.Name); ok {
			if se.Inherits != nil {
				h.Inherits = se.Inherits.Name
			}
			for _, r := range se.Extensions {
				h.Adds = append(h.Adds, r.Name)
			}
			for _, r := range se.Skins {
				h.Adds = append(h.Adds, "skin "+r.Name)
			}
			for _, r := range se.Remove {
				h.Removes = append(h.Removes, r.Name)
			}
		}
		for _, o := range e.Outputs {
			h.Formats = append(h.Formats, o.Format)
		}
		for _, m := range e.Members {
			if strings.HasPrefix(m.Reason, "required by ") {
				h.Required++
			}
		}
		out = append(out, h)
	}
	return out
}

// InheritanceDOT draws the editions in Graphviz syntax: one box per edition (version,
// outputs, how many extensions and skins it holds), an arrow from each edition to those
// that inherit it labelled with what the heir adds and removes, and an arrow from the core
// release to each edition that starts from it alone. The same manifests and lock give the
// same text, so a committed picture can be checked against it.
func InheritanceDOT(heirs []Heir) string {
	var b strings.Builder
	b.WriteString("digraph editions {\n\trankdir=TB;\n\tnodesep=0.6;\n")
	b.WriteString("\tnode [shape=box, style=\"rounded,filled\", fillcolor=\"#eef3fb\", fontname=\"Helvetica\", fontsize=11];\n")
	b.WriteString("\tedge [fontname=\"Helvetica\", fontsize=10];\n")
	cores := map[string]bool{}
	for _, h := range heirs {
		if h.Inherits == "" && !cores[h.Core] {
			cores[h.Core] = true
			fmt.Fprintf(&b, "\t\"%s\" [shape=cylinder, fillcolor=\"#fdf3e1\", label=\"%s\"];\n", dotEscape(h.Core), dotEscape(h.Core))
		}
	}
	for _, h := range heirs {
		e := h.Edition
		label := fmt.Sprintf("%s %s\n%s\n%s, %s", e.Name, e.Version, e.Title, count(len(e.Extensions), "extension"), count(len(e.Skins), "skin"))
		if h.Required > 0 {
			label += fmt.Sprintf(" (%d required by another)", h.Required)
		}
		if len(h.Formats) > 0 {
			label += "\n" + strings.Join(h.Formats, ", ")
		}
		fmt.Fprintf(&b, "\t\"edition %s\" [label=\"%s\"];\n", dotEscape(e.Name), dotEscape(label))
	}
	for _, h := range heirs {
		from := h.Core
		if h.Inherits != "" {
			from = "edition " + h.Inherits
		}
		fmt.Fprintf(&b, "\t\"%s\" -> \"edition %s\" [label=\"%s\"];\n", dotEscape(from), dotEscape(h.Edition.Name), dotEscape(heirChanges(h)))
	}
	b.WriteString("}\n")
	return b.String()
}

// heirChanges is an arrow's label: a few names are listed, three to a line; many are counted.
func heirChanges(h Heir) string {
	var parts []string
	if len(h.Adds) > 0 {
		parts = append(parts, "adds "+names(h.Adds))
	}
	if len(h.Removes) > 0 {
		parts = append(parts, "removes "+names(h.Removes))
	}
	if len(parts) == 0 && h.Inherits != "" {
		return "inherits"
	}
	return strings.Join(parts, "\n")
}

func names(ns []string) string {
	if len(ns) > 6 {
		skins := 0
		for _, n := range ns {
			if strings.HasPrefix(n, "skin ") {
				skins++
			}
		}
		return count(len(ns)-skins, "extension") + ", " + count(skins, "skin")
	}
	var lines []string
	for i := 0; i < len(ns); i += 3 {
		lines = append(lines, strings.Join(ns[i:min(i+3, len(ns))], ", "))
	}
	return strings.Join(lines, ",\n")
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

var dotReplacer = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

// dotEscape makes s safe inside a double-quoted DOT string.
func dotEscape(s string) string { return dotReplacer.Replace(s) }
