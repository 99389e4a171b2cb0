//go:build e2e

package tests

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/big"
	"sort"
	"strings"
	"time"
)

// The upgrade test's content: a MediaWiki XML export (schema 0.11, as 1.39 writes it and
// importDump.php reads it), made in Go from fixed inputs so that every run imports the same
// bytes, and the facts the test expects of the imported wiki, kept beside it rather than read
// back from the wiki.

// The export schema's elements the generator writes and the snapshot reads back from
// dumpBackup.php: the same types on both sides.
type xmlDump struct {
	XMLName  xml.Name  `xml:"http://www.mediawiki.org/xml/export-0.11/ mediawiki"`
	Version  string    `xml:"version,attr"`
	Lang     string    `xml:"http://www.w3.org/XML/1998/namespace lang,attr"`
	SiteInfo *siteInfo `xml:"siteinfo"`
	Pages    []xmlPage `xml:"page"`
}

type siteInfo struct {
	SiteName   string         `xml:"sitename"`
	DBName     string         `xml:"dbname"`
	Base       string         `xml:"base"`
	Generator  string         `xml:"generator"`
	Case       string         `xml:"case"`
	Namespaces []xmlNamespace `xml:"namespaces>namespace"`
}

type xmlNamespace struct {
	Key  int    `xml:"key,attr"`
	Case string `xml:"case,attr"`
	Name string `xml:",chardata"`
}

type xmlPage struct {
	Title     string        `xml:"title"`
	NS        int           `xml:"ns"`
	ID        int           `xml:"id"`
	Revisions []xmlRevision `xml:"revision"`
}

type xmlRevision struct {
	ID          int            `xml:"id"`
	ParentID    int            `xml:"parentid,omitempty"`
	Timestamp   string         `xml:"timestamp"`
	Contributor xmlContributor `xml:"contributor"`
	Comment     string         `xml:"comment,omitempty"`
	Model       string         `xml:"model"`
	Format      string         `xml:"format"`
	Text        xmlText        `xml:"text"`
	SHA1        string         `xml:"sha1"`
}

type xmlContributor struct {
	Username string `xml:"username"`
	ID       int    `xml:"id"`
}

type xmlText struct {
	Bytes int    `xml:"bytes,attr"`
	SHA1  string `xml:"sha1,attr,omitempty"`
	Space string `xml:"http://www.w3.org/XML/1998/namespace space,attr,omitempty"`
	Text  string `xml:",chardata"`
}

// pageFacts is what must survive of a page: its latest text (sha1, hex), its content model,
// its latest revision's time and how many revisions it has.
type pageFacts struct {
	SHA1      string
	Model     string
	Timestamp string
	Revisions int
}

// Titles the test looks at more closely than the others.
const (
	luaModule    = "Module:Upgrade"
	luaPage      = "Lua upgrade"
	templatePage = "Template upgrade"
	uploadName   = "Upgrade test.png"
)

// upgradeCategories are the categories the generated pages are filed in, each with a page of
// its own in the Category namespace.
var upgradeCategories = []string{"Animals", "Plants", "Minerals", "Places", "Tools"}

// upgradeContent is the generated site: the dump's bytes and, per title, the facts.
type upgradeContent struct {
	dump    []byte
	facts   map[string]pageFacts
	members map[string][]string // category → member titles, sorted
}

// generateContent makes the export: templates (one calling another, with named and positional
// parameters), a Scribunto module and a page invoking it, category pages, 200 article pages
// filed in categories and using the templates, and a few articles with four revisions each by
// different contributors at different times.
func generateContent() upgradeContent {
	g := &dumpWriter{facts: map[string]pageFacts{}, members: map[string][]string{}}
	g.page("Template:Infobox", 10, "", `{| class="infobox"
! {{{title|{{PAGENAME}}}}}
|-
| Kind || {{{kind|unknown}}}
|-
| {{Badge|{{{kind|unknown}}}|{{{1|plain}}}}}
|}<noinclude>Infobox for the upgrade test.</noinclude>`)
	g.page("Template:Badge", 10, "", `<span class="badge badge-{{{2}}}">[{{{1}}}]</span>`)
	g.page("Template:Stub", 10, "", `''This article is a stub.''<includeonly>[[Category:Stubs]]</includeonly>`)
	g.page(luaModule, 828, "Scribunto", `local p = {}

-- Repeats a word and sums a range: output only a working Lua interpreter gives.
function p.greet(frame)
	local word = frame.args[1] or "nothing"
	local sum = 0
	for i = 1, tonumber(frame.args.n or "10") do
		sum = sum + i
	end
	return "Lua says " .. string.rep(word, 2) .. " and " .. sum
end

return p
`)
	g.page(luaPage, 0, "", "Before the module.\n\n{{#invoke:Upgrade|greet|hello|n=12}}\n\nAfter the module.")
	g.page(templatePage, 0, "", "{{Infobox|title=Upgrade|kind=test|bold}}\n\nA page built from templates.\n\n{{Stub}}")
	for _, c := range append(upgradeCategories, "Stubs") {
		g.page("Category:"+c, 14, "", "Pages about "+strings.ToLower(c)+".")
	}
	for i := 1; i <= 200; i++ {
		cat := upgradeCategories[i%len(upgradeCategories)]
		title := fmt.Sprintf("Article %03d", i)
		text := fmt.Sprintf("{{Infobox|kind=%s|%s}}\n'''%s''' is article number %d.\n\nSee [[Article %03d]].\n\n[[Category:%s]]",
			strings.ToLower(cat), []string{"plain", "fancy"}[i%2], title, i, i%200+1, cat)
		if i%10 != 0 {
			g.page(title, 0, "", text)
			continue
		}
		// Every tenth article has a history: four revisions by four people.
		var texts []string
		for r := 1; r <= 3; r++ {
			texts = append(texts, fmt.Sprintf("Draft %d of %s.\n\n[[Category:%s]]", r, title, cat))
		}
		g.page(title, 0, "", append(texts, text+"\n\n{{Stub}}")...)
	}
	return upgradeContent{dump: g.bytes(), facts: g.facts, members: g.members}
}

// dumpWriter accumulates pages with increasing ids and timestamps.
type dumpWriter struct {
	pages   []xmlPage
	facts   map[string]pageFacts
	members map[string][]string
	revID   int
}

var contributors = []string{"Alice", "Bob", "Carol", "Dave"}

// page adds a page whose revisions have the texts given, oldest first.
func (g *dumpWriter) page(title string, ns int, model string, texts ...string) {
	format := "text/x-wiki"
	if model == "" {
		model = "wikitext"
	} else {
		format = "text/plain"
	}
	p := xmlPage{Title: title, NS: ns, ID: len(g.pages) + 1}
	for i, text := range texts {
		g.revID++
		// One revision an hour from a fixed start: distinct, ordered, no clock.
		ts := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(g.revID) * time.Hour)
		// A page's successive revisions are by successive people.
		n := (p.ID + i) % len(contributors)
		rev := xmlRevision{ID: g.revID, Timestamp: ts.Format(time.RFC3339), Model: model, Format: format,
			Contributor: xmlContributor{Username: contributors[n], ID: n + 2},
			Comment:     fmt.Sprintf("revision %d of %s", i+1, title),
			Text:        xmlText{Bytes: len(text), SHA1: base36SHA1(text), Space: "preserve", Text: text},
			SHA1:        base36SHA1(text)}
		if i > 0 {
			rev.ParentID = g.revID - 1
		}
		p.Revisions = append(p.Revisions, rev)
	}
	g.pages = append(g.pages, p)
	last := texts[len(texts)-1]
	g.facts[title] = pageFacts{SHA1: hexSHA1(last), Model: model, Timestamp: p.Revisions[len(p.Revisions)-1].Timestamp, Revisions: len(texts)}
	if ns != 0 {
		return // only articles are filed in categories
	}
	for _, c := range categoriesOf(last) {
		g.members[c] = append(g.members[c], title)
		sort.Strings(g.members[c])
	}
}

// categoriesOf lists the categories a latest text files its page in, directly or through
// Template:Stub (the only template here that adds one).
func categoriesOf(text string) []string {
	var out []string
	for _, part := range strings.Split(text, "[[Category:")[1:] {
		name, _, _ := strings.Cut(part, "]]")
		out = append(out, name)
	}
	if strings.Contains(text, "{{Stub}}") {
		out = append(out, "Stubs")
	}
	return out
}

func (g *dumpWriter) bytes() []byte {
	d := xmlDump{Version: "0.11", Lang: "en", Pages: g.pages, SiteInfo: &siteInfo{
		SiteName: "Upgrade Source Wiki", DBName: "upgradesource", Base: "http://wiki.example.org/wiki/Main_Page",
		Generator: "MediaWiki 1.39.17", Case: "first-letter",
		Namespaces: []xmlNamespace{{0, "first-letter", ""}, {10, "first-letter", "Template"}, {14, "first-letter", "Category"}, {828, "first-letter", "Module"}},
	}}
	b, err := xml.MarshalIndent(d, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("the generated dump does not marshal: %v", err)) // fixed input: a bug here
	}
	return append(append([]byte(xml.Header), b...), '\n')
}

func hexSHA1(s string) string {
	h := sha1.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// base36SHA1 is a text's SHA-1 as the export schema writes it: base 36, 31 digits.
func base36SHA1(s string) string {
	h := sha1.Sum([]byte(s))
	v := new(big.Int).SetBytes(h[:]).Text(36)
	return strings.Repeat("0", 31-len(v)) + v
}

// uploadPNG is a small, valid PNG: a 16×16 gradient.
func uploadPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 16, 16))
	for y := 0; y < 16; y++ {
		for x := 0; x < 16; x++ {
			img.Set(x, y, color.NRGBA{uint8(x * 16), uint8(y * 16), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(fmt.Sprintf("encoding a fixed PNG: %v", err))
	}
	return b.Bytes()
}
