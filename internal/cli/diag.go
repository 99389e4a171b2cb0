package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/policy"
	"github.com/mwedition/mwedition/internal/resolve"
)

// writeDiagnostics prints each diagnostic as "file:line:col: severity: summary", its detail,
// and the source line with the range underlined, the way compilers do.
func writeDiagnostics(w io.Writer, files map[string]*hcl.File, diags hcl.Diagnostics) {
	for _, d := range diags {
		sev := "error"
		if d.Severity == hcl.DiagWarning {
			sev = "warning"
		}
		if d.Subject == nil {
			fmt.Fprintf(w, "%s: %s\n", sev, d.Summary)
		} else {
			s := d.Subject
			fmt.Fprintf(w, "%s:%d:%d: %s: %s\n", s.Filename, s.Start.Line, s.Start.Column, sev, d.Summary)
		}
		if d.Detail != "" {
			fmt.Fprintf(w, "  %s\n", strings.ReplaceAll(d.Detail, "\n", "\n  "))
		}
		if d.Subject != nil {
			if f, ok := files[d.Subject.Filename]; ok && f != nil {
				if line, ok := sourceLine(f.Bytes, d.Subject.Start.Line); ok {
					fmt.Fprintf(w, "  %4d | %s\n", d.Subject.Start.Line, line)
					start := d.Subject.Start.Column - 1
					end := d.Subject.End.Column - 1
					if d.Subject.End.Line != d.Subject.Start.Line || end <= start {
						end = len(line)
					}
					start, end = min(start, len(line)), min(end, len(line))
					fmt.Fprintf(w, "       | %s%s\n", strings.Repeat(" ", len([]rune(line[:start]))), strings.Repeat("^", max(1, len([]rune(line[start:end])))))
				}
			}
		}
	}
}

func sourceLine(src []byte, n int) (string, bool) {
	sc := bufio.NewScanner(bytes.NewReader(src))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for i := 1; sc.Scan(); i++ {
		if i == n {
			return strings.ReplaceAll(sc.Text(), "\t", " "), true
		}
	}
	return "", false
}

func jsonDiag(d *hcl.Diagnostic) map[string]any {
	m := map[string]any{"event": "diagnostic", "severity": "error", "summary": d.Summary, "detail": d.Detail}
	if d.Severity == hcl.DiagWarning {
		m["severity"] = "warning"
	}
	if s := d.Subject; s != nil {
		m["file"], m["line"], m["column"] = s.Filename, s.Start.Line, s.Start.Column
	}
	// A stale lock names the component whose recipe or source changed and every component
	// that leaves stale, so that CI need not parse the detail.
	if st, ok := d.Extra.(resolve.Stale); ok {
		m["component"], m["affected"] = st.Component, st.Affected
	}
	// A policy violation names its rule and what breaks it.
	if v, ok := d.Extra.(policy.Violation); ok {
		m["rule"], m["subject"] = v.Rule.Name, v.Subject
	}
	return m
}
