package policy

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// Diagnostics turns violations into diagnostics at the rules they break, so that they
// print, with the rule's line quoted, as every manifest problem does; each carries its
// Violation as Extra, for --json. Errors stay one per violation, every one listed;
// warnings of one rule (a local build's unsigned artifacts) become one diagnostic whose
// detail lists them, since they say one thing.
func Diagnostics(vs []Violation) hcl.Diagnostics {
	var diags hcl.Diagnostics
	warned := map[string]*hcl.Diagnostic{}
	more := map[string][]string{}
	for _, v := range vs {
		r := v.Rule.Range
		d := &hcl.Diagnostic{Severity: hcl.DiagError, Summary: v.Rule.Name + ": " + v.Message, Subject: &r, Extra: v}
		if v.Warning {
			d.Severity = hcl.DiagWarning
			if first, ok := warned[v.Rule.Name]; ok {
				more[v.Rule.Name] = append(more[v.Rule.Name], v.Message)
				first.Detail = fmt.Sprintf("and %d more:\n%s", len(more[v.Rule.Name]), strings.Join(more[v.Rule.Name], "\n"))
				continue
			}
			warned[v.Rule.Name] = d
		}
		diags = append(diags, d)
	}
	return diags
}
