// Package load reads a project's HCL manifests (recipes/*.hcl and editions/*.hcl) into a
// spec.Set. Every problem is an hcl.Diagnostic with the range it concerns; the loader keeps
// going after an error so one run reports everything it can, and it never panics on bad input.
package load

import (
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/gohcl"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/spec"
)

// Project is a loaded project: its manifests decoded, plus the parsed files, which a caller
// needs to render diagnostics with source snippets.
type Project struct {
	Root  string
	Set   spec.Set
	Files map[string]*hcl.File
	// Line is the release line the project builds, when it has a line.hcl.
	Line *spec.Line
}

// Dir loads the project rooted at root: every recipes/*.hcl and editions/*.hcl, in name
// order, and for a release line (line.hcl) the shared manifests it includes.
func Dir(root string) (Project, hcl.Diagnostics) { return DirWith(root, nil) }

// DirWith loads the project rooted at root as Dir does, except that the manifests named in
// replace (as Source names them, "recipes/core.hcl") are read from it rather than from disk:
// what a project would be with edited manifests, before anything is written.
func DirWith(root string, replace map[string][]byte) (Project, hcl.Diagnostics) {
	p := Project{Root: root, Files: map[string]*hcl.File{}}
	lineParser := hclparse.NewParser()
	line, srcs, diags := readLine(root, lineParser, replace[spec.LineFileName])
	if diags.HasErrors() {
		p.Files = lineParser.Files()
		return p, diags
	}
	p.Line = line
	for _, sub := range []string{"recipes", "editions"} {
		names, err := filepath.Glob(filepath.Join(root, sub, "*.hcl"))
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot list manifests", Detail: err.Error()})
			continue
		}
		sort.Strings(names)
		for _, n := range names {
			name := sub + "/" + filepath.Base(n)
			b, ok := replace[name]
			var err error
			if !ok {
				b, err = os.ReadFile(n)
			}
			if err != nil {
				diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot read manifest", Detail: err.Error()})
				continue
			}
			srcs = append(srcs, Source{Name: name, Bytes: b})
		}
	}
	if len(srcs) == 0 {
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No manifests found",
			Detail:   fmt.Sprintf("Found no recipes/*.hcl or editions/*.hcl under %s. Run mwedition in a project directory or pass --dir.", root),
		})
		return p, diags
	}
	set, files, d := LineSources(line, srcs, DirFS(root))
	p.Set, p.Files = set, files
	for name, f := range lineParser.Files() {
		p.Files[name] = f
	}
	return p, append(diags, d...)
}

// Source is one manifest's name (slash-separated, relative to the project root, starting
// with "recipes/" or "editions/") and contents.
type Source struct {
	Name  string
	Bytes []byte
}

// FS answers the few questions the loader asks about the project's files: whether a
// keyring or a dir source exists. Names are slash-separated and relative to the root.
type FS interface {
	Exists(name string) bool
}

// DirFS is an FS over a directory on disk.
type DirFS string

// Exists reports whether name exists below the directory.
func (d DirFS) Exists(name string) bool {
	_, err := os.Stat(filepath.Join(string(d), filepath.FromSlash(name)))
	return err == nil
}

// Sources decodes manifests given in memory. It is the pure core of Dir, and what the fuzz
// target drives.
func Sources(srcs []Source, fsys FS) (spec.Set, map[string]*hcl.File, hcl.Diagnostics) {
	return LineSources(nil, srcs, fsys)
}

// LineSources is Sources for the manifests of a release line, whose expressions may read the
// line's variables and call HCL's standard functions. A nil line is a project of one line.
func LineSources(line *spec.Line, srcs []Source, fsys FS) (spec.Set, map[string]*hcl.File, hcl.Diagnostics) {
	parser := hclparse.NewParser()
	l := &loader{fs: fsys, ctx: evalContext(line)}
	for _, s := range srcs {
		f, d := parser.ParseHCL(s.Bytes, s.Name)
		l.diags = append(l.diags, d...)
		if f == nil || f.Body == nil {
			continue
		}
		l.limitNumbers(f)
		if path.Base(path.Dir(s.Name)) == "editions" {
			l.editionFile(f)
		} else {
			l.recipeFile(s.Name, f)
		}
	}
	l.crossCheck()
	return spec.NewSet(l.components, l.editions).WithComposerRepositories(l.repositories).WithLibraries(l.libraries).WithPrivateTargets(l.private).WithDebianBases(l.debian), parser.Files(), l.diags
}

type loader struct {
	fs         FS
	ctx        *hcl.EvalContext // a line's variables and functions; nil: literals only
	components []spec.Component
	editions   []spec.Edition
	diags      hcl.Diagnostics
	// repositories are the composer repositories, duplicates left out.
	repositories []spec.ComposerRepository
	libraries    []spec.Library
	private      []spec.PrivateTarget // duplicates left out
	debian       []spec.DebianBase    // duplicates left out
	// defaultSkin maps an edition's DeclRange to the range of its default_skin value, which
	// spec.Edition does not keep, so crossCheck can point at the value it rejects.
	defaultSkin map[hcl.Range]hcl.Range
}

func (l *loader) errorf(rng *hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng})
}

func (l *loader) warnf(rng *hcl.Range, summary, format string, args ...any) {
	l.diags = append(l.diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: summary, Detail: fmt.Sprintf(format, args...), Subject: rng})
}

var (
	// The schema and its documentation are spec's (docs/reference.md is rendered from it);
	// a body shared by core, extension and skin takes any of their attributes, and
	// component says which kind may have which.
	recipeSchema      = spec.RecipeFiles.Schema()
	componentSchema   = spec.Schema(spec.CoreBlock, spec.ExtensionBlock, spec.SkinBlock)
	sourceSchemas     = sourceBodies()
	editionFileSchema = spec.EditionFiles.Schema()
	editionSchema     = spec.EditionBlock.Schema()
	compressions      = spec.Compressions

	componentName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	editionName   = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	versionText   = regexp.MustCompile(`^[0-9][0-9A-Za-z.+~]*$`)
	// A variable, or one element of an array variable: name[key] or name[key][key].
	settingName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*(\[[^\[\]\\'"$\x00-\x1f]+\])*$`)
	sha256Hex   = regexp.MustCompile(`^[0-9a-f]{64}$`)
	phpVersion  = regexp.MustCompile(`^[0-9]+\.[0-9]+(\.[0-9]+)?$`)
)

func sourceBodies() map[spec.SourceKind]*hcl.BodySchema {
	out := map[spec.SourceKind]*hcl.BodySchema{}
	for k, b := range spec.Sources {
		out[k] = b.Schema()
	}
	return out
}

func (l *loader) recipeFile(name string, f *hcl.File) {
	content, d := f.Body.Content(recipeSchema)
	l.diags = append(l.diags, d...)
	for _, b := range content.Blocks {
		if b.Type == spec.ComposerRepositoryBlock.Type {
			l.composerRepository(b)
			continue
		}
		if b.Type == spec.LibraryBlock.Type {
			l.library(name, b)
			continue
		}
		if b.Type == spec.PrivateTargetBlock.Type {
			l.privateTarget(b)
			continue
		}
		if b.Type == spec.DebianBaseBlock.Type {
			l.debianBase(name, b)
			continue
		}
		l.component(name, b)
	}
}

func (l *loader) component(file string, b *hcl.Block) {
	c := spec.Component{Kind: spec.Kind(b.Type), Name: b.Labels[0], DeclRange: b.DefRange}
	if !componentName.MatchString(c.Name) {
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid component name", "%q is not a valid %s name: use letters, digits, '_', '.' and '-', starting with a letter or digit (the directory name MediaWiki loads it by).", c.Name, c.Kind)
	}
	content, d := b.Body.Content(componentSchema)
	l.diags = append(l.diags, d...)
	if a, ok := content.Attributes["version"]; ok {
		if c.Kind != spec.Core {
			l.errorf(a.NameRange.Ptr(), "Unsupported argument", "Only a core recipe declares its version; an %s's version is read from its %s.", c.Kind, manifestFile(c.Kind))
		} else if l.str(a.Expr, &c.Version) && !versionText.MatchString(c.Version) {
			l.errorf(a.Expr.Range().Ptr(), "Invalid version", "%q is not a release version such as \"1.39.17\".", c.Version)
		}
	} else if c.Kind == spec.Core {
		l.errorf(b.DefRange.Ptr(), "Missing required argument", "The core recipe %q needs version = \"<release>\", for example \"1.39.17\".", c.Name)
	}
	if a, ok := content.Attributes["exclude"]; ok {
		for _, r := range l.strList(a.Expr) {
			if err := fstree.CheckPattern(r.Name); err != nil {
				l.errorf(r.Range.Ptr(), "Invalid exclude pattern", "%s", err)
				continue
			}
			c.Exclude = append(c.Exclude, r.Name)
		}
	}
	if a, ok := content.Attributes["settings"]; ok {
		c.Settings = l.settings(a.Expr)
	}
	if a, ok := content.Attributes["epoch"]; ok {
		if d := gohcl.DecodeExpression(a.Expr, l.ctx, &c.Epoch); d.HasErrors() || c.Epoch > 1000 {
			l.errorf(a.Expr.Range().Ptr(), "Invalid epoch", "epoch is a small whole number (0 to 1000), such as 1.")
		}
	}
	var sources hcl.Blocks
	for _, sb := range content.Blocks {
		if sb.Type == spec.SystemBlock.Type {
			c.Systems = l.system(c, sb)
			continue
		}
		sources = append(sources, sb)
	}
	switch len(sources) {
	case 0:
		l.errorf(b.DefRange.Ptr(), "Missing source block", "%s %q needs exactly one source block: source \"tarball\", \"git\", \"dir\" or \"bundled\".", c.Kind, c.Name)
	case 1:
	default:
		l.errorf(sources[1].DefRange.Ptr(), "Duplicate source block", "%s %q already has a source block at %s; a component has exactly one source.", c.Kind, c.Name, sources[0].DefRange)
	}
	if len(sources) > 0 {
		c.Source = l.source(file, c, sources[0])
	}
	l.components = append(l.components, c)
}

func manifestFile(k spec.Kind) string {
	if k == spec.Skin {
		return "skin.json"
	}
	return "extension.json"
}

func (l *loader) source(file string, c spec.Component, b *hcl.Block) spec.Source {
	s := spec.Source{Kind: spec.SourceKind(b.Labels[0]), Range: b.DefRange, Attrs: map[string]hcl.Range{}}
	schema, ok := sourceSchemas[s.Kind]
	if !ok {
		l.errorf(b.LabelRanges[0].Ptr(), "Unknown source kind", "%q is not a source kind; use one of %s.%s", s.Kind, quoteList(sourceKindNames()), didYouMean(string(s.Kind), sourceKindNames()))
		return s
	}
	if s.Kind == spec.Bundled && c.Kind == spec.Core {
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid source kind", "A core cannot be bundled in another source; use \"tarball\", \"git\" or \"dir\".")
	}
	content, d := b.Body.Content(schema)
	l.diags = append(l.diags, d...)
	attr := func(name string, dst *string) *hcl.Attribute {
		a, ok := content.Attributes[name]
		if !ok {
			return nil
		}
		s.Attrs[name] = a.Expr.Range()
		if !l.str(a.Expr, dst) {
			return nil
		}
		return a
	}
	if a := attr("url", &s.URL); a != nil {
		if err := checkURL(s.Kind, s.URL); err != nil {
			l.errorf(a.Expr.Range().Ptr(), "Invalid URL", "%s", err)
		}
	}
	if a := attr("sha256", &s.SHA256); a != nil {
		s.SHA256 = strings.ToLower(s.SHA256)
		if !sha256Hex.MatchString(s.SHA256) {
			l.errorf(a.Expr.Range().Ptr(), "Invalid sha256", "%q is not a SHA-256 digest: expected 64 hexadecimal digits, as printed by sha256sum.", s.SHA256)
		}
	}
	if a := attr("signature", &s.Signature); a != nil {
		if err := checkURL(spec.Tarball, s.Signature); err != nil {
			l.errorf(a.Expr.Range().Ptr(), "Invalid signature URL", "%s", err)
		}
	}
	if a := attr("keyring", &s.Keyring); a != nil {
		s.KeyFile = l.keyring(file, a, s.Keyring)
	}
	// Whether each is written, not whether it decoded: one that failed has been reported.
	_, hasSig := content.Attributes["signature"]
	_, hasKey := content.Attributes["keyring"]
	if s.Kind == spec.Tarball && hasSig != hasKey {
		l.errorf(b.DefRange.Ptr(), "Signature without keyring", "A tarball source checks a detached signature only against a keyring: set both signature and keyring, or neither.")
	}
	attr("ref", &s.Ref)
	if a := attr("path", &s.Path); a != nil {
		s.Path = l.sourcePath(file, a, s.Kind, s.Path)
	}
	if a := attr("core", &s.Core); a != nil {
		s.Range = a.Expr.Range()
	}
	seen := map[string]hcl.Range{}
	for _, pb := range content.Blocks {
		p, ok := l.patch(file, pb)
		if prev, dup := seen[p.Path]; dup && ok {
			l.errorf(pb.DefRange.Ptr(), "Duplicate patch", "%s is already applied to this source at %s.", p.Path, prev)
			continue
		}
		if ok {
			seen[p.Path] = pb.DefRange
			s.Patches = append(s.Patches, p)
		}
	}
	return s
}

// keyring is a keyring attribute's file relative to the project, or "" when it is
// reported as outside the project or missing.
func (l *loader) keyring(file string, a *hcl.Attribute, keyring string) string {
	rel, err := confine(path.Dir(file), keyring)
	switch {
	case err != nil:
		l.errorf(a.Expr.Range().Ptr(), "Invalid keyring path", "%s", err)
	case !l.fs.Exists(rel):
		l.errorf(a.Expr.Range().Ptr(), "Keyring not found", "No file %s (keyring paths are relative to %s). Put the upstream release keys there.", rel, path.Dir(file))
	default:
		return rel
	}
	return ""
}

// sourcePath checks a path attribute: a dir source's is relative to the recipe file and
// becomes relative to the project; a bundled source's is inside its core. A path that is
// reported stays as written.
func (l *loader) sourcePath(file string, a *hcl.Attribute, kind spec.SourceKind, p string) string {
	switch kind {
	case spec.Dir:
		rel, err := confine(path.Dir(file), p)
		if err != nil {
			l.errorf(a.Expr.Range().Ptr(), "Invalid path", "%s", err)
		} else if !l.fs.Exists(rel) {
			l.errorf(a.Expr.Range().Ptr(), "Directory not found", "No directory %s (dir paths are relative to %s).", rel, path.Dir(file))
		} else {
			return rel
		}
	case spec.Bundled:
		clean := path.Clean(p)
		if path.IsAbs(p) || clean == "." || clean == ".." || strings.HasPrefix(clean, "../") {
			l.errorf(a.Expr.Range().Ptr(), "Invalid path", "%q must be a path inside the core source, such as \"extensions/Cite\".", p)
		} else {
			return clean
		}
	}
	return p
}

func sourceKindNames() []string {
	var out []string
	for _, k := range spec.SourceKinds {
		out = append(out, string(k))
	}
	return out
}

func checkURL(kind spec.SourceKind, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	allowed := map[string]bool{"https": true, "http": true, "file": true}
	if kind == spec.Git {
		allowed["ssh"], allowed["git"] = true, true
	}
	if !allowed[u.Scheme] {
		return fmt.Errorf("%q: scheme %q is not supported for a %s source; use https (or file:// for a local copy)", raw, u.Scheme, kind)
	}
	if u.Scheme != "file" && u.Host == "" {
		return fmt.Errorf("%q has no host", raw)
	}
	if u.Scheme == "file" && u.Path == "" {
		return fmt.Errorf("%q has no path", raw)
	}
	return nil
}

// confine resolves p against dir (both slash-separated and relative to the project root) and
// refuses anything that leaves the project: manifests must not reach files elsewhere on the host.
func confine(dir, p string) (string, error) {
	if p == "" || path.IsAbs(p) || filepath.IsAbs(p) {
		return "", fmt.Errorf("%q must be a relative path inside the project", p)
	}
	rel := path.Clean(path.Join(dir, p))
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("%q leaves the project directory; manifests may only refer to files inside it", p)
	}
	return rel, nil
}

func (l *loader) editionFile(f *hcl.File) {
	content, d := f.Body.Content(editionFileSchema)
	l.diags = append(l.diags, d...)
	for _, b := range content.Blocks {
		l.edition(b)
	}
}

func (l *loader) edition(b *hcl.Block) {
	e := spec.Edition{Name: b.Labels[0], DeclRange: b.DefRange}
	if !editionName.MatchString(e.Name) {
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid edition name", "%q is not a valid edition name: use lower-case letters, digits and '-' (it becomes part of package names).", e.Name)
	}
	content, d := b.Body.Content(editionSchema)
	l.diags = append(l.diags, d...)
	at := content.Attributes
	if a, ok := at["title"]; ok {
		l.str(a.Expr, &e.Title)
	}
	e.VersionRange = e.DeclRange
	if a, ok := at["version"]; ok {
		e.VersionRange = a.Expr.Range()
		if l.str(a.Expr, &e.Version) && !versionText.MatchString(e.Version) {
			l.errorf(a.Expr.Range().Ptr(), "Invalid version", "%q is not a version: start with a digit and use digits, letters, '.', '+' and '~', as in \"1.39.17.1\".", e.Version)
		}
	}
	if a, ok := at["core"]; ok {
		l.str(a.Expr, &e.Core.Name)
		e.Core.Range = a.Expr.Range()
	}
	if a, ok := at["inherits"]; ok {
		r := spec.Ref{Range: a.Expr.Range()}
		if l.str(a.Expr, &r.Name) {
			e.Inherits = &r
		}
	}
	if a, ok := at["default_skin"]; ok {
		l.str(a.Expr, &e.DefaultSkin)
		if l.defaultSkin == nil {
			l.defaultSkin = map[hcl.Range]hcl.Range{}
		}
		l.defaultSkin[e.DeclRange] = a.Expr.Range()
	}
	for name, dst := range map[string]*[]spec.Ref{"extensions": &e.Extensions, "skins": &e.Skins, "remove": &e.Remove} {
		if a, ok := at[name]; ok {
			*dst = l.uniqueRefs(name, l.strList(a.Expr))
		}
	}
	if a, ok := at["settings"]; ok {
		e.Settings = l.settings(a.Expr)
	}
	seen := map[string]hcl.Range{}
	for _, ob := range content.Blocks {
		o, ok := l.output(ob)
		if !ok {
			continue
		}
		if prev, dup := seen[o.Format]; dup {
			l.errorf(ob.DefRange.Ptr(), "Duplicate output", "Output %q is already declared at %s.", o.Format, prev)
			continue
		}
		seen[o.Format] = ob.DefRange
		e.Outputs = append(e.Outputs, o)
	}
	sort.Slice(e.Outputs, func(i, j int) bool { return e.Outputs[i].Format < e.Outputs[j].Format })
	l.editions = append(l.editions, e)
}

func (l *loader) uniqueRefs(attr string, refs []spec.Ref) []spec.Ref {
	seen := map[string]hcl.Range{}
	var out []spec.Ref
	for _, r := range refs {
		if prev, ok := seen[r.Name]; ok {
			l.errorf(r.Range.Ptr(), "Duplicate name", "%q is already listed in %s at %s.", r.Name, attr, prev)
			continue
		}
		seen[r.Name] = r.Range
		out = append(out, r)
	}
	return out
}

func (l *loader) output(b *hcl.Block) (spec.Output, bool) {
	o := spec.Output{Format: b.Labels[0], Range: b.DefRange, BaseRange: b.DefRange}
	format, ok := spec.LookupOutputFormat(o.Format)
	if !ok {
		names := spec.OutputFormatNames()
		sort.Strings(names)
		l.errorf(b.LabelRanges[0].Ptr(), "Unknown output format", "%q is not an output format; use one of %s.%s", o.Format, quoteList(names), didYouMean(o.Format, names))
		return o, false
	}
	schema := &hcl.BodySchema{}
	for _, a := range format.Attributes {
		schema.Attributes = append(schema.Attributes, hcl.AttributeSchema{Name: a})
	}
	content, d := b.Body.Content(schema)
	l.diags = append(l.diags, d...)
	if a, ok := content.Attributes["compression"]; ok {
		for _, r := range l.uniqueRefs("compression", l.strList(a.Expr)) {
			if !contains(compressions, r.Name) {
				l.errorf(r.Range.Ptr(), "Unknown compression", "%q is not a tarball compression; use one of %s.%s", r.Name, quoteList(compressions), didYouMean(r.Name, compressions))
				continue
			}
			o.Compression = append(o.Compression, r.Name)
		}
	} else if o.Format == spec.FormatTarball {
		o.Compression = []string{"gz"}
	}
	if a, ok := content.Attributes["base"]; ok {
		o.BaseRange = a.Expr.Range()
		l.str(a.Expr, &o.Base)
	}
	if a, ok := content.Attributes["tags"]; ok {
		for _, r := range l.strList(a.Expr) {
			o.Tags = append(o.Tags, r.Name)
		}
	}
	if a, ok := content.Attributes["php"]; ok && l.str(a.Expr, &o.PHP) && !phpVersion.MatchString(o.PHP) {
		l.errorf(a.Expr.Range().Ptr(), "Invalid PHP version", "%q is not a PHP version such as \"8.2\".", o.PHP)
	}
	return o, true
}

func (l *loader) settings(expr hcl.Expression) []spec.Setting {
	pairs, d := hcl.ExprMap(expr)
	l.diags = append(l.diags, d...)
	var out []spec.Setting
	seen := map[string]bool{}
	for _, kv := range pairs {
		var name string
		if !l.str(kv.Key, &name) {
			continue
		}
		// Which names exist depends on the edition's components: resolve checks that.
		if !settingName.MatchString(name) {
			l.errorf(kv.Key.Range().Ptr(), "Invalid setting name", "%q is not a PHP variable name: write the configuration variable without '$', as in wgEnableUploads or smwgQMaxSize, and one element of an array as wgDefaultUserOptions[math] (keys without quotes).", name)
			continue
		}
		if v := (spec.Setting{Name: name}).Variable(); v == "this" || v == "GLOBALS" || strings.HasPrefix(v, "_") {
			// $this, $GLOBALS and the superglobals ($_SERVER, ...) cannot be assigned like
			// a setting: PHP would stop at the settings file.
			l.errorf(kv.Key.Range().Ptr(), "Invalid setting name", "$%s is reserved by PHP, not a configuration variable.", (spec.Setting{Name: name}).Variable())
			continue
		}
		if seen[name] {
			l.errorf(kv.Key.Range().Ptr(), "Duplicate setting", "%s is set twice.", name)
			continue
		}
		seen[name] = true
		v, d := kv.Value.Value(l.ctx)
		l.diags = append(l.diags, d...)
		if d.HasErrors() || !v.IsWhollyKnown() { // unknown: already reported, see str
			continue
		}
		if err := checkSettingValue(v); err != nil {
			l.errorf(kv.Value.Range().Ptr(), "Unsupported setting value", "%s: %s", name, err)
			continue
		}
		out = append(out, spec.Setting{Name: name, Value: v, Range: kv.Value.Range(), NameRange: kv.Key.Range()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// checkSettingValue accepts what maps onto a PHP literal: strings, numbers, bools, null and
// lists or objects of those.
func checkSettingValue(v cty.Value) error {
	if v.IsNull() {
		return nil
	}
	if !v.IsWhollyKnown() {
		return fmt.Errorf("value is not known")
	}
	t := v.Type()
	switch {
	case t == cty.String || t == cty.Number || t == cty.Bool:
		return nil
	case t.IsListType() || t.IsTupleType() || t.IsSetType() || t.IsMapType() || t.IsObjectType():
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			if err := checkSettingValue(ev); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("a value of type %s has no PHP equivalent", t.FriendlyName())
}

// limitNumbers reports every number literal outside the range of a 64-bit float (PHP's
// numbers) and replaces it with an unknown number, which str and settings skip silently.
// Besides having no PHP equivalent, such a number takes math/big minutes to print: HCL does
// that whenever it turns a number into a string, so "1e9999999" would hang the loader.
func (l *loader) limitNumbers(f *hcl.File) {
	body, ok := f.Body.(*hclsyntax.Body)
	if !ok {
		return
	}
	hclsyntax.VisitAll(body, func(n hclsyntax.Node) hcl.Diagnostics {
		lit, ok := n.(*hclsyntax.LiteralValueExpr)
		if !ok || lit.Val.Type() != cty.Number || lit.Val.IsNull() || !lit.Val.IsKnown() {
			return nil
		}
		bf := lit.Val.AsBigFloat()
		if bf.Sign() == 0 {
			return nil
		}
		if exp := bf.MantExp(nil); bf.IsInf() || exp > 1024 || exp < -1073 {
			l.errorf(lit.SrcRange.Ptr(), "Number out of range", "Numbers in manifests must fit a 64-bit float, as PHP's do: between about 4.9e-324 and 1.8e308 in size.")
			lit.Val = cty.UnknownVal(cty.Number)
		}
		return nil
	})
}

func (l *loader) str(expr hcl.Expression, dst *string) bool {
	// An expression that cannot be evaluated (a variable, a function call) has said so, and
	// an unknown value comes only from such an expression or from limitNumbers; decoding
	// the result would only add a second, misleading error.
	if v, d := expr.Value(l.ctx); d.HasErrors() || !v.IsWhollyKnown() {
		l.diags = append(l.diags, d...)
		return false
	}
	d := gohcl.DecodeExpression(expr, l.ctx, dst)
	l.diags = append(l.diags, d...)
	return !d.HasErrors()
}

func (l *loader) strList(expr hcl.Expression) []spec.Ref {
	elems, d := hcl.ExprList(expr)
	if d.HasErrors() && l.ctx != nil {
		// A computed list (concat, a conditional) of a release line: its names point at
		// the whole expression.
		return l.computedList(expr)
	}
	l.diags = append(l.diags, d...)
	var out []spec.Ref
	for _, ex := range elems {
		r := spec.Ref{Range: ex.Range()}
		if l.str(ex, &r.Name) {
			out = append(out, r)
		}
	}
	return out
}

// crossCheck runs the checks that need every file: duplicates, references between
// declarations, and inheritance cycles.
func (l *loader) crossCheck() {
	d := l.declared()
	if len(l.components) > 0 && len(d.cores) == 0 {
		l.errorf(nil, "No core recipe", "Declare the MediaWiki release in recipes/, for example core \"mediawiki\" { version = \"1.39.17\" source \"tarball\" { ... } }.")
	}
	l.bundledCores(d.cores)
	editions := map[string]spec.Edition{}
	for _, e := range l.editions {
		if prev, ok := editions[e.Name]; ok {
			l.errorf(e.DeclRange.Ptr(), "Duplicate edition", "Edition %q is already declared at %s.", e.Name, prev.DeclRange)
			continue
		}
		editions[e.Name] = e
	}
	kept := l.editions[:0]
	for _, e := range l.editions {
		if editions[e.Name].DeclRange != e.DeclRange {
			continue
		}
		kept = append(kept, l.checkEdition(e, d, editions))
	}
	l.editions = kept
	l.checkImageBases()
}

// declaredComponents index the components that survive the duplicate check.
type declaredComponents struct {
	byID  map[string]spec.Component
	cores []string // sorted
	names map[spec.Kind][]string
}

// declared drops (and reports) duplicate components, indexing the rest.
func (l *loader) declared() declaredComponents {
	d := declaredComponents{byID: map[string]spec.Component{}, cores: []string{}, names: map[spec.Kind][]string{}}
	kept := l.components[:0]
	for _, c := range l.components {
		if prev, ok := d.byID[c.ID()]; ok {
			l.errorf(c.DeclRange.Ptr(), "Duplicate component", "%s %q is already declared at %s.", c.Kind, c.Name, prev.DeclRange)
			continue
		}
		d.byID[c.ID()] = c
		d.names[c.Kind] = append(d.names[c.Kind], c.Name)
		if c.Kind == spec.Core {
			d.cores = append(d.cores, c.Name)
		}
		kept = append(kept, c)
	}
	l.components = kept
	sort.Strings(d.cores)
	return d
}

// bundledCores gives each bundled component the core it comes in: the one named, or the
// only one there is.
func (l *loader) bundledCores(cores []string) {
	for i, c := range l.components {
		if c.Source.Kind != spec.Bundled {
			continue
		}
		if c.Source.Core == "" {
			if len(cores) != 1 {
				l.errorf(c.Source.Range.Ptr(), "Ambiguous core", "%s %q is bundled, and there are %d core recipes; say which with core = \"<name>\".", c.Kind, c.Name, len(cores))
				continue
			}
			l.components[i].Source.Core = cores[0]
		} else if !contains(cores, c.Source.Core) {
			l.errorf(c.Source.Range.Ptr(), "Unknown core", "No core recipe is named %q.%s", c.Source.Core, didYouMean(c.Source.Core, cores))
		}
	}
}

// checkEdition reports what an edition names that is not declared; it returns the edition
// with its core filled in when there is only one.
func (l *loader) checkEdition(e spec.Edition, d declaredComponents, editions map[string]spec.Edition) spec.Edition {
	if e.Core.Name == "" && len(d.cores) == 1 {
		e.Core = spec.Ref{Name: d.cores[0], Range: e.DeclRange}
	}
	if e.Core.Name == "" {
		l.errorf(e.DeclRange.Ptr(), "Missing core", "Edition %q must say which core it is built on: core = \"<name>\".", e.Name)
	} else if _, ok := d.byID[spec.ID(spec.Core, e.Core.Name)]; !ok {
		l.errorf(e.Core.Range.Ptr(), "Unknown core", "No core recipe is named %q.%s", e.Core.Name, didYouMean(e.Core.Name, d.cores))
	}
	known := append(l.checkMerged(e, d), d.names[spec.Extension]...) // each reported once
	l.checkRefs(e.Extensions, spec.Extension, known)
	l.checkRefs(e.Skins, spec.Skin, d.names[spec.Skin])
	for _, r := range e.Remove {
		if _, ok := d.byID[spec.ID(spec.Extension, r.Name)]; ok {
			continue
		}
		if _, ok := d.byID[spec.ID(spec.Skin, r.Name)]; ok {
			continue
		}
		all := append(append([]string{}, d.names[spec.Extension]...), d.names[spec.Skin]...)
		l.errorf(r.Range.Ptr(), "Unknown component", "remove names %q, which no recipe declares.%s", r.Name, didYouMean(r.Name, all))
	}
	if e.Inherits != nil {
		l.checkInherits(e, editions)
	}
	if e.DefaultSkin != "" {
		l.checkDefaultSkin(e, d.names[spec.Skin])
	}
	return e
}

func (l *loader) checkInherits(e spec.Edition, editions map[string]spec.Edition) {
	if _, ok := editions[e.Inherits.Name]; !ok {
		var en []string
		for n := range editions {
			en = append(en, n)
		}
		sort.Strings(en)
		l.errorf(e.Inherits.Range.Ptr(), "Unknown edition", "Edition %q inherits %q, which is not declared in editions/.%s", e.Name, e.Inherits.Name, didYouMean(e.Inherits.Name, en))
	} else if cyc := inheritCycle(e.Name, editions); cyc != nil && slices.Min(cyc) == e.Name {
		// Every edition of the loop would find it: it is reported once, on the one whose
		// name sorts first.
		l.errorf(e.Inherits.Range.Ptr(), "Inheritance cycle", "Edition %q inherits from itself: %s. Remove one of these inherits.", e.Name, strings.Join(cyc, " -> "))
	}
}

// checkDefaultSkin compares without case, since MediaWiki lowercases skin keys.
func (l *loader) checkDefaultSkin(e spec.Edition, skins []string) {
	for _, s := range skins {
		if strings.EqualFold(s, e.DefaultSkin) {
			return
		}
	}
	rng := e.DeclRange
	if r, ok := l.defaultSkin[e.DeclRange]; ok {
		rng = r
	}
	l.errorf(rng.Ptr(), "Unknown default skin", "default_skin %q is not a skin any recipe declares.%s", e.DefaultSkin, didYouMean(e.DefaultSkin, skins))
}

func (l *loader) checkRefs(refs []spec.Ref, k spec.Kind, names []string) {
	sort.Strings(names)
	for _, r := range refs {
		if !contains(names, r.Name) {
			l.errorf(r.Range.Ptr(), "Unknown "+string(k), "No recipe declares %s %q (recipes are read from recipes/*.hcl).%s", k, r.Name, didYouMean(r.Name, names))
		}
	}
}

// inheritCycle returns the loop that start's inheritance chain runs into, if it comes back to start.
func inheritCycle(start string, editions map[string]spec.Edition) []string {
	chain := []string{start}
	seen := map[string]bool{start: true}
	cur := editions[start]
	for cur.Inherits != nil {
		next := cur.Inherits.Name
		chain = append(chain, next)
		if next == start {
			return chain
		}
		if seen[next] {
			return nil // a loop that does not include start; reported on its own members
		}
		seen[next] = true
		var ok bool
		if cur, ok = editions[next]; !ok {
			return nil
		}
	}
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// DidYouMean is " Did you mean "X"?" with the known name closest to given, or "" when
// none is close: the hint every diagnostic about an unknown name ends with.
func DidYouMean(given string, known []string) string { return didYouMean(given, known) }

// didYouMean suggests the closest known name, in the words HCL itself uses.
func didYouMean(given string, known []string) string {
	best, bestDist := "", 4
	for _, k := range known {
		d := levenshtein.Distance(strings.ToLower(given), strings.ToLower(k), nil)
		if d < bestDist || (d == bestDist && best != "" && k < best) {
			best, bestDist = k, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}
