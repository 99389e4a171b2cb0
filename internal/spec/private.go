package spec

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// PrivateTarget is a place `mwedition publish` may send embargoed work to: an apt or dnf
// repository's directory, or registry repositories under a prefix. Exactly one of
// Directory and Registry is set.
type PrivateTarget struct {
	Name string
	// Directory is as written: absolute, or relative to the project directory.
	Directory string
	// Registry is HOST[:PORT]/PATH: every repository at or below it is private.
	Registry      string
	LocationRange hcl.Range
	DeclRange     hcl.Range
}

// Location is the directory or the registry prefix, as written.
func (t PrivateTarget) Location() string {
	if t.Directory != "" {
		return t.Directory
	}
	return t.Registry
}

// PrivateTargetBlock documents private_target.
var PrivateTargetBlock = Block{
	Type: "private_target", Labels: []string{"name"},
	Doc: "A publishing target that may receive embargoed work: builds holding a patch with " +
		"`embargoed = true` are marked embargoed, and `mwedition publish` refuses them to every " +
		"apt or dnf repository directory and every registry repository that no `private_target` " +
		"declares. Declare the restricted places where a fix is built and tested before it is " +
		"public; nothing else changes how they are published. It holds exactly one of " +
		"`directory` and `registry`.",
	Attributes: []Attribute{
		{Name: "directory", Type: "string", Default: "unset; give exactly one of `directory` and `registry`",
			Doc: "An apt or dnf repository's directory, as `publish --apt DIR` or `--dnf DIR` names it: absolute, or " +
				"relative to the project directory. Only that directory matches, not the ones below it.",
			Example: `directory = "/srv/embargo/apt"`},
		{Name: "registry", Type: "string", Default: "unset; give exactly one of `directory` and `registry`",
			Doc: "A registry repository prefix, `HOST[:PORT]/PATH`: every repository at or below it matches, " +
				"on a `/` boundary (`registry.example.org/restricted` covers `registry.example.org/restricted/enterprise`, " +
				"not `registry.example.org/restricted-public/enterprise`).",
			Example: `registry = "registry.internal.example.org/restricted"`},
	},
	Example: `private_target "internal-apt" {
  directory = "/srv/embargo/apt"
}`,
}

// WithPrivateTargets returns s with the private targets, sorted by name.
func (s Set) WithPrivateTargets(ts []PrivateTarget) Set {
	s.private = append([]PrivateTarget(nil), ts...)
	sort.Slice(s.private, func(i, j int) bool { return s.private[i].Name < s.private[j].Name })
	return s
}

// PrivateTargets returns the declared private targets, sorted by name.
func (s Set) PrivateTargets() []PrivateTarget { return append([]PrivateTarget(nil), s.private...) }
