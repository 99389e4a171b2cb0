package bump

import (
	"fmt"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/zclconf/go-cty/cty"
)

// Block names one block by its type and labels: core "mediawiki", source "tarball".
type Block struct {
	Type   string
	Labels []string
}

func (b Block) String() string {
	s := b.Type
	for _, l := range b.Labels {
		s += fmt.Sprintf(" %q", l)
	}
	return s
}

// Edit sets one string attribute of the block reached through Path (outermost first).
// An attribute already written keeps its place, its comments and its alignment; one not
// yet written is added at the end of the block.
type Edit struct {
	Path  []Block
	Attr  string
	Value string
}

// Rewrite applies edits to the HCL text src of file and returns the new text: only the
// values of the attributes named change, the rest of the bytes stay as they were. An
// attribute whose value is an expression rather than a literal string is refused, since
// bump cannot know what to change it into.
func Rewrite(file string, src []byte, edits []Edit) ([]byte, error) {
	f, diags := hclwrite.ParseConfig(src, file, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags // each diagnostic names the file
	}
	for _, e := range edits {
		body, err := find(f.Body(), e.Path)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", file, err)
		}
		if a := body.GetAttribute(e.Attr); a != nil && !literal(a.Expr().BuildTokens(nil)) {
			return nil, fmt.Errorf("%s: %s: %s = %s is an expression, not a string: change it by hand (bump rewrites literal strings only)",
				file, pathString(e.Path), e.Attr, strings.TrimSpace(string(a.Expr().BuildTokens(nil).Bytes())))
		}
		body.SetAttributeValue(e.Attr, cty.StringVal(e.Value))
	}
	return f.Bytes(), nil
}

// find walks path down from body; each step takes the first block of its type and labels.
func find(body *hclwrite.Body, path []Block) (*hclwrite.Body, error) {
	for i, b := range path {
		blk := body.FirstMatchingBlock(b.Type, b.Labels)
		if blk == nil {
			return nil, fmt.Errorf("no block %s", pathString(path[:i+1]))
		}
		body = blk.Body()
	}
	return body, nil
}

func pathString(path []Block) string {
	parts := make([]string, len(path))
	for i, b := range path {
		parts[i] = b.String()
	}
	return strings.Join(parts, " > ")
}

// literal reports whether tokens are one quoted string without interpolation.
func literal(ts hclwrite.Tokens) bool {
	if len(ts) < 2 || ts[0].Type != hclsyntax.TokenOQuote || ts[len(ts)-1].Type != hclsyntax.TokenCQuote {
		return false
	}
	for _, t := range ts[1 : len(ts)-1] {
		if t.Type != hclsyntax.TokenQuotedLit {
			return false
		}
	}
	return true
}
