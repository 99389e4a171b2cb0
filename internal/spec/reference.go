package spec

import (
	"fmt"
	"strings"
)

// Reference renders docs/reference.md: every block and attribute of the manifests and of
// the policy, from the documented schema (RecipeFiles, EditionFiles, OutputFormats,
// LineFile and PolicyFile), so that the reference says what the loaders accept.
func Reference() []byte {
	var w strings.Builder
	w.WriteString(referenceIntro)
	files := []File{RecipeFiles, EditionFiles, LineFile, PolicyFile}
	w.WriteString("## Contents\n\n")
	for _, f := range files {
		fmt.Fprintf(&w, "- [`%s`](#%s)\n", f.Glob, fileAnchor(f))
		for _, b := range append(append([]Block(nil), f.Blocks...), nested(f)...) {
			fmt.Fprintf(&w, "  - [`%s`](#%s)\n", heading(b), f.AnchorPrefix+anchor(b))
		}
	}
	for _, f := range files {
		fmt.Fprintf(&w, "\n<a id=\"%s\"></a>\n\n## `%s`\n\n%s\n", fileAnchor(f), f.Glob, f.Doc)
		for _, b := range f.Blocks {
			block(&w, f.AnchorPrefix, b)
		}
		for _, b := range nested(f) {
			block(&w, f.AnchorPrefix, b)
		}
	}
	return []byte(w.String())
}

const referenceIntro = `<!-- Generated from internal/spec (schema.go, outputs.go, line.go, policy.go): do not edit. Regenerate with
     go test ./internal/spec -run TestReference -update   (or: mwedition reference > docs/reference.md) -->

# Manifest reference

A project is a directory holding ` + "`recipes/*.hcl`" + ` (where each component comes from),
` + "`editions/*.hcl`" + ` (what each edition holds and which outputs it gets) and
` + "`editions.lock`" + ` (the exact pins, written by ` + "`mwedition lock`" + `).
` + "`mwedition init --core VERSION`" + ` makes one for a MediaWiki release. A ` + "`policy.hcl`" + ` beside
them (below) holds a security team's rules, which build, publish and ` + "`verify --policy`" + ` check.

Manifests are written in [HCL](https://github.com/hashicorp/hcl/blob/main/hclsyntax/spec.md):
strings in double quotes, lists in ` + "`[ ]`" + `, objects as ` + "`{ key = value }`" + `, comments
after ` + "`#`" + `. Values are literals, except in a release line (` + "`line.hcl`" + `, below), whose
variables (` + "`line.branch`" + `) and HCL's standard functions every manifest of the line may use.
` + "`mwedition validate`" + ` reports every problem with its file, line and column.

`

func fileAnchor(f File) string {
	return strings.TrimSuffix(strings.SplitN(f.Glob, "/", 2)[0], "s") + "-files"
}

func anchor(b Block) string {
	if b.Label != "" {
		return b.Type + "-" + b.Label
	}
	return b.Type
}

func heading(b Block) string {
	if b.Label != "" {
		return fmt.Sprintf("%s %q", b.Type, b.Label)
	}
	labels := make([]string, len(b.Labels))
	for i, l := range b.Labels {
		labels[i] = `"` + strings.ToUpper(l) + `"`
	}
	return strings.TrimSpace(b.Type + " " + strings.Join(labels, " "))
}

// nested are the blocks the file's blocks may hold, each once, in the order first met.
func nested(f File) []Block {
	var out []Block
	seen := map[string]bool{}
	for _, b := range f.Blocks {
		for _, nb := range b.Blocks {
			if !seen[anchor(nb)] {
				seen[anchor(nb)] = true
				out = append(out, nb)
			}
		}
	}
	return out
}

func block(w *strings.Builder, prefix string, b Block) {
	fmt.Fprintf(w, "\n<a id=\"%s\"></a>\n\n### `%s`\n\n%s\n", prefix+anchor(b), heading(b), b.Doc)
	if len(b.Blocks) > 0 {
		links := make([]string, len(b.Blocks))
		for i, nb := range b.Blocks {
			links[i] = fmt.Sprintf("[`%s`](#%s)", heading(nb), prefix+anchor(nb))
		}
		fmt.Fprintf(w, "\nBlocks it holds: %s.\n", strings.Join(links, ", "))
	}
	fmt.Fprintf(w, "\n```hcl\n%s\n```\n", b.Example)
	if len(b.Attributes) == 0 {
		w.WriteString("\nNo attributes.\n")
		return
	}
	w.WriteString("\nAttributes:\n\n")
	for _, a := range b.Attributes {
		attribute(w, a)
	}
}

func attribute(w *strings.Builder, a Attribute) {
	need := "optional, default: " + a.Default
	if a.Required {
		need = "required"
	}
	fmt.Fprintf(w, "- **`%s`** (%s, %s). %s", a.Name, a.Type, need, a.Doc)
	if len(a.Values) > 0 {
		vals := make([]string, len(a.Values))
		for i, v := range a.Values {
			vals[i] = "`" + v + "`"
		}
		fmt.Fprintf(w, " Values: %s.", strings.Join(vals, ", "))
	}
	if strings.Contains(a.Example, "\n") {
		fmt.Fprintf(w, " Example:\n\n  ```hcl\n  %s\n  ```\n", strings.ReplaceAll(a.Example, "\n", "\n  "))
		return
	}
	fmt.Fprintf(w, " Example: `%s`\n", a.Example)
}
