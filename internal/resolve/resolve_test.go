package resolve_test

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

const coreSHA = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"

var core139 = []string{"calendar", "ctype", "dom", "fileinfo", "iconv", "intl", "json", "libxml", "mbstring", "xml", "xmlreader"}

// recipes every case starts from; a case may replace any of these files.
var recipes = map[string]string{
	"recipes/core.hcl": `core "mediawiki" {
  version = "1.39.17"

  source "tarball" {
    url    = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256 = "` + coreSHA + `"
  }
}
`,
	"recipes/extensions.hcl": `extension "Cite" {
  source "bundled" { path = "extensions/Cite" }
}
extension "ParserFunctions" {
  source "bundled" { path = "extensions/ParserFunctions" }
}
extension "Scribunto" {
  exclude = ["includes/engines/LuaStandalone/binaries"]
  source "bundled" { path = "extensions/Scribunto" }
}
extension "CodeEditor" {
  source "bundled" { path = "extensions/CodeEditor" }
}
extension "WikiEditor" {
  source "bundled" { path = "extensions/WikiEditor" }
}
extension "SyntaxHighlight_GeSHi" {
  source "bundled" { path = "extensions/SyntaxHighlight_GeSHi" }
}
extension "Alpha" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/Alpha"
    ref = "REL1_39"
  }
}
extension "Beta" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/Beta"
    ref = "REL1_39"
  }
}
extension "Gamma" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/Gamma"
    ref = "REL1_39"
  }
}
extension "Needy" {
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/Needy"
    ref = "REL1_39"
  }
}
`,
	"recipes/skins.hcl": `skin "Vector" {
  source "bundled" { path = "skins/Vector" }
}
skin "Timeless" {
  source "bundled" { path = "skins/Timeless" }
}
skin "MonoBook" {
  source "bundled" { path = "skins/MonoBook" }
}
`,
}

// defaultInfos are the registration facts every case starts from.
func defaultInfos() map[string]registration.Info {
	return map[string]registration.Info{
		"core/mediawiki": {Name: "MediaWiki", Version: "1.39.17", License: "GPL-2.0-or-later",
			Requires: registration.Requires{PHP: ">=7.4.3", PHPExtensions: core139},
			Config:   &registration.Config{Prefix: "wg", Names: "EnableUploads Logo Sitename"}},
		"extension/Cite":            {Name: "Cite", ManifestVersion: 2, Requires: registration.Requires{MediaWiki: ">= 1.39.0"}},
		"extension/ParserFunctions": {Name: "ParserFunctions", Version: "1.6.1", ManifestVersion: 2, Requires: registration.Requires{MediaWiki: ">= 1.39.0", PHPExtensions: []string{"curl", "zlib"}}},
		"extension/Scribunto": {Name: "Scribunto", ManifestVersion: 2, SchemaUpdates: true, Requires: registration.Requires{
			MediaWiki: ">= 1.39.0", Extensions: map[string]string{"CodeEditor": "*"}, PHPExtensions: []string{"mbstring", "pcre"}},
			Config: &registration.Config{Prefix: "wg", Names: "ScribuntoDefaultEngine ScribuntoEngineConf"}},
		"extension/CodeEditor":            {Name: "CodeEditor", ManifestVersion: 2, Requires: registration.Requires{Extensions: map[string]string{"WikiEditor": ">= 0.5.0"}}},
		"extension/WikiEditor":            {Name: "WikiEditor", Version: "0.5.3", ManifestVersion: 2},
		"extension/SyntaxHighlight_GeSHi": {Name: "SyntaxHighlight", Version: "2.0", ManifestVersion: 2, Requires: registration.Requires{Abilities: []string{"shell"}}},
		"extension/Alpha":                 {Name: "Alpha", Version: "1.2.0", ManifestVersion: 2},
		"extension/Beta":                  {Name: "Beta", ManifestVersion: 2},
		"extension/Gamma":                 {Name: "Gamma", Version: "0.1", ManifestVersion: 1},
		"extension/Needy":                 {Name: "Needy", Version: "1.0.0", ManifestVersion: 2},
		"skin/Vector":                     {Name: "Vector", Version: "1.0.0", ManifestVersion: 2},
		"skin/Timeless":                   {Name: "Timeless", Version: "0.9.1", ManifestVersion: 2},
		"skin/MonoBook":                   {Name: "MonoBook", ManifestVersion: 2},
	}
}

type mapFS map[string]bool

func (m mapFS) Exists(name string) bool { return m[name] }

// project is a case's files: the default recipes overlaid with its own.
func project(overlay map[string]string) map[string]string {
	files := map[string]string{}
	for k, v := range recipes {
		files[k] = v
	}
	for k, v := range overlay {
		files[k] = v
	}
	return files
}

func loadFiles(t *testing.T, files map[string]string) spec.Set {
	t.Helper()
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var srcs []load.Source
	for _, n := range names {
		srcs = append(srcs, load.Source{Name: n, Bytes: []byte(files[n])})
	}
	set, _, diags := load.Sources(srcs, mapFS{})
	if len(diags) > 0 {
		t.Fatalf("loading the case's manifests: %s", diags.Error())
	}
	return set
}

// buildLock locks every recipe in set as the lock command would, with the given
// registration facts and source times.
func buildLock(set spec.Set, infos map[string]registration.Info, times map[string]int64) lock.File {
	var cs []lock.Component
	for _, c := range set.Components() {
		id := c.ID()
		in, ok := infos[id]
		if !ok {
			in = registration.Info{Name: c.Name, ManifestVersion: 2}
		}
		src := lock.Source{Kind: c.Source.Kind}
		version := in.Version
		switch c.Source.Kind {
		case spec.Tarball:
			src.URL, src.SHA256 = c.Source.URL, c.Source.SHA256
			version = c.Version
		case spec.Git:
			src.URL, src.Ref, src.Commit = c.Source.URL, c.Source.Ref, fmt.Sprintf("%040x", len(id))
			if version == "" {
				version = "0~git20240101.0000000"
			}
		case spec.Bundled:
			core, _ := set.Component(spec.ID(spec.Core, c.Source.Core))
			src.Path, src.Of, src.SHA256 = c.Source.Path, core.ID(), core.Source.SHA256
			version = core.Version
		}
		tm, ok := times[id]
		if !ok {
			tm = 1700000000
		}
		cs = append(cs, lock.Component{
			ID: id, Recipe: lock.Fingerprint(set, c), Source: src,
			Tree: "sha256:" + strings.Repeat(fmt.Sprintf("%02x", len(id)), 32), Files: len(id), Bytes: int64(100 * len(id)),
			Version: version, Time: tm, Registry: in,
		})
	}
	return lock.New(cs)
}

// pos finds the unique line of files[file] containing line and returns
// "file:line:column" of token on it (of line itself when token is empty).
func pos(t *testing.T, files map[string]string, file, line, token string) string {
	t.Helper()
	src, ok := files[file]
	if !ok {
		t.Fatalf("no file %s in the case", file)
	}
	if token == "" {
		token = line
	}
	found := ""
	for i, l := range strings.Split(src, "\n") {
		if !strings.Contains(l, line) {
			continue
		}
		if found != "" {
			t.Fatalf("%s: %q is on more than one line", file, line)
		}
		col := strings.Index(l, token)
		if col < 0 {
			t.Fatalf("%s:%d: no %q on the line holding %q", file, i+1, token, line)
		}
		found = fmt.Sprintf("%s:%d:%d", file, i+1, col+1)
	}
	if found == "" {
		t.Fatalf("%s: no line contains %q", file, line)
	}
	return found
}

func rangeString(r *hcl.Range) string {
	if r == nil {
		return "<none>"
	}
	return fmt.Sprintf("%s:%d:%d", r.Filename, r.Start.Line, r.Start.Column)
}

// wantDiag is an expected diagnostic; its subject is where Token sits on the line holding Line.
type wantDiag struct {
	Warning           bool
	Summary           string
	File, Line, Token string
	Detail            string // a substring of the detail
}

type diagView struct {
	Severity string
	Summary  string
	At       string
}

func severity(s hcl.DiagnosticSeverity) string {
	if s == hcl.DiagWarning {
		return "warning"
	}
	return "error"
}

func checkDiags(t *testing.T, files map[string]string, got hcl.Diagnostics, want []wantDiag) {
	t.Helper()
	var gv, wv []diagView
	for _, d := range got {
		gv = append(gv, diagView{severity(d.Severity), d.Summary, rangeString(d.Subject)})
	}
	for _, w := range want {
		sev := hcl.DiagError
		if w.Warning {
			sev = hcl.DiagWarning
		}
		wv = append(wv, diagView{severity(sev), w.Summary, pos(t, files, w.File, w.Line, w.Token)})
	}
	if diff := cmp.Diff(wv, gv); diff != "" {
		for _, d := range got {
			t.Logf("got: %s: %s: %s", rangeString(d.Subject), d.Summary, d.Detail)
		}
		t.Fatalf("diagnostics mismatch (-want +got):\n%s", diff)
	}
	for i, w := range want {
		if !strings.Contains(got[i].Detail, w.Detail) {
			t.Errorf("diagnostic %d (%s): detail %q does not contain %q", i, w.Summary, got[i].Detail, w.Detail)
		}
	}
}

// wantMember is an expected member; Range is where Token sits on the line holding Line.
type wantMember struct {
	ID, Reason        string
	File, Line, Token string
}

func memberViews(ms []resolve.Member) []string {
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s (%s) at %s", m.ID, m.Reason, rangeString(&m.Range)))
	}
	return out
}

func wantMemberViews(t *testing.T, files map[string]string, ms []wantMember) []string {
	t.Helper()
	var out []string
	for _, m := range ms {
		out = append(out, fmt.Sprintf("%s (%s) at %s", m.ID, m.Reason, pos(t, files, m.File, m.Line, m.Token)))
	}
	return out
}

func TestResolveHappyPath(t *testing.T) {
	files := project(map[string]string{
		"editions/base.hcl": `edition "base" {
  title        = "Base"
  version      = "1.39.17.1"
  core         = "mediawiki"
  extensions   = ["Cite", "ParserFunctions"]
  skins        = ["Vector", "Timeless"]
  default_skin = "vector"

  settings = {
    wgSitename      = "Base"
    wgEnableUploads = false
  }

  output "deb" {}
  output "rpm" {}
}
`,
		"editions/kb.hcl": `edition "kb" {
  title    = "Knowledge base"
  version  = "1.39.17.2"
  inherits = "base"

  extensions = ["Scribunto", "Alpha"]
  remove     = ["Timeless"]

  settings = {
    wgEnableUploads = true
    wgLogo          = "/logo.png"
  }

  output "tarball" {}
}
`,
		"editions/plus.hcl": `edition "plus" {
  title        = "Knowledge base plus"
  version      = "1.39.17.3"
  inherits     = "kb"
  skins        = ["MonoBook"]
  default_skin = "MonoBook"
  settings     = { wgSitename = "Plus" }
  output "image" { php = "8.3" }
}
`,
	})
	set := loadFiles(t, files)
	times := map[string]int64{
		"core/mediawiki": 1000, "extension/Cite": 1100, "extension/ParserFunctions": 1200, "skin/Vector": 1300,
		"skin/Timeless": 5000, "extension/Scribunto": 1400, "extension/CodeEditor": 1500, "extension/WikiEditor": 1450,
		"extension/Alpha": 1600, "skin/MonoBook": 1700, "extension/Beta": 9000,
	}
	lk := buildLock(set, defaultInfos(), times)

	g, diags := resolve.Resolve(set, lk)
	checkDiags(t, files, diags, nil)

	// Components: only what some edition uses, sorted, joined with the lock.
	var ids []string
	for _, c := range g.Components {
		ids = append(ids, c.ID)
	}
	wantIDs := []string{"core/mediawiki", "extension/Alpha", "extension/Cite", "extension/CodeEditor", "extension/ParserFunctions",
		"extension/Scribunto", "extension/WikiEditor", "skin/MonoBook", "skin/Timeless", "skin/Vector"}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("graph components (-want +got):\n%s", diff)
	}
	for _, c := range g.Components {
		lc, _ := lk.Lookup(c.ID)
		if diff := cmp.Diff(lc.Registry, c.Info); diff != "" {
			t.Errorf("%s: Info is not the lock's registration (-want +got):\n%s", c.ID, diff)
		}
		if c.Tree != lc.Tree || c.Files != lc.Files || c.Bytes != lc.Bytes || c.Version != lc.Version || c.Time != lc.Time {
			t.Errorf("%s: tree/files/bytes/version/time %v/%d/%d/%q/%d, lock has %v/%d/%d/%q/%d", c.ID,
				c.Tree, c.Files, c.Bytes, c.Version, c.Time, lc.Tree, lc.Files, lc.Bytes, lc.Version, lc.Time)
		}
	}

	type compView struct {
		ID      string
		Kind    spec.Kind
		Name    string
		Version string
		Source  lock.Source
		Exclude []string
		OSDeps  map[platform.Family][]string
		Dir     string
		Decl    string
	}
	view := func(id string) compView {
		c, ok := g.Component(id)
		if !ok {
			t.Fatalf("graph has no %s", id)
		}
		return compView{c.ID, c.Kind, c.Name, c.Version, c.Source, c.Exclude, c.OSDeps, c.InstallDir(), rangeString(&c.Decl)}
	}
	wantComps := []compView{
		{
			ID: "core/mediawiki", Kind: spec.Core, Name: "mediawiki", Version: "1.39.17",
			Source: lock.Source{Kind: spec.Tarball, URL: "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz", SHA256: coreSHA},
			OSDeps: map[platform.Family][]string{
				platform.Debian: {"php-calendar", "php-ctype", "php-fileinfo", "php-iconv", "php-intl", "php-mbstring", "php-xml"},
				platform.RPM:    {"php-common", "php-intl", "php-mbstring", "php-xml"},
			},
			Decl: pos(t, files, "recipes/core.hcl", `core "mediawiki"`, ""),
		},
		{
			ID: "extension/ParserFunctions", Kind: spec.Extension, Name: "ParserFunctions", Version: "1.39.17",
			Source: lock.Source{Kind: spec.Bundled, SHA256: coreSHA, Path: "extensions/ParserFunctions", Of: "core/mediawiki"},
			OSDeps: map[platform.Family][]string{platform.Debian: {"php-curl"}, platform.RPM: {"php-common"}},
			Dir:    "extensions/ParserFunctions",
			Decl:   pos(t, files, "recipes/extensions.hcl", `extension "ParserFunctions"`, ""),
		},
		{
			ID: "extension/Scribunto", Kind: spec.Extension, Name: "Scribunto", Version: "1.39.17",
			Source:  lock.Source{Kind: spec.Bundled, SHA256: coreSHA, Path: "extensions/Scribunto", Of: "core/mediawiki"},
			Exclude: []string{"includes/engines/LuaStandalone/binaries"},
			OSDeps: map[platform.Family][]string{
				platform.Debian: {"php-mbstring"},
				platform.RPM:    {"php-mbstring"},
			},
			Dir:  "extensions/Scribunto",
			Decl: pos(t, files, "recipes/extensions.hcl", `extension "Scribunto"`, ""),
		},
		{
			ID: "extension/Alpha", Kind: spec.Extension, Name: "Alpha", Version: "1.2.0",
			Source: lock.Source{Kind: spec.Git, URL: "https://gerrit.wikimedia.org/r/mediawiki/extensions/Alpha", Ref: "REL1_39", Commit: fmt.Sprintf("%040x", len("extension/Alpha"))},
			OSDeps: map[platform.Family][]string{},
			Dir:    "extensions/Alpha",
			Decl:   pos(t, files, "recipes/extensions.hcl", `extension "Alpha"`, ""),
		},
		{
			ID: "skin/MonoBook", Kind: spec.Skin, Name: "MonoBook", Version: "1.39.17",
			Source: lock.Source{Kind: spec.Bundled, SHA256: coreSHA, Path: "skins/MonoBook", Of: "core/mediawiki"},
			OSDeps: map[platform.Family][]string{},
			Dir:    "skins/MonoBook",
			Decl:   pos(t, files, "recipes/skins.hcl", `skin "MonoBook"`, ""),
		},
	}
	for _, want := range wantComps {
		if diff := cmp.Diff(want, view(want.ID)); diff != "" {
			t.Errorf("component %s (-want +got):\n%s", want.ID, diff)
		}
	}

	// Editions.
	type edView struct {
		Name, Title, Version, Core string
		Members                    []string
		Extensions, Skins          []string
		DefaultSkin                string
		Settings                   []string
		Outputs                    []string
		Time                       int64
		Decl                       string
	}
	setting := func(name string, v cty.Value, file, line, token string) string {
		return fmt.Sprintf("%s = %s at %s", name, v.GoString(), pos(t, files, file, line, token))
	}
	base, kb, plus := "editions/base.hcl", "editions/kb.hcl", "editions/plus.hcl"
	want := []edView{
		{
			Name: "base", Title: "Base", Version: "1.39.17.1", Core: "core/mediawiki",
			Members: wantMemberViews(t, files, []wantMember{
				{"core/mediawiki", "core", base, "core ", `"mediawiki"`},
				{"extension/Cite", "listed", base, "extensions", `"Cite"`},
				{"extension/ParserFunctions", "listed", base, "extensions", `"ParserFunctions"`},
				{"skin/Timeless", "listed", base, "skins", `"Timeless"`},
				{"skin/Vector", "listed", base, "skins", `"Vector"`},
			}),
			Extensions:  []string{"Cite", "ParserFunctions"},
			Skins:       []string{"Timeless", "Vector"},
			DefaultSkin: "vector",
			Settings: []string{
				setting("wgEnableUploads", cty.False, base, "wgEnableUploads", "false"),
				setting("wgSitename", cty.StringVal("Base"), base, "wgSitename", `"Base"`),
			},
			Outputs: []string{"deb", "rpm"},
			Time:    5000, // Timeless
			Decl:    pos(t, files, base, `edition "base"`, ""),
		},
		{
			Name: "kb", Title: "Knowledge base", Version: "1.39.17.2", Core: "core/mediawiki",
			Members: wantMemberViews(t, files, []wantMember{
				{"core/mediawiki", "core", kb, `edition "kb"`, ""},
				{"extension/Alpha", "listed", kb, "extensions", `"Alpha"`},
				{"extension/Cite", "inherited from base", base, "extensions", `"Cite"`},
				{"extension/CodeEditor", "required by Scribunto", kb, "extensions", `"Scribunto"`},
				{"extension/ParserFunctions", "inherited from base", base, "extensions", `"ParserFunctions"`},
				{"extension/Scribunto", "listed", kb, "extensions", `"Scribunto"`},
				{"extension/WikiEditor", "required by CodeEditor", kb, "extensions", `"Scribunto"`},
				{"skin/Vector", "inherited from base", base, "skins", `"Vector"`},
			}),
			Extensions:  []string{"Alpha", "Cite", "CodeEditor", "ParserFunctions", "Scribunto", "WikiEditor"},
			Skins:       []string{"Vector"},
			DefaultSkin: "vector",
			Settings: []string{
				setting("wgEnableUploads", cty.True, kb, "wgEnableUploads", "true"),
				setting("wgLogo", cty.StringVal("/logo.png"), kb, "wgLogo", `"/logo.png"`),
				setting("wgSitename", cty.StringVal("Base"), base, "wgSitename", `"Base"`),
			},
			Outputs: []string{"tarball"},
			Time:    1600, // Alpha; Timeless is removed
			Decl:    pos(t, files, kb, `edition "kb"`, ""),
		},
		{
			Name: "plus", Title: "Knowledge base plus", Version: "1.39.17.3", Core: "core/mediawiki",
			Members: wantMemberViews(t, files, []wantMember{
				{"core/mediawiki", "core", plus, `edition "plus"`, ""},
				{"extension/Alpha", "inherited from kb", kb, "extensions", `"Alpha"`},
				{"extension/Cite", "inherited from base", base, "extensions", `"Cite"`},
				{"extension/CodeEditor", "required by Scribunto", kb, "extensions", `"Scribunto"`},
				{"extension/ParserFunctions", "inherited from base", base, "extensions", `"ParserFunctions"`},
				{"extension/Scribunto", "inherited from kb", kb, "extensions", `"Scribunto"`},
				{"extension/WikiEditor", "required by CodeEditor", kb, "extensions", `"Scribunto"`},
				{"skin/MonoBook", "listed", plus, "skins", `"MonoBook"`},
				{"skin/Vector", "inherited from base", base, "skins", `"Vector"`},
			}),
			Extensions:  []string{"Alpha", "Cite", "CodeEditor", "ParserFunctions", "Scribunto", "WikiEditor"},
			Skins:       []string{"MonoBook", "Vector"},
			DefaultSkin: "MonoBook",
			Settings: []string{
				setting("wgEnableUploads", cty.True, kb, "wgEnableUploads", "true"),
				setting("wgLogo", cty.StringVal("/logo.png"), kb, "wgLogo", `"/logo.png"`),
				setting("wgSitename", cty.StringVal("Plus"), plus, "wgSitename", `"Plus"`),
			},
			Outputs: []string{"image"},
			Time:    1700, // MonoBook
			Decl:    pos(t, files, plus, `edition "plus"`, ""),
		},
	}
	var got []edView
	for _, e := range g.Editions {
		v := edView{Name: e.Name, Title: e.Title, Version: e.Version, Core: e.Core, Members: memberViews(e.Members),
			Extensions: e.Extensions, Skins: e.Skins, DefaultSkin: e.DefaultSkin, Time: e.Time, Decl: rangeString(&e.Decl)}
		for _, s := range e.Settings {
			v.Settings = append(v.Settings, fmt.Sprintf("%s = %s at %s", s.Name, s.Value.GoString(), rangeString(&s.Range)))
		}
		for _, o := range e.Outputs {
			v.Outputs = append(v.Outputs, o.Format)
		}
		got = append(got, v)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("editions (-want +got):\n%s", diff)
	}
}

// need is a shorthand for the registration of extension Needy requiring something.
func need(r registration.Requires) map[string]registration.Info {
	return map[string]registration.Info{"extension/Needy": {Name: "Needy", Version: "1.0.0", ManifestVersion: 2, Requires: r}}
}

func edition(name, body string) string {
	return fmt.Sprintf("edition %q {\n  title   = %q\n  version = \"1.0\"\n%s}\n", name, strings.ToUpper(name), body)
}

func TestResolveDiagnostics(t *testing.T) {
	const e = "editions/e.hcl"
	const exts = "recipes/extensions.hcl"
	tests := []struct {
		name    string
		files   map[string]string
		infos   map[string]registration.Info // on top of defaultInfos
		lock    func(t *testing.T, files map[string]string, set spec.Set, lk lock.File) lock.File
		want    []wantDiag
		members map[string][]wantMember // on success: the members of these editions
	}{
		{
			name:  "requirement pulled in transitively",
			files: map[string]string{e: edition("e", "  extensions = [\"Alpha\"]\n")},
			infos: map[string]registration.Info{
				"extension/Alpha": {Name: "Alpha", Version: "1.2.0", Requires: registration.Requires{Extensions: map[string]string{"Beta": "*"}}},
				"extension/Beta":  {Name: "Beta", Requires: registration.Requires{Extensions: map[string]string{"Gamma": ">= 0.1"}}},
			},
			members: map[string][]wantMember{"e": {
				{"core/mediawiki", "core", e, `edition "e"`, ""},
				{"extension/Alpha", "listed", e, "extensions", `"Alpha"`},
				{"extension/Beta", "required by Alpha", e, "extensions", `"Alpha"`},
				{"extension/Gamma", "required by Beta", e, "extensions", `"Alpha"`},
			}},
		},
		{
			name:  "missing extension requirement",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\", \"Needy\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"Nonexistent": ">= 1.0"}}),
			want: []wantDiag{{Summary: "Missing requirement", File: e, Line: "extensions", Token: `"Needy"`,
				Detail: `extension/Needy requires extension "Nonexistent" (>= 1.0), which no recipe declares`}},
		},
		{
			name:  "missing skin requirement",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n")},
			infos: need(registration.Requires{Skins: map[string]string{"Alpha": "*"}}), // an extension, not a skin
			want: []wantDiag{{Summary: "Missing requirement", File: e, Line: "extensions", Token: `"Needy"`,
				Detail: `requires skin "Alpha"`}},
		},
		{
			name:  "unsatisfied requirement",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"Alpha": ">= 2.0"}}),
			want: []wantDiag{{Summary: "Unsatisfied requirement", File: e, Line: "extensions", Token: `"Needy"`,
				Detail: "Needy requires Alpha >= 2.0, but the edition has Alpha 1.2.0."}},
		},
		{
			name: "settings under an extension's own prefix, of a member required by another",
			files: map[string]string{e: edition("e", `  extensions = ["Needy"]
  settings = {
    smwgQMaxSize = 16
    wgSitename   = "Semantic"
  }
`)},
			infos: map[string]registration.Info{
				"extension/Needy": {Name: "Needy", Version: "1.0.0", ManifestVersion: 2, Requires: registration.Requires{Extensions: map[string]string{"Alpha": "*"}}},
				"extension/Alpha": {Name: "Alpha", Version: "1.2.0", ManifestVersion: 2, Config: &registration.Config{Prefix: "smwg", Names: "QMaxSize"}},
			},
		},
		{
			name:  "misspelt setting",
			files: map[string]string{e: edition("e", "  settings = { wgEnableUplods = true }\n")},
			want: []wantDiag{{Summary: "Unknown setting", File: e, Line: "settings", Token: "wgEnableUplods",
				Detail: `wgEnableUplods is not a configuration variable of MediaWiki or of any of the edition's components (their extension.json or skin.json "config", with its prefix), so MediaWiki would ignore it. Did you mean "wgEnableUploads"?` + "\nIn edition e."}},
		},
		{
			name: "recipe settings are checked by their variable, keyed ones too, in the recipe's file",
			files: map[string]string{
				e: edition("e", "  skins = [\"Vector\"]\n  settings = { \"wgSitename[en]\" = \"E\" }\n"),
				"recipes/skins.hcl": `skin "Vector" {
  source "bundled" { path = "skins/Vector" }
  settings = {
    "wgLogo[1x]" = "/logo.png"
    wgVectorFoo  = 1
  }
  system "fedora" { settings = { wgVectorBar = 2 } }
}
skin "Timeless" {
  source "bundled" { path = "skins/Timeless" }
}
skin "MonoBook" {
  source "bundled" { path = "skins/MonoBook" }
}
`,
			},
			want: []wantDiag{
				{Summary: "Unknown setting", File: "recipes/skins.hcl", Line: "wgVectorFoo", Token: "wgVectorFoo", Detail: "wgVectorFoo is not a configuration variable"},
				{Summary: "Unknown setting", File: "recipes/skins.hcl", Line: "wgVectorBar", Token: "wgVectorBar", Detail: "wgVectorBar is not a configuration variable"},
			},
		},
		{
			name: "setting of an extension the edition does not hold, inherited: once, naming the edition",
			files: map[string]string{
				e: edition("e", "  extensions = [\"Scribunto\"]\n  settings = { wgScribuntoDefaultEngine = \"luastandalone\" }\n"),
				"editions/f.hcl": `edition "f" {
  title    = "F"
  version  = "1.0"
  inherits = "e"
  remove   = ["Scribunto"]
}
`,
			},
			want: []wantDiag{{Summary: "Unknown setting", File: e, Line: "settings", Token: "wgScribuntoDefaultEngine",
				Detail: "wgScribuntoDefaultEngine is declared by extension/Scribunto, which the edition does not hold: add it to the edition, or drop the setting.\nIn edition f."}},
		},
		{
			name: "misspelt setting inherited: once, naming both editions",
			files: map[string]string{
				e:                edition("e", "  settings = { wgSiteName = \"E\" }\n"),
				"editions/f.hcl": "edition \"f\" {\n  title    = \"F\"\n  version  = \"1.0\"\n  inherits = \"e\"\n}\n",
			},
			want: []wantDiag{{Summary: "Unknown setting", File: e, Line: "settings", Token: "wgSiteName",
				Detail: "Did you mean \"wgSitename\"?\nIn editions e and f."}},
		},
		{
			name:  "setting names not checked against a lock without the core's",
			files: map[string]string{e: edition("e", "  settings = { wgAnything = 1 }\n")},
			infos: map[string]registration.Info{"core/mediawiki": {Name: "MediaWiki", Version: "1.39.17", Requires: registration.Requires{PHP: ">=7.4.3"}}},
			want: []wantDiag{{Warning: true, Summary: "Setting names not checked", File: "recipes/core.hcl", Line: `core "mediawiki"`,
				Detail: "records no configuration variables of core/mediawiki, so setting names are not checked: the lock was written by an earlier mwedition (run `mwedition lock` to record them)"}},
		},
		{
			name: "incompatible MediaWiki in three editions: said once, naming them",
			files: map[string]string{
				e:                edition("e", "  extensions = [\"Needy\"]\n"),
				"editions/f.hcl": "edition \"f\" {\n  title    = \"F\"\n  version  = \"1.0\"\n  inherits = \"e\"\n}\n",
				"editions/g.hcl": "edition \"g\" {\n  title    = \"G\"\n  version  = \"1.0\"\n  inherits = \"f\"\n}\n",
			},
			infos: need(registration.Requires{MediaWiki: ">= 1.40.0"}),
			want: []wantDiag{{Summary: "Incompatible MediaWiki", File: e, Line: "extensions", Token: `"Needy"`,
				Detail: "extension/Needy 1.0.0 requires MediaWiki >= 1.40.0, but the edition's core is 1.39.17.\nIn editions e, f and g."}},
		},
		{
			name: "missing requirement in two editions: said once",
			files: map[string]string{
				e:                edition("e", "  extensions = [\"Needy\"]\n"),
				"editions/f.hcl": "edition \"f\" {\n  title    = \"F\"\n  version  = \"1.0\"\n  inherits = \"e\"\n}\n",
			},
			infos: need(registration.Requires{Extensions: map[string]string{"Nonexistent": "*"}}),
			want:  []wantDiag{{Summary: "Missing requirement", File: e, Line: "extensions", Token: `"Needy"`, Detail: "\nIn editions e and f."}},
		},
		{
			name:  "edition members changed under a recorded version",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\", \"Alpha\"]\n")},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				return lk.WithEditions([]lock.Edition{{Name: "e", Version: "1.0", Members: []string{"core/mediawiki", "extension/Cite", "extension/Gamma"}}})
			},
			want: []wantDiag{{Summary: "Edition changed, version did not", File: e, Line: "version", Token: `"1.0"`,
				Detail: `Edition "e" changed since editions.lock recorded its version 1.0: added extension/Alpha; removed extension/Gamma. A version names one set of packages, and a repository refuses other bytes under a published one: bump version at editions/e.hcl:3.`}},
		},
		{
			name:  "edition members changed with the version: fine",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\", \"Alpha\"]\n")},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				return lk.WithEditions([]lock.Edition{{Name: "e", Version: "0.9", Members: []string{"core/mediawiki", "extension/Cite"}}})
			},
		},
		{
			name:  "edition as recorded",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\", \"Alpha\"]\n")},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				return lk.WithEditions([]lock.Edition{{Name: "e", Version: "1.0", Members: []string{"extension/Cite", "core/mediawiki", "extension/Alpha"}}})
			},
		},
		{
			name:  "satisfied requirement",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"Alpha": "^1.2 || ^2.0"}}),
			members: map[string][]wantMember{"e": {
				{"core/mediawiki", "core", e, `edition "e"`, ""},
				{"extension/Alpha", "required by Needy", e, "extensions", `"Needy"`},
				{"extension/Needy", "listed", e, "extensions", `"Needy"`},
			}},
		},
		{
			name:  "invalid constraint",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"Alpha": "not a version"}}),
			want:  []wantDiag{{Summary: "Invalid constraint", File: e, Line: "extensions", Token: `"Needy"`, Detail: `extension/Needy requires Alpha "not a version"`}},
		},
		{
			name:  "unversioned requirement",
			files: map[string]string{e: edition("e", "  extensions = [\"Beta\", \"Needy\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"Beta": ">= 1.0"}}),
			want: []wantDiag{{Summary: "Unversioned requirement", File: e, Line: "extensions", Token: `"Needy"`,
				Detail: "Beta does not expose its version, but Needy requires: >= 1.0."}},
		},
		{
			name:  "unversioned requirement with *",
			files: map[string]string{e: edition("e", "  extensions = [\"Beta\", \"Needy\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"Beta": "*"}}),
		},
		{
			name:  "incompatible MediaWiki",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\", \"Needy\"]\n")},
			infos: need(registration.Requires{MediaWiki: ">= 1.40"}),
			want: []wantDiag{{Summary: "Incompatible MediaWiki", File: e, Line: "extensions", Token: `"Needy"`,
				Detail: "extension/Needy 1.0.0 requires MediaWiki >= 1.40, but the edition's core is 1.39.17."}},
		},
		{
			// MediaWiki does not check requires.MediaWiki when its own version is a branch
			// build composer cannot parse; resolution follows it and says so once.
			name:  "branch-build core skips the MediaWiki check",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n")},
			infos: need(registration.Requires{MediaWiki: ">= 1.99"}),
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				cs := append([]lock.Component(nil), lk.Components...)
				for i := range cs {
					if cs[i].ID == "core/mediawiki" {
						cs[i].Version = "1.43.0-wmf.5"
					}
				}
				return lock.New(cs)
			},
			want: []wantDiag{{Warning: true, Summary: "Core version not checkable", File: "recipes/core.hcl", Line: `core "mediawiki"`,
				Detail: "not checked, as MediaWiki itself does not check them"}},
		},
		{
			name:  "compatible MediaWiki",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n")},
			infos: need(registration.Requires{MediaWiki: ">= 1.39.0 <1.40"}),
		},
		{
			name:  "incompatible PHP on the deb default",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n  output \"deb\" {}\n  output \"rpm\" {}\n  output \"tarball\" {}\n")},
			infos: need(registration.Requires{PHP: ">= 8.3"}),
			want: []wantDiag{{Summary: "Incompatible PHP", File: e, Line: `output "deb"`,
				Detail: "extension/Needy requires PHP >= 8.3, but the deb output targets PHP 8.2."}},
		},
		{
			name:  "incompatible PHP on an image",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n  output \"image\" {}\n")},
			infos: need(registration.Requires{PHP: ">= 8.3"}),
			want:  []wantDiag{{Summary: "Incompatible PHP", File: e, Line: `output "image"`, Detail: "the image output targets PHP 8.2"}},
		},
		{
			name:  "PHP set on the output",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\"]\n  output \"deb\" { php = \"8.3\" }\n")},
			infos: need(registration.Requires{PHP: ">= 8.3"}),
		},
		{
			name:  "core's own PHP requirement",
			files: map[string]string{e: edition("e", "  output \"deb\" { php = \"7.3\" }\n")},
			want:  []wantDiag{{Summary: "Incompatible PHP", File: e, Line: `output "deb"`, Detail: "core/mediawiki requires PHP >=7.4.3"}},
		},
		{
			name: "removed requirement",
			files: map[string]string{
				"editions/base.hcl":  edition("base", "  extensions = [\"Alpha\", \"Beta\"]\n"),
				"editions/child.hcl": edition("child", "  inherits = \"base\"\n  remove   = [\"Beta\"]\n"),
			},
			infos: map[string]registration.Info{"extension/Alpha": {Name: "Alpha", Version: "1.2.0", Requires: registration.Requires{Extensions: map[string]string{"Beta": "*"}}}},
			want: []wantDiag{{Summary: "Removed requirement", File: "editions/base.hcl", Line: "extensions", Token: `"Alpha"`,
				Detail: `extension/Alpha requires extension/Beta, which edition "child" removes at editions/child.hcl:5`}},
		},
		{
			name: "removed transitive requirement",
			files: map[string]string{
				"editions/base.hcl":  edition("base", "  extensions = [\"Scribunto\"]\n"),
				"editions/child.hcl": edition("child", "  inherits = \"base\"\n  remove   = [\"WikiEditor\"]\n"),
			},
			want: []wantDiag{{Summary: "Removed requirement", File: "editions/base.hcl", Line: "extensions", Token: `"Scribunto"`,
				Detail: `extension/CodeEditor requires extension/WikiEditor, which edition "child" removes`}},
		},
		{
			name: "nothing to remove",
			files: map[string]string{
				"editions/base.hcl":  edition("base", "  extensions = [\"Cite\"]\n  skins = [\"Vector\"]\n"),
				"editions/child.hcl": edition("child", "  inherits = \"base\"\n  remove   = [\"Vector\", \"Timeless\"]\n"),
			},
			want: []wantDiag{{Warning: true, Summary: "Nothing to remove", File: "editions/child.hcl", Line: "remove", Token: `"Timeless"`,
				Detail: `"Timeless" is not part of what edition "child" inherits`}},
			members: map[string][]wantMember{"child": {
				{"core/mediawiki", "core", "editions/child.hcl", `edition "child"`, ""},
				{"extension/Cite", "inherited from base", "editions/base.hcl", "extensions", `"Cite"`},
			}},
		},
		{
			name: "added and removed",
			files: map[string]string{
				"editions/base.hcl":  edition("base", "  extensions = [\"Cite\"]\n"),
				"editions/child.hcl": edition("child", "  inherits   = \"base\"\n  extensions = [\"Alpha\", \"Cite\"]\n  remove     = [\"Cite\"]\n"),
			},
			want: []wantDiag{{Summary: "Added and removed", File: "editions/child.hcl", Line: "extensions", Token: `"Cite"`,
				Detail: `"Cite" is both listed and removed in edition "child" (removed at editions/child.hcl:6`}},
		},
		{
			name:  "added and removed without inheriting it",
			files: map[string]string{e: edition("e", "  extensions = [\"Alpha\"]\n  remove     = [\"Alpha\"]\n")},
			want: []wantDiag{{Summary: "Added and removed", File: e, Line: "extensions", Token: `"Alpha"`,
				Detail: `"Alpha" is both listed and removed in edition "e"`}},
		},
		{
			name:  "default skin not in edition",
			files: map[string]string{e: edition("e", "  skins = [\"Vector\"]\n  default_skin = \"Timeless\"\n")},
			want: []wantDiag{{Summary: "Default skin not in edition", File: e, Line: `edition "e"`,
				Detail: `default_skin "Timeless" is not one of the edition's skins (Vector).`}},
		},
		{
			name: "inherited default skin removed",
			files: map[string]string{
				"editions/base.hcl":  edition("base", "  skins = [\"Vector\", \"Timeless\"]\n  default_skin = \"timeless\"\n"),
				"editions/child.hcl": edition("child", "  inherits = \"base\"\n  remove   = [\"Timeless\"]\n"),
			},
			want: []wantDiag{{Summary: "Default skin not in edition", File: "editions/child.hcl", Line: `edition "child"`,
				Detail: `default_skin "timeless" is not one of the edition's skins (Vector).`}},
		},
		{
			name:  "requirement found by registration name",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\", \"SyntaxHighlight_GeSHi\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"SyntaxHighlight": ">= 2.0"}}),
			members: map[string][]wantMember{"e": {
				{"core/mediawiki", "core", e, `edition "e"`, ""},
				{"extension/Needy", "listed", e, "extensions", `"Needy"`},
				{"extension/SyntaxHighlight_GeSHi", "listed", e, "extensions", `"SyntaxHighlight_GeSHi"`},
			}},
		},
		{
			name:  "requirement found by registration name, unsatisfied",
			files: map[string]string{e: edition("e", "  extensions = [\"Needy\", \"SyntaxHighlight_GeSHi\"]\n")},
			infos: need(registration.Requires{Extensions: map[string]string{"SyntaxHighlight": ">= 3.0"}}),
			want: []wantDiag{{Summary: "Unsatisfied requirement", File: e, Line: "extensions", Token: `"Needy"`,
				Detail: "Needy requires SyntaxHighlight >= 3.0, but the edition has SyntaxHighlight 2.0."}},
		},
		{
			name: "stale lock: missing and changed entries",
			files: map[string]string{
				e:                edition("e", "  extensions = [\"Alpha\", \"Beta\", \"Needy\"]\n"),
				"editions/f.hcl": edition("f", "  extensions = [\"Beta\"]\n"),
			},
			// Were the lock read, these would be reported too: a stale entry must not.
			infos: map[string]registration.Info{
				"extension/Needy": {Name: "Needy", Version: "1.0.0", Requires: registration.Requires{Extensions: map[string]string{"Alpha": ">= 2.0"}}},
				"extension/Beta":  {Name: "Beta", Requires: registration.Requires{Extensions: map[string]string{"Nonexistent": "*"}, MediaWiki: ">= 2.0"}},
			},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				var cs []lock.Component
				for _, c := range lk.Components {
					switch c.ID {
					case "extension/Alpha":
						continue
					case "extension/Beta":
						c.Recipe = "sha256:" + strings.Repeat("0", 64)
					}
					cs = append(cs, c)
				}
				return lock.New(cs)
			},
			want: []wantDiag{
				{Summary: "Stale lock", File: exts, Line: `extension "Alpha"`,
					Detail: "extension \"Alpha\" is not in editions.lock. Run `mwedition lock`"},
				{Summary: "Stale lock", File: exts, Line: `extension "Beta"`,
					Detail: "extension \"Beta\" changed since it was locked, in what the lock does not record: its exclude. Run `mwedition lock`"},
			},
		},
		{
			name: "stale lock: core source changed",
			files: map[string]string{
				e:                edition("e", "  extensions = [\"Alpha\", \"Cite\"]\n"),
				"editions/f.hcl": edition("f", "  extensions = [\"Cite\"]\n"),
			},
			lock: func(t *testing.T, files map[string]string, _ spec.Set, _ lock.File) lock.File {
				old := map[string]string{}
				for k, v := range files {
					old[k] = v
				}
				old["recipes/core.hcl"] = strings.Replace(old["recipes/core.hcl"], "1.39.17", "1.39.16", -1)
				old["recipes/core.hcl"] = strings.Replace(old["recipes/core.hcl"], coreSHA, strings.Repeat("ab", 32), 1)
				return buildLock(loadFiles(t, old), defaultInfos(), nil)
			},
			// One diagnostic, at the sha256 that changed, old and new; Cite is stale only
			// because its core is, and is listed there.
			want: []wantDiag{{Summary: "Stale lock", File: "recipes/core.hcl", Line: "sha256", Token: `"` + coreSHA,
				Detail: "core \"mediawiki\" changed since it was locked:\n" +
					"  the tarball's sha256\n    locked: " + strings.Repeat("ab", 32) + "\n    recipe: " + coreSHA + "\n" +
					"  the tarball's url\n    locked: https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.16.tar.gz\n" +
					"    recipe: https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz\n" +
					"  the release version\n    locked: 1.39.16\n    recipe: 1.39.17\n" +
					"Affected, being bundled in it (1): extension Cite.\nRun `mwedition lock` to lock them again."}},
		},
		{
			name:  "stale lock: core sha256 changed, every bundled member listed once",
			files: map[string]string{e: edition("e", "  extensions = [\"Alpha\", \"Cite\", \"Scribunto\"]\n  skins = [\"Vector\"]\n")},
			lock: func(t *testing.T, files map[string]string, _ spec.Set, _ lock.File) lock.File {
				old := map[string]string{}
				for k, v := range files {
					old[k] = v
				}
				old["recipes/core.hcl"] = strings.Replace(old["recipes/core.hcl"], coreSHA, strings.Repeat("ab", 32), 1)
				return buildLock(loadFiles(t, old), defaultInfos(), nil)
			},
			want: []wantDiag{{Summary: "Stale lock", File: "recipes/core.hcl", Line: "sha256", Token: `"` + coreSHA,
				Detail: "  the tarball's sha256\n    locked: " + strings.Repeat("ab", 32) + "\n    recipe: " + coreSHA + "\n" +
					"Affected, being bundled in it (5): extensions Cite, CodeEditor, Scribunto, WikiEditor; skin Vector.\n"}},
		},
		{
			name:  "stale lock: a bundled member's own change is its own diagnostic",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\", \"Scribunto\"]\n")},
			lock: func(t *testing.T, files map[string]string, _ spec.Set, _ lock.File) lock.File {
				old := map[string]string{}
				for k, v := range files {
					old[k] = v
				}
				old["recipes/core.hcl"] = strings.Replace(old["recipes/core.hcl"], coreSHA, strings.Repeat("ab", 32), 1)
				old[exts] = strings.Replace(old[exts], `exclude = ["includes/engines/LuaStandalone/binaries"]`, `exclude = ["tests"]`, 1)
				return buildLock(loadFiles(t, old), defaultInfos(), nil)
			},
			want: []wantDiag{
				{Summary: "Stale lock", File: "recipes/core.hcl", Line: "sha256", Token: `"` + coreSHA,
					Detail: "Affected, being bundled in it (3): extensions Cite, CodeEditor, WikiEditor."},
				{Summary: "Stale lock", File: exts, Line: `extension "Scribunto"`,
					Detail: "extension \"Scribunto\" changed since it was locked, in what the lock does not record: its exclude."},
			},
		},
		{
			name: "stale lock: git ref changed",
			files: map[string]string{
				e: edition("e", "  extensions = [\"Alpha\"]\n"),
				exts: strings.Replace(recipes[exts], `extensions/Alpha"
    ref = "REL1_39"`, `extensions/Alpha"
    ref = "main"`, 1),
			},
			lock: func(t *testing.T, files map[string]string, _ spec.Set, _ lock.File) lock.File {
				old := map[string]string{}
				for k, v := range files {
					old[k] = v
				}
				old[exts] = recipes[exts]
				return buildLock(loadFiles(t, old), defaultInfos(), nil)
			},
			want: []wantDiag{{Summary: "Stale lock", File: exts, Line: `ref = "main"`, Token: `"main"`,
				Detail: "  the git ref\n    locked: REL1_39\n    recipe: main\nRun `mwedition lock` to lock it (or `mwedition lock --update Alpha`"}},
		},
		{
			// A core from git: its ref is the shared source of every member bundled in it.
			name: "stale lock: git core ref changed, once for its members",
			files: map[string]string{
				"recipes/core.hcl": `core "mediawiki" {
  version = "1.39.17"
  source "git" {
    url = "https://gerrit.wikimedia.org/r/mediawiki/core"
    ref = "REL1_39"
  }
}
`,
				e: edition("e", "  extensions = [\"Cite\", \"ParserFunctions\"]\n"),
			},
			lock: func(t *testing.T, files map[string]string, _ spec.Set, _ lock.File) lock.File {
				old := map[string]string{}
				for k, v := range files {
					old[k] = v
				}
				old["recipes/core.hcl"] = strings.Replace(old["recipes/core.hcl"], "REL1_39", "REL1_38", 1)
				return buildLock(loadFiles(t, old), defaultInfos(), nil)
			},
			want: []wantDiag{{Summary: "Stale lock", File: "recipes/core.hcl", Line: "ref", Token: `"REL1_39"`,
				Detail: "  the git ref\n    locked: REL1_38\n    recipe: REL1_39\nAffected, being bundled in it (2): extensions Cite, ParserFunctions."}},
		},
		{
			name:  "lock edited by hand: the tarball pin",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\"]\n")},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				cs := append([]lock.Component(nil), lk.Components...)
				for i := range cs {
					if cs[i].ID == "core/mediawiki" || cs[i].ID == "extension/Cite" {
						cs[i].Source.SHA256 = strings.Repeat("ef", 32)
					}
				}
				return lock.New(cs)
			},
			want: []wantDiag{{Summary: "Lock does not match recipe", File: "recipes/core.hcl", Line: "sha256", Token: `"` + coreSHA,
				Detail: "  the tarball's sha256\n    locked: " + strings.Repeat("ef", 32) + "\n    recipe: " + coreSHA + "\nWas the lock edited by hand?"}},
		},
		{
			name:  "lock edited by hand: only the core's pin, reported once",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\", \"Scribunto\"]\n")},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				cs := append([]lock.Component(nil), lk.Components...)
				for i := range cs {
					if cs[i].ID == "core/mediawiki" {
						cs[i].Source.SHA256 = strings.Repeat("ef", 32)
					}
				}
				return lock.New(cs)
			},
			want: []wantDiag{{Summary: "Lock does not match recipe", File: "recipes/core.hcl", Line: "sha256", Token: `"` + coreSHA,
				Detail: "    locked: " + strings.Repeat("ef", 32)}},
		},
		{
			name:  "lock edited by hand: a bundled member's pin",
			files: map[string]string{e: edition("e", "  extensions = [\"Cite\"]\n")},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				cs := append([]lock.Component(nil), lk.Components...)
				for i := range cs {
					if cs[i].ID == "extension/Cite" {
						cs[i].Source.SHA256 = strings.Repeat("ef", 32)
					}
				}
				return lock.New(cs)
			},
			want: []wantDiag{{Summary: "Lock does not match recipe", File: exts, Line: `extension "Cite"`,
				Detail: "  the pin of the core it is bundled in\n    locked: " + strings.Repeat("ef", 32) + "\n    recipe: " + coreSHA}},
		},
		{
			name: "stale lock: container of a bundled member not locked",
			files: map[string]string{
				"recipes/core.hcl": recipes["recipes/core.hcl"] + `core "next" {
  version = "1.40.0"
  source "tarball" {
    url    = "https://releases.wikimedia.org/mediawiki/1.40/mediawiki-1.40.0.tar.gz"
    sha256 = "` + strings.Repeat("cd", 32) + `"
  }
}
`,
				exts: `extension "Newthing" {
  source "bundled" {
    path = "extensions/Newthing"
    core = "next"
  }
}
`,
				"recipes/skins.hcl": "",
				e:                   edition("e", "  core       = \"mediawiki\"\n  extensions = [\"Newthing\"]\n"),
			},
			lock: func(t *testing.T, _ map[string]string, _ spec.Set, lk lock.File) lock.File {
				var cs []lock.Component
				for _, c := range lk.Components {
					if c.ID != "core/next" {
						cs = append(cs, c)
					}
				}
				return lock.New(cs)
			},
			want: []wantDiag{{Summary: "Stale lock", File: "recipes/core.hcl", Line: `core "next"`,
				Detail: "core \"next\" is not in editions.lock. Run `mwedition lock`"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := project(tc.files)
			set := loadFiles(t, files)
			infos := defaultInfos()
			for id, in := range tc.infos {
				infos[id] = in
			}
			lk := buildLock(set, infos, nil)
			if tc.lock != nil {
				lk = tc.lock(t, files, set, lk)
			}
			g, diags := resolve.Resolve(set, lk)
			checkDiags(t, files, diags, tc.want)
			if diags.HasErrors() {
				if g.Components != nil || g.Editions != nil {
					t.Errorf("Resolve returned a graph with errors: %d components, %d editions", len(g.Components), len(g.Editions))
				}
				return
			}
			if len(g.Editions) != len(set.Editions()) {
				t.Fatalf("graph has %d editions, the project %d", len(g.Editions), len(set.Editions()))
			}
			for name, want := range tc.members {
				var got resolve.Edition
				for _, ge := range g.Editions {
					if ge.Name == name {
						got = ge
					}
				}
				if diff := cmp.Diff(wantMemberViews(t, files, want), memberViews(got.Members)); diff != "" {
					t.Errorf("members of %s (-want +got):\n%s", name, diff)
				}
			}
		})
	}
}

func TestClosure(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		infos map[string]registration.Info
		fail  map[string]error // info fails for these
		want  []string
		calls map[string]int
		diags []wantDiag
	}{
		{
			name: "members of every edition",
			files: map[string]string{
				"editions/base.hcl": edition("base", "  extensions = [\"Cite\", \"Alpha\"]\n  skins = [\"Vector\"]\n"),
				"editions/kb.hcl":   edition("kb", "  inherits = \"base\"\n  extensions = [\"Scribunto\", \"SyntaxHighlight_GeSHi\", \"Needy\"]\n  remove = [\"Vector\"]\n  skins = [\"Timeless\"]\n"),
			},
			// Needy names SyntaxHighlight_GeSHi by its registration name: looking it up
			// asks about the other members too, which must not ask twice.
			infos: need(registration.Requires{Extensions: map[string]string{"SyntaxHighlight": "*", "Alpha": "*"}}),
			want: []string{"core/mediawiki", "extension/Alpha", "extension/Cite", "extension/CodeEditor", "extension/Needy",
				"extension/Scribunto", "extension/SyntaxHighlight_GeSHi", "extension/WikiEditor", "skin/Timeless", "skin/Vector"},
			calls: map[string]int{"core/mediawiki": 1, "extension/Alpha": 1, "extension/Cite": 1, "extension/CodeEditor": 1, "extension/Needy": 1,
				"extension/Scribunto": 1, "extension/SyntaxHighlight_GeSHi": 1, "extension/WikiEditor": 1, "skin/Timeless": 1, "skin/Vector": 1},
		},
		{
			name: "the core a member is bundled in",
			files: map[string]string{
				"recipes/core.hcl": recipes["recipes/core.hcl"] + `core "next" {
  version = "1.40.0"
  source "tarball" {
    url    = "https://releases.wikimedia.org/mediawiki/1.40/mediawiki-1.40.0.tar.gz"
    sha256 = "` + strings.Repeat("cd", 32) + `"
  }
}
`,
				"recipes/extensions.hcl": `extension "Newthing" {
  source "bundled" {
    path = "extensions/Newthing"
    core = "next"
  }
}
extension "Unused" {
  source "bundled" {
    path = "extensions/Unused"
    core = "mediawiki"
  }
}
`,
				"recipes/skins.hcl": "",
				"editions/e.hcl":    edition("e", "  core       = \"mediawiki\"\n  extensions = [\"Newthing\"]\n"),
			},
			want:  []string{"core/mediawiki", "core/next", "extension/Newthing"},
			calls: map[string]int{"core/mediawiki": 1, "extension/Newthing": 1},
		},
		{
			name:  "info fails",
			files: map[string]string{"editions/e.hcl": edition("e", "  extensions = [\"Cite\", \"Scribunto\"]\n")},
			fail:  map[string]error{"extension/Scribunto": errors.New("fetching: connection refused")},
			want:  []string{"core/mediawiki", "extension/Cite", "extension/Scribunto"},
			calls: map[string]int{"core/mediawiki": 1, "extension/Cite": 1, "extension/Scribunto": 1},
			diags: []wantDiag{{Summary: "Cannot read component", File: "editions/e.hcl", Line: "extensions", Token: `"Scribunto"`,
				Detail: "extension/Scribunto: fetching: connection refused"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			files := project(tc.files)
			set := loadFiles(t, files)
			infos := defaultInfos()
			for id, in := range tc.infos {
				infos[id] = in
			}
			calls := map[string]int{}
			ids, diags := resolve.Closure(set, func(id string) (registration.Info, error) {
				calls[id]++
				if err := tc.fail[id]; err != nil {
					return registration.Info{}, err
				}
				if _, ok := set.Component(id); !ok {
					t.Errorf("info asked about %s, which no recipe declares", id)
				}
				return infos[id], nil
			})
			checkDiags(t, files, diags, tc.diags)
			if diff := cmp.Diff(tc.want, ids); diff != "" {
				t.Errorf("Closure IDs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.calls, calls); diff != "" {
				t.Errorf("info calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestInstallDir(t *testing.T) {
	for _, tc := range []struct {
		kind spec.Kind
		name string
		want string
	}{
		{spec.Core, "mediawiki", ""},
		{spec.Extension, "Cite", "extensions/Cite"},
		{spec.Skin, "Vector", "skins/Vector"},
	} {
		if got := resolve.InstallDir(tc.kind, tc.name); got != tc.want {
			t.Errorf("InstallDir(%s, %s) = %q, want %q", tc.kind, tc.name, got, tc.want)
		}
	}
}
