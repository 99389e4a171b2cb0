package scaffold

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/load"
)

// Project is what `mwedition init` writes: one core recipe, the release's bundled
// extensions and skins as recipes, and one edition holding them all.
type Project struct {
	Core     string // the core recipe's name: "mediawiki"
	Release  Release
	Keyring  []byte // armored OpenPGP keys, written to KeyringPath
	Contents Contents
	Edition  string   // the edition's name
	Title    string   // the edition's title
	Formats  []string // output blocks, in spec.OutputFormats' order
}

// File is one file of a new project, by its slash-separated path below the project root.
type File struct {
	Path  string
	Bytes []byte
}

// KeyringPath is where a new project keeps the release keys; recipes/core.hcl names it
// relative to recipes/.
const KeyringPath = "recipes/keys/mediawiki-release.asc"

// EditionVersion is the first version of an edition built on a release: the release's own
// version and a fourth number the release manager raises for each rebuild with other members.
func EditionVersion(release string) string { return release + ".1" }

// Files renders the project's manifests, formatted as `hclwrite` formats HCL, and its keyring.
func (p Project) Files() []File {
	return []File{
		{"recipes/core.hcl", p.coreFile()},
		{"recipes/extensions.hcl", p.bundledFile("extension", p.Contents.Extensions)},
		{"recipes/skins.hcl", p.bundledFile("skin", p.Contents.Skins)},
		{KeyringPath, p.Keyring},
		{"editions/" + p.Edition + ".hcl", p.editionFile()},
	}
}

func (p Project) coreFile() []byte {
	f := hclwrite.NewEmptyFile()
	b := f.Body()
	comment(b, fmt.Sprintf(`MediaWiki core: the %s release tarball, verified by its sha256 and by the
release managers' detached OpenPGP signature, checked against keys/mediawiki-release.asc
(MediaWiki's release keys, from https://www.mediawiki.org/keys/keys.txt).

The %d extensions and %d skins the tarball bundles are components of their own
(extensions.hcl, skins.hcl); the core's tree leaves them out.`,
		p.Release.Version, len(p.Contents.Extensions), len(p.Contents.Skins)))
	core := b.AppendNewBlock("core", []string{p.Core}).Body()
	core.SetAttributeValue("version", cty.StringVal(p.Release.Version))
	core.AppendNewline()
	src := core.AppendNewBlock("source", []string{"tarball"}).Body()
	src.SetAttributeValue("url", cty.StringVal(p.Release.URL))
	src.SetAttributeValue("sha256", cty.StringVal(p.Release.SHA256))
	src.SetAttributeValue("signature", cty.StringVal(p.Release.Signature))
	src.SetAttributeValue("keyring", cty.StringVal(strings.TrimPrefix(KeyringPath, "recipes/")))
	return hclwrite.Format(f.Bytes())
}

func (p Project) bundledFile(kind string, list []Bundled) []byte {
	f := hclwrite.NewEmptyFile()
	b := f.Body()
	comment(b, fmt.Sprintf("The %ss bundled in the MediaWiki %s release tarball: each is a sub-tree of\nthe core's source, and a component (and package) of its own.", kind, p.Release.Version))
	spaced := false // a blank line already ends the previous block
	for _, c := range list {
		if len(c.Exclude) > 0 && !spaced {
			b.AppendNewline()
		}
		spaced = false
		if len(c.Exclude) > 0 {
			comment(b, wrap(fmt.Sprintf("%s ships %d prebuilt executables (ELF, Mach-O or PE) in %s. They would tie every package to one architecture, so they are left out: install the system's own build of the program instead.",
				c.Name, c.Executables, strings.Join(c.Exclude, ", "))))
		}
		body := b.AppendNewBlock(kind, []string{c.Name}).Body()
		oneLine(body, "source", "bundled", "path", cty.StringVal(kind+"s/"+c.Name))
		if len(c.Exclude) > 0 {
			body.SetAttributeValue("exclude", stringList(c.Exclude))
			b.AppendNewline()
			spaced = true
		}
	}
	return hclwrite.Format(f.Bytes())
}

func (p Project) editionFile() []byte {
	f := hclwrite.NewEmptyFile()
	b := f.Body()
	comment(b, fmt.Sprintf(`The MediaWiki %s release as upstream ships it: every extension and skin its tarball
bundles. Remove what this edition should not hold, add recipes of your own to recipes/ and
list them here, then run mwedition lock. mwedition's docs/reference.md describes every
block and attribute (mwedition reference prints it).`, p.Release.Version))
	e := b.AppendNewBlock("edition", []string{p.Edition}).Body()
	e.SetAttributeValue("title", cty.StringVal(p.Title))
	e.SetAttributeValue("version", cty.StringVal(EditionVersion(p.Release.Version)))
	e.AppendNewline()
	e.SetAttributeRaw("skins", nameList(names(p.Contents.Skins)))
	e.SetAttributeRaw("extensions", nameList(names(p.Contents.Extensions)))
	for _, s := range p.Contents.Skins {
		if s.Name == "Vector" { // MediaWiki's own default
			e.SetAttributeValue("default_skin", cty.StringVal("vector"))
		}
	}
	for _, format := range p.Formats {
		if format == p.Formats[0] {
			e.AppendNewline()
		}
		switch format {
		case "tarball":
			oneLine(e, "output", format, "compression", stringList([]string{"gz", "xz"}))
		case "image":
			oneLine(e, "output", format, "tags", stringList([]string{series(p.Release.Version), p.Release.Version}))
		default:
			oneLine(e, "output", format, "", cty.NilVal)
		}
	}
	return hclwrite.Format(f.Bytes())
}

// series is a release's branch: "1.39" for "1.39.17".
func series(version string) string {
	parts := strings.SplitN(version, ".", 3)
	if len(parts) < 2 {
		return version
	}
	return parts[0] + "." + parts[1]
}

func names(list []Bundled) []string {
	out := make([]string, len(list))
	for i, c := range list {
		out[i] = c.Name
	}
	return out
}

func stringList(list []string) cty.Value {
	vals := make([]cty.Value, len(list))
	for i, s := range list {
		vals[i] = cty.StringVal(s)
	}
	return cty.TupleVal(vals)
}

// nameList writes a long list of names over several lines of at most about 90 columns, as a
// person would, rather than on one line that a diff cannot show.
func nameList(list []string) hclwrite.Tokens {
	if len(list) <= 4 {
		return hclwrite.TokensForValue(stringList(list))
	}
	ts := hclwrite.Tokens{{Type: hclsyntax.TokenOBrack, Bytes: []byte("[")}, newline()}
	width := 0
	for _, n := range list {
		item := hclwrite.TokensForValue(cty.StringVal(n))
		if width > 0 && width+len(n)+4 > 86 {
			ts = append(ts, newline())
			width = 0
		}
		ts = append(ts, item...)
		ts = append(ts, &hclwrite.Token{Type: hclsyntax.TokenComma, Bytes: []byte(",")})
		width += len(n) + 4
	}
	return append(ts, newline(), &hclwrite.Token{Type: hclsyntax.TokenCBrack, Bytes: []byte("]")})
}

// oneLine appends a block of at most one attribute on one line, as people write
// `output "deb" {}` and `source "bundled" { path = "extensions/Cite" }`.
func oneLine(b *hclwrite.Body, typ, label, attr string, val cty.Value) {
	ts := hclwrite.TokensForIdentifier(typ)
	ts = append(ts, hclwrite.TokensForValue(cty.StringVal(label))...)
	ts = append(ts, &hclwrite.Token{Type: hclsyntax.TokenOBrace, Bytes: []byte("{")})
	if attr != "" {
		ts = append(ts, hclwrite.TokensForIdentifier(attr)...)
		ts = append(ts, &hclwrite.Token{Type: hclsyntax.TokenEqual, Bytes: []byte("=")})
		ts = append(ts, hclwrite.TokensForValue(val)...)
	}
	ts = append(ts, &hclwrite.Token{Type: hclsyntax.TokenCBrace, Bytes: []byte("}")}, newline())
	b.AppendUnstructuredTokens(ts)
}

// wrap breaks a comment's text into lines of at most about 88 columns.
func wrap(text string) string {
	var lines []string
	line := ""
	for _, w := range strings.Fields(text) {
		if line != "" && len(line)+1+len(w) > 86 {
			lines = append(lines, line)
			line = ""
		}
		line = strings.TrimPrefix(line+" "+w, " ")
	}
	return strings.Join(append(lines, line), "\n")
}

func newline() *hclwrite.Token {
	return &hclwrite.Token{Type: hclsyntax.TokenNewline, Bytes: []byte("\n")}
}

// comment appends "# " lines.
func comment(b *hclwrite.Body, text string) {
	var sb strings.Builder
	for _, l := range strings.Split(text, "\n") {
		sb.WriteString(strings.TrimRight("# "+l, " ") + "\n")
	}
	b.AppendUnstructuredTokens(hclwrite.Tokens{{Type: hclsyntax.TokenComment, Bytes: []byte(sb.String())}})
}

// Validate loads the rendered manifests as `mwedition validate` would, so that init never
// writes a project that does not load.
func (p Project) Validate() error {
	var srcs []load.Source
	for _, f := range p.Files() {
		if strings.HasSuffix(f.Path, ".hcl") {
			srcs = append(srcs, load.Source{Name: f.Path, Bytes: f.Bytes})
		}
	}
	_, _, diags := load.Sources(srcs, keyringFS{})
	if diags.HasErrors() {
		return fmt.Errorf("the new project does not load: %w", diags)
	}
	return nil
}

// keyringFS is the new project before it is written: it holds the keyring.
type keyringFS struct{}

func (keyringFS) Exists(name string) bool { return name == KeyringPath }
