package load_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/spec"
)

// TestDebianBase checks what a debian_base block decodes to: URLs without a trailing
// slash, suites and packages as written, the keyring made relative to the project or
// Debian's own by default.
func TestDebianBase(t *testing.T) {
	core := `core "mediawiki" {
  version = "1.39.17"
  source "git" {
    url = "https://example.org/core.git"
    ref = "main"
  }
}
`
	tests := []struct {
		name, hcl string
		want      []spec.DebianBase
	}{
		{name: "default keyring", hcl: `debian_base "bookworm" {
  source "http://deb.debian.org/debian/" { suites = ["bookworm", "bookworm-updates"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = ["php-cli", "apache2"]
}`, want: []spec.DebianBase{{Name: "bookworm", Keyring: spec.DefaultDebianKeyring, Packages: []string{"php-cli", "apache2"},
			Sources: []spec.DebianSource{{URL: "http://deb.debian.org/debian", Suites: []string{"bookworm", "bookworm-updates"}},
				{URL: "http://deb.debian.org/debian-security", Suites: []string{"bookworm-security"}}}}}},
		{name: "keyring in the project", hcl: `debian_base "b" {
  source "file:///srv/mirror/debian" { suites = ["bookworm"] }
  packages = ["libc6"]
  keyring  = "keys/archive.gpg"
}`, want: []spec.DebianBase{{Name: "b", Keyring: "recipes/keys/archive.gpg", Packages: []string{"libc6"},
			Sources: []spec.DebianSource{{URL: "file:///srv/mirror/debian", Suites: []string{"bookworm"}}}}}},
		{name: "system keyring", hcl: `debian_base "b" {
  source "https://deb.debian.org/debian" { suites = ["bookworm"] }
  packages = ["libc6"]
  keyring  = "/usr/share/keyrings//debian-archive-bookworm-stable.gpg"
}`, want: []spec.DebianBase{{Name: "b", Keyring: "/usr/share/keyrings/debian-archive-bookworm-stable.gpg", Packages: []string{"libc6"},
			Sources: []spec.DebianSource{{URL: "https://deb.debian.org/debian", Suites: []string{"bookworm"}}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			set, _, diags := load.Sources([]load.Source{{Name: "recipes/r.hcl", Bytes: []byte(core + tc.hcl)}},
				mapFS{"recipes/keys/archive.gpg": true})
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			if diff := cmp.Diff(tc.want, set.DebianBases(), cmpopts.IgnoreTypes(hcl.Range{})); diff != "" {
				t.Errorf("bases (-want +got):\n%s", diff)
			}
		})
	}
}
