package sbom

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNormalizeLicense(t *testing.T) {
	tests := []struct {
		in   string
		want License
	}{
		{"", License{}},
		{"  ", License{}},
		{"GPL-2.0-or-later", License{Expr: "GPL-2.0-or-later"}},
		{"GPL-2.0+", License{Expr: "GPL-2.0-or-later"}},
		{"GPL-2.0", License{Expr: "GPL-2.0-only"}},
		{"gpl-3.0", License{Expr: "GPL-3.0-only"}},
		{"LGPL-2.1+", License{Expr: "LGPL-2.1-or-later"}},
		{"AGPL-3.0", License{Expr: "AGPL-3.0-only"}},
		{"GFDL-1.3+", License{Expr: "GFDL-1.3-or-later"}},
		{"PHP License", License{Expr: "PHP-3.01"}},
		{"php license", License{Expr: "PHP-3.01"}},
		{"mit", License{Expr: "MIT"}},
		{"WTFPL", License{Expr: "WTFPL"}},
		{"Apache-2.0+", License{Expr: "Apache-2.0+"}},
		{"GPLv2+", License{Expr: "GPL-2.0-or-later"}},
		{"GPL-2.0-or-later AND MIT", License{Expr: "GPL-2.0-or-later AND MIT"}},
		{"GPL-2.0+ or MIT", License{Expr: "GPL-2.0-or-later OR MIT"}},
		{"MIT and (GPL-2.0 or BSD-3-Clause)", License{Expr: "MIT AND (GPL-2.0-only OR BSD-3-Clause)"}},
		{"(MIT OR Apache-2.0)", License{Expr: "MIT OR Apache-2.0"}},
		{"MIT OR GPL-2.0 AND BSD-2-Clause", License{Expr: "MIT OR GPL-2.0-only AND BSD-2-Clause"}},
		{"GPL-2.0-only WITH Classpath-exception-2.0", License{Expr: "GPL-2.0-only WITH Classpath-exception-2.0"}},
		{"GPL-2.0 with classpath-exception-2.0", License{Expr: "GPL-2.0-only WITH Classpath-exception-2.0"}},
		{"LicenseRef-Proprietary", License{Expr: "LicenseRef-Proprietary",
			Refs: []ExtractedLicense{{ID: "LicenseRef-Proprietary", Declared: "LicenseRef-Proprietary"}}}},
		{"Proprietary", License{Expr: "LicenseRef-Proprietary",
			Refs: []ExtractedLicense{{ID: "LicenseRef-Proprietary", Declared: "Proprietary"}}}},
		// Words that are no expression: one reference for the whole name.
		{"Some Custom License", License{Expr: "LicenseRef-Some-Custom-License-92faa37e",
			Refs: []ExtractedLicense{{ID: "LicenseRef-Some-Custom-License-92faa37e", Declared: "Some Custom License"}}}},
		{"MIT AND Foo_Bar", License{Expr: "MIT AND LicenseRef-Foo-Bar-61db3f22",
			Refs: []ExtractedLicense{{ID: "LicenseRef-Foo-Bar-61db3f22", Declared: "Foo_Bar"}}}},
		{"MIT AND", License{Expr: "LicenseRef-MIT-AND-f743c54c",
			Refs: []ExtractedLicense{{ID: "LicenseRef-MIT-AND-f743c54c", Declared: "MIT AND"}}}},
		{"MIT WITH Nonsense", License{Expr: "LicenseRef-MIT-WITH-Nonsense-a7ff0fe8",
			Refs: []ExtractedLicense{{ID: "LicenseRef-MIT-WITH-Nonsense-a7ff0fe8", Declared: "MIT WITH Nonsense"}}}},
		{"((", License{Expr: "LicenseRef-unknown-9f54817e",
			Refs: []ExtractedLicense{{ID: "LicenseRef-unknown-9f54817e", Declared: "(("}}}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, NormalizeLicense(tt.in)); diff != "" {
			t.Errorf("NormalizeLicense(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestNormalizeLicenses(t *testing.T) {
	tests := []struct {
		in   []string
		want string
	}{
		{nil, ""},
		{[]string{"MIT"}, "MIT"},
		{[]string{"GPL-2.0+", "MIT"}, "GPL-2.0-or-later OR MIT"},
		{[]string{"LGPL-2.1-only", "GPL-3.0-or-later"}, "LGPL-2.1-only OR GPL-3.0-or-later"},
		{[]string{"MIT AND BSD-2-Clause", "Apache-2.0"}, "(MIT AND BSD-2-Clause) OR Apache-2.0"},
		{[]string{"(MIT OR BSD-2-Clause)", "Apache-2.0"}, "(MIT OR BSD-2-Clause) OR Apache-2.0"},
		{[]string{"PHP License"}, "PHP-3.01"},
		{[]string{"", "MIT"}, "MIT"},
	}
	for _, tt := range tests {
		if got := NormalizeLicenses(tt.in).Expr; got != tt.want {
			t.Errorf("NormalizeLicenses(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
