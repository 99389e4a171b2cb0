// Package spec holds the decoded form of mwedition's HCL manifests: component recipes
// (core, extensions, skins and where their sources come from) and editions (which
// components make up a release, and which outputs to produce). The types are plain values
// that keep the source range of every declaration, so later stages can point a user at the
// line that caused a problem. Nothing here does I/O.
package spec

import (
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"
)

// Kind is the kind of a component.
type Kind string

// The component kinds a recipe can declare.
const (
	Core      Kind = "core"
	Extension Kind = "extension"
	Skin      Kind = "skin"
)

// LibraryKind is the kind of a composer library an edition ships. No recipe declares one as
// a component: the lock chooses it (library "vendor/name" blocks only override where it
// comes from), and it is installed below LibraryDir as vendor/name.
const LibraryKind Kind = "library"

// LibraryDir is where an edition's composer libraries and their autoloader sit inside a
// MediaWiki tree: apart from core's vendor/, which stays as released.
const LibraryDir = "vendor-libs"

// Kinds lists the component kinds in declaration order.
var Kinds = []Kind{Core, Extension, Skin}

// SourceKind says where a component's files come from.
type SourceKind string

// The source kinds a recipe can use.
const (
	Tarball SourceKind = "tarball"
	Git     SourceKind = "git"
	Dir     SourceKind = "dir"
	Bundled SourceKind = "bundled"
)

// SourceKinds lists the source kinds, for suggestions in errors.
var SourceKinds = []SourceKind{Tarball, Git, Dir, Bundled}

// Source is a component's source block.
type Source struct {
	Kind      SourceKind
	URL       string // tarball, git
	SHA256    string // tarball: lowercase hex
	Signature string // tarball: URL of a detached OpenPGP signature, optional
	Keyring   string // tarball: keyring path as written, relative to the recipe's directory
	KeyFile   string // tarball: keyring path resolved against the project root (slash-separated, relative)
	Ref       string // git: branch, tag or commit
	Path      string // dir: directory relative to the project root; bundled: sub-tree of the core source
	Core      string // bundled: name of the core component whose source holds this one
	Range     hcl.Range
	// Attrs are the ranges of the attribute values as written, by name ("sha256", "ref"):
	// a diagnostic about one of them points at its line.
	Attrs map[string]hcl.Range
	// Patches apply in order to the unpacked source, before any tree is cut from it: a
	// core tarball's reach the components bundled in it.
	Patches []Patch
}

// Patch is one patch block: a patch file of the project, pinned by sha256.
type Patch struct {
	Path      string // relative to the project root, slash-separated
	SHA256    string
	Strip     int      // leading path components removed, as patch -p does
	CVEs      []string // declared; the patch's own subject and body add theirs
	Embargoed bool     // not public yet: what contains it must not be published openly
	Range     hcl.Range
}

// Component is one recipe declaration: a core, an extension or a skin.
type Component struct {
	Kind    Kind
	Name    string   // also the directory name under extensions/ or skins/
	Version string   // core only: the release version
	Exclude []string // glob patterns of paths left out of the normalised tree
	Epoch   uint     // of its packages' versions; 0: none
	Source  Source
	// Systems are the system packages it needs, one per distribution, sorted by Distro.
	Systems []System
	// Settings point the component at those packages; every edition holding it sets them
	// before its own, sorted by name.
	Settings  []Setting
	DeclRange hcl.Range
}

// The distributions a system block may name. Debian's names are for .deb packages and
// images on Debian, Fedora's for .rpm packages.
const (
	Debian = "debian"
	Fedora = "fedora"
)

// SystemDistros lists the distributions of system blocks.
var SystemDistros = []string{Debian, Fedora}

// System is one system block: the packages of a distribution a component needs to work
// (Depends) or works better with (Recommends). Each element is one requirement, its
// alternatives separated by " | " in order of preference: "lua5.1 | php-luasandbox".
type System struct {
	Distro     string
	Depends    []string
	Recommends []string
	// Settings replace the component's settings of the same name in this distribution's
	// packages, where its binaries sit elsewhere (Fedora's /usr/bin/lua-5.1).
	Settings []Setting
	Range    hcl.Range
}

// Alternatives splits a requirement into its alternatives.
func Alternatives(req string) []string {
	parts := strings.Split(req, "|")
	for i, p := range parts {
		parts[i] = strings.TrimSpace(p)
	}
	return parts
}

// System returns the component's system block for distro, if it has one.
func (c Component) System(distro string) (System, bool) {
	for _, s := range c.Systems {
		if s.Distro == distro {
			return s, true
		}
	}
	return System{}, false
}

// ID is the component's unique identifier, "<kind>/<name>".
func (c Component) ID() string { return ID(c.Kind, c.Name) }

// ID builds a component identifier.
func ID(k Kind, name string) string { return string(k) + "/" + name }

// Ref is a name written in an edition, with the range where it was written.
type Ref struct {
	Name  string
	Range hcl.Range
}

// Setting is one extra configuration variable an edition sets in its settings file. Name
// is the variable without '$' (wgEnableUploads), or one element of an array variable,
// keyed as PHP writes it without quotes (wgDefaultUserOptions[math]), so that a setting
// does not replace core's whole array.
type Setting struct {
	Name      string
	Value     cty.Value
	Range     hcl.Range // the value
	NameRange hcl.Range // the name, where a diagnostic about the name points
}

// Variable is the configuration variable the setting assigns to: the name before any key.
func (s Setting) Variable() string {
	v, _, _ := strings.Cut(s.Name, "[")
	return v
}

// Keys are the array keys of a keyed setting, outermost first; none for a whole variable.
func (s Setting) Keys() []string {
	_, rest, ok := strings.Cut(s.Name, "[")
	if !ok {
		return nil
	}
	return strings.Split(strings.TrimSuffix(rest, "]"), "][")
}

// Output asks for one artifact format of an edition.
type Output struct {
	Format      string // deb, rpm, tarball, image
	Compression []string
	Base        string
	BaseRange   hcl.Range // the base's value; Range when it is not given
	Tags        []string
	PHP         string // PHP version of the target, for platform.php checks
	Range       hcl.Range
}

// Edition is one edition declaration as written; inheritance is applied by resolve.
type Edition struct {
	Name         string
	Title        string
	Version      string
	VersionRange hcl.Range // where version is written (DeclRange when it is not)
	Core         Ref       // defaults to the only core recipe
	Inherits     *Ref
	Extensions   []Ref
	Skins        []Ref
	Remove       []Ref
	DefaultSkin  string
	Settings     []Setting // sorted by name
	Outputs      []Output  // sorted by format
	DeclRange    hcl.Range
}

// Set is everything loaded from a project: recipes and editions, sorted by ID and name.
type Set struct {
	components []Component
	editions   []Edition
	byID       map[string]int
	// repositories are the composer repositories, sorted by name.
	repositories []ComposerRepository
	libraries    []Library       // library recipes, sorted by name
	private      []PrivateTarget // sorted by name
	debian       []DebianBase    // sorted by name
}

// NewSet builds a Set; callers are expected to have rejected duplicates already.
func NewSet(components []Component, editions []Edition) Set {
	cs := append([]Component(nil), components...)
	es := append([]Edition(nil), editions...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID() < cs[j].ID() })
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	by := make(map[string]int, len(cs))
	for i, c := range cs {
		by[c.ID()] = i
	}
	return Set{components: cs, editions: es, byID: by}
}

// Components returns every recipe component, sorted by ID.
func (s Set) Components() []Component { return append([]Component(nil), s.components...) }

// Editions returns every edition, sorted by name.
func (s Set) Editions() []Edition { return append([]Edition(nil), s.editions...) }

// Component looks a component up by ID.
func (s Set) Component(id string) (Component, bool) {
	i, ok := s.byID[id]
	if !ok {
		return Component{}, false
	}
	return s.components[i], true
}

// Edition looks an edition up by name.
func (s Set) Edition(name string) (Edition, bool) {
	for _, e := range s.editions {
		if e.Name == name {
			return e, true
		}
	}
	return Edition{}, false
}
