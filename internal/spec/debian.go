package spec

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
)

// DebianBase is a debian_base block: a Debian root, resolved by apt at lock time from the
// suites of its sources and pinned .deb by .deb in editions.lock, that image outputs name
// as `base = "debian:NAME"`.
type DebianBase struct {
	Name     string
	Sources  []DebianSource // in declaration order: apt prefers none over another
	Packages []string       // as written, duplicates reported
	// Keyring is the keyring the suites' InRelease files must be signed with: absolute, or
	// relative to the project (the loader makes a recipe-relative path so).
	Keyring   string
	DeclRange hcl.Range
}

// DebianSource is one archive of a base and the suites taken from it.
type DebianSource struct {
	URL    string // the archive's root, as in a sources.list line, without a trailing slash
	Suites []string
	Range  hcl.Range
}

// DebianBasePrefix is how an image output's base names a debian_base block.
const DebianBasePrefix = "debian:"

// DefaultDebianKeyring is the keyring a debian_base trusts when it names none: Debian's
// own, as the debian-archive-keyring package installs it.
const DefaultDebianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"

// DebianBaseName returns the debian_base block an output's base names, if it names one.
func DebianBaseName(base string) (string, bool) {
	return strings.CutPrefix(base, DebianBasePrefix)
}

// DebianSourceBlock documents the source block of a debian_base.
var DebianSourceBlock = Block{
	Type: "source", Labels: []string{"url"},
	Doc: "A Debian archive, by the URL of its root as a sources.list line gives it, and the suites " +
		"taken from it (component `main`, architecture `amd64`). Each suite's `InRelease` must be " +
		"signed by a key of the base's keyring.",
	Attributes: []Attribute{
		{Name: "suites", Type: "list(string)", Required: true,
			Doc: "The suites, by codename (`bookworm`, `bookworm-updates`, `bookworm-security`): a codename " +
				"names the same release for its whole life, where `stable` moves.",
			Example: `suites = ["bookworm", "bookworm-updates"]`},
	},
	Example: `source "http://deb.debian.org/debian" { suites = ["bookworm", "bookworm-updates"] }`,
}

// DebianBaseBlock documents debian_base.
var DebianBaseBlock = Block{
	Type: "debian_base", Labels: []string{"name"},
	Doc: "A Debian root for images, built from pinned packages: `mwedition lock` verifies each " +
		"suite's signed `InRelease` and its Packages index, lets apt resolve `packages` (plus the " +
		"Debian system requirements of every component of the editions whose image output uses " +
		"the base) as mmdebstrap would install them, downloads every .deb into the cache and pins " +
		"each by name, version and SHA-256 in `editions.lock`. An image output uses it with " +
		"`base = \"debian:NAME\"`. A changed block makes the lock stale.",
	Attributes: []Attribute{
		{Name: "packages", Type: "list(string)", Required: true,
			Doc:     "The packages to install besides Debian's essential ones, by name; apt adds what they depend on.",
			Example: `packages = ["apache2", "libapache2-mod-php", "php-cli"]`},
		{Name: "keyring", Type: "string", Default: "`" + DefaultDebianKeyring + "`",
			Doc: "The OpenPGP keyring the suites' `InRelease` files are verified with: absolute, or " +
				"relative to the recipe's directory (and inside the project).",
			Example: `keyring = "keys/debian-archive.gpg"`},
	},
	Blocks: []Block{DebianSourceBlock},
	Example: `debian_base "bookworm" {
  source "http://deb.debian.org/debian" { suites = ["bookworm", "bookworm-updates"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = ["apache2", "libapache2-mod-php", "php-cli"]
}`,
}

// WithDebianBases returns s with the Debian bases, sorted by name.
func (s Set) WithDebianBases(bs []DebianBase) Set {
	s.debian = append([]DebianBase(nil), bs...)
	sort.Slice(s.debian, func(i, j int) bool { return s.debian[i].Name < s.debian[j].Name })
	return s
}

// DebianBases returns the declared Debian bases, sorted by name.
func (s Set) DebianBases() []DebianBase { return append([]DebianBase(nil), s.debian...) }

// DebianBase looks a Debian base up by name.
func (s Set) DebianBase(name string) (DebianBase, bool) {
	for _, b := range s.debian {
		if b.Name == name {
			return b, true
		}
	}
	return DebianBase{}, false
}
