package sbom

import (
	"fmt"
	"sort"
	"strings"
)

// purl is a package URL (github.com/package-url/purl-spec): pkg:type/namespace/name@version?qualifiers#subpath.
type purl struct {
	typ, namespace, name, version string
	qualifiers                    map[string]string
	subpath                       string
}

func (p purl) String() string {
	var b strings.Builder
	b.WriteString("pkg:" + p.typ + "/")
	if p.namespace != "" {
		b.WriteString(escapeSegments(p.namespace) + "/")
	}
	b.WriteString(escape(p.name))
	if p.version != "" {
		b.WriteString("@" + escape(p.version))
	}
	keys := make([]string, 0, len(p.qualifiers))
	for k, v := range p.qualifiers {
		if v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for i, k := range keys {
		sep := "&"
		if i == 0 {
			sep = "?"
		}
		b.WriteString(sep + k + "=" + escape(p.qualifiers[k]))
	}
	if p.subpath != "" {
		b.WriteString("#" + escapeSegments(p.subpath))
	}
	return b.String()
}

func escapeSegments(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = escape(p)
	}
	return strings.Join(parts, "/")
}

// escape percent-encodes all but the characters purl never encodes.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || strings.IndexByte(".-_~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
