package spec

import (
	"path"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// LineFileName is the file at a project's root that makes the project one release line of
// MediaWiki (1.39, 1.43) and says which manifests it shares with the other lines.
const LineFileName = "line.hcl"

// Line is a project's line block: the release line it builds, the variables its manifests
// read as line.NAME, and the shared manifests it includes.
type Line struct {
	Name string
	// Vars are the block's attributes other than include, plus name: what line.<attr>
	// evaluates to in every manifest of the line.
	Vars    map[string]cty.Value
	Include []string // globs relative to the line's root, as written
	Range   hcl.Range
}

// Object is the line's variables as the value of `line` in manifest expressions.
func (l Line) Object() cty.Value {
	vars := map[string]cty.Value{"name": cty.StringVal(l.Name)}
	for k, v := range l.Vars {
		vars[k] = v
	}
	return cty.ObjectVal(vars)
}

// LineBlock documents the line block. Its body takes any attribute: each becomes a variable.
var LineBlock = Block{
	Type:   "line",
	Labels: []string{"name"},
	Doc: "Makes the project one release line of MediaWiki (the LTS 1.39, the LTS 1.43), so that " +
		"several lines are maintained from one description. Each line is a project directory of " +
		"its own: its own core and bundled components in `recipes/`, its own `editions.lock` and " +
		"`out/`, built with `mwedition -C DIR`. What the lines share (the editions, the Debian " +
		"bases, the git extensions' recipes) is written once and included. Every attribute other " +
		"than `include` becomes a variable that any manifest of the line reads as " +
		"`line.<attribute>` (and `line.name` is the label): an edition's `version = " +
		"line.edition_version`, a git source's `ref = line.branch`, an image's `tags = " +
		"[line.name, line.release]`. Manifests may also call HCL's standard functions " +
		"(`concat`, `contains`, `format`, `lower`, `merge`, ...) and use conditionals, such as " +
		"`concat([...], line.name == \"1.39\" ? [\"Renameuser\"] : [])`. An attribute named " +
		"`suite` is the default apt suite of `publish --apt`, which keeps the lines apart in one " +
		"repository.",
	Attributes: []Attribute{
		{Name: "include", Type: "list(string)", Default: "nothing shared", Doc: "Globs of manifests " +
			"shared with other lines, relative to this file's directory. Each match must sit in a " +
			"directory named `recipes` or `editions`, which says how it is read; paths inside an " +
			"included recipe may not leave this line's directory.",
			Example: `include = ["../../editions/*.hcl", "../../recipes/debian.hcl"]`},
		{Name: "<any other>", Type: "any", Default: "no such variable", Doc: "A variable of the line, " +
			"read as `line.<name>` in every manifest.", Example: `branch = "REL1_43"`},
	},
	Example: `line "1.43" {
  include         = ["../../editions/*.hcl", "../../recipes/debian.hcl", "../../recipes/git-extensions.hcl"]
  branch          = "REL1_43"
  release         = "1.43.9"
  edition_version = "1.43.9.1"
  suite           = "mediawiki-1.43"
}`,
}

// LineFile documents line.hcl.
var LineFile = File{
	Glob: LineFileName,
	Doc: "Optional: a project with a `line.hcl` is one release line of several kept in one " +
		"repository. It holds exactly one line block.",
	Blocks: []Block{LineBlock},
}

// Up is how many directories above the line's root its includes reach: 2 for
// "../../editions/*.hcl", the repository's root the lines share.
func (l Line) Up() int {
	up := 0
	for _, g := range l.Include {
		n := 0
		for rest := path.Clean(filepath.ToSlash(g)); strings.HasPrefix(rest, "../"); rest = rest[3:] {
			n++
		}
		up = max(up, n)
	}
	return up
}
