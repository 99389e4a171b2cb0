package spec

import "github.com/hashicorp/hcl/v2"

// The manifests' schema, documented: every block and attribute a manifest may hold, what
// it means, what it may be and an example. internal/load decodes the manifests with the
// hcl.BodySchema derived from it (Block.Schema), and docs/reference.md is rendered from it
// (Reference), so the two cannot disagree about which blocks and attributes exist.

// Attribute documents one attribute of a block.
type Attribute struct {
	Name     string
	Type     string // in HCL's words: string, list(string), map(any)
	Required bool
	Default  string   // what leaving the attribute out means; "" when Required
	Values   []string // the allowed values, when they are a fixed set
	Doc      string
	Example  string // the attribute as written in a manifest
}

// Block documents one kind of block: a top-level declaration, or a block nested in one.
type Block struct {
	Type   string
	Labels []string // the labels' names: core "NAME" has {"name"}
	// Label is the first label's value for the variants of one block type that take
	// different attributes: source "tarball" and source "git", output "deb" and output "rpm".
	Label      string
	Doc        string
	Attributes []Attribute
	Blocks     []Block // the blocks its body may hold
	Example    string  // the whole block as written in a manifest
}

// File documents a kind of manifest file and the blocks it holds.
type File struct {
	Glob   string // "recipes/*.hcl"
	Doc    string
	Blocks []Block
	// AnchorPrefix keeps the reference's links to this file's blocks apart from another
	// file's blocks of the same type.
	AnchorPrefix string
}

// Schema is the hcl.BodySchema of a body holding any of blocks: their attributes and the
// headers of their nested blocks, one per block type. An attribute is required only in the
// schema of a single block: a body shared by several kinds (core, extension, skin) leaves
// the check to the loader, which can say which kind needs what.
func Schema(blocks ...Block) *hcl.BodySchema {
	s := &hcl.BodySchema{}
	attrs := map[string]bool{}
	headers := map[string]bool{}
	for _, b := range blocks {
		for _, a := range b.Attributes {
			if !attrs[a.Name] {
				attrs[a.Name] = true
				s.Attributes = append(s.Attributes, hcl.AttributeSchema{Name: a.Name, Required: a.Required && len(blocks) == 1})
			}
		}
		for _, nb := range b.Blocks {
			if !headers[nb.Type] {
				headers[nb.Type] = true
				s.Blocks = append(s.Blocks, hcl.BlockHeaderSchema{Type: nb.Type, LabelNames: nb.Labels})
			}
		}
	}
	return s
}

// Schema is the hcl.BodySchema of the block's body.
func (b Block) Schema() *hcl.BodySchema { return Schema(b) }

// Schema is the hcl.BodySchema of the file's body: its blocks' headers.
func (f File) Schema() *hcl.BodySchema { return Schema(Block{Blocks: f.Blocks}) }

// Compressions are the tarball output's compressions, by file name extension.
var Compressions = []string{"gz", "xz", "zst"}

const excludeDoc = "Paths left out of the component's tree, and so out of every package, tarball and " +
	"image, relative to the component's root. Each is a pattern: segments separated by `/`, " +
	"each a shell glob (`*`, `?`, `[...]`) or `**` for any number of directories; as in " +
	".gitignore, a pattern without a `/` matches that name at any depth. A directory that " +
	"matches is left out with everything in it."

var epochAttr = Attribute{
	Name: "epoch", Type: "number", Default: "0: none",
	Doc: "The epoch of the component's .deb and .rpm versions, for a version that went down: " +
		"Math's own version was 3.0.0 in MediaWiki 1.39 and is gone in 1.43, whose Math is " +
		"packaged as 1.43.9, which sorts below 3.0.0+mw1.39.17. With `epoch = 1` it is " +
		"1:1.43.9, so an upgrade from the older line installs it. Once raised, never lower it.",
	Example: `epoch = 1`,
}

var excludeAttr = Attribute{
	Name: "exclude", Type: "list(string)", Default: "nothing left out", Doc: excludeDoc,
	Example: `exclude = ["includes/engines/LuaStandalone/binaries", "**/*.exe"]`,
}

// The source blocks, one per SourceKind.
var (
	TarballSource = Block{
		Type: "source", Labels: []string{"kind"}, Label: string(Tarball),
		Doc: "A release tarball (gzip, xz, zstd or plain tar), downloaded once into the cache, " +
			"checked against its sha256 (and its detached signature, when given) before anything " +
			"is unpacked, and unpacked through the safe extractor. A single top-level directory " +
			"(`mediawiki-1.39.17/`) is the component's root.",
		Attributes: []Attribute{
			{Name: "url", Type: "string", Required: true, Doc: "Where the tarball is downloaded from: an `https`, `http` or `file://` URL. Offline, `mwedition cache add FILE` provides the same bytes.",
				Example: `url = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"`},
			{Name: "sha256", Type: "string", Required: true, Doc: "The tarball's SHA-256 as `sha256sum` prints it: 64 hexadecimal digits. It pins the bytes: a download with any other digest is refused, and changing it makes the lock stale.",
				Example: `sha256 = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"`},
			{Name: "signature", Type: "string", Default: "no signature check", Doc: "URL of the tarball's detached OpenPGP signature (armored or binary), checked against `keyring` before the tarball is unpacked. Set both `signature` and `keyring`, or neither.",
				Example: `signature = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig"`},
			{Name: "keyring", Type: "string", Default: "no signature check", Doc: "File of armored OpenPGP public keys the signature must verify with, relative to the recipe's directory and inside the project.",
				Example: `keyring = "keys/mediawiki-release.asc"`},
		},
		Blocks: []Block{PatchBlock},
		Example: `source "tarball" {
  url       = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
  sha256    = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
  signature = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig"
  keyring   = "keys/mediawiki-release.asc"
}`,
	}
	GitSource = Block{
		Type: "source", Labels: []string{"kind"}, Label: string(Git),
		Doc: "A git repository, mirrored into the cache. `mwedition lock` pins `ref` to a full " +
			"commit in editions.lock and keeps it until `mwedition lock --update NAME`. The " +
			"component's version is its manifest's (or the core's release, when the manifest has " +
			"none) followed by the commit's time and hash: `7.3.0+git20240611.093000.f7ba032`.",
		Attributes: []Attribute{
			{Name: "url", Type: "string", Required: true, Doc: "The repository: an `https`, `http`, `ssh`, `git` or `file://` URL.",
				Example: `url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth"`},
			{Name: "ref", Type: "string", Required: true, Doc: "A branch, tag or commit. Extensions follow MediaWiki's release branches: `REL1_39` for 1.39.",
				Example: `ref = "REL1_39"`},
		},
		Blocks: []Block{PatchBlock},
		Example: `source "git" {
  url = "https://gerrit.wikimedia.org/r/mediawiki/extensions/PluggableAuth"
  ref = "REL1_39"
}`,
	}
	DirSource = Block{
		Type: "source", Labels: []string{"kind"}, Label: string(Dir),
		Doc: "A directory of the project, for a component developed alongside it. `mwedition " +
			"lock` records its tree digest; `.git` is left out.",
		Attributes: []Attribute{
			{Name: "path", Type: "string", Required: true, Doc: "The directory, relative to the recipe's directory and inside the project.",
				Example: `path = "../local/MyExtension"`},
		},
		Blocks:  []Block{PatchBlock},
		Example: `source "dir" { path = "../local/MyExtension" }`,
	}
	BundledSource = Block{
		Type: "source", Labels: []string{"kind"}, Label: string(Bundled),
		Doc: "A sub-tree of a core's source: the extensions and skins a MediaWiki release " +
			"tarball bundles. The core's own tree leaves the sub-tree out, so each bundled " +
			"component is a package of its own.",
		Attributes: []Attribute{
			{Name: "path", Type: "string", Required: true, Doc: "The sub-tree, relative to the core's root.", Example: `path = "extensions/Cite"`},
			{Name: "core", Type: "string", Default: "the only core recipe", Doc: "The name of the core recipe whose source holds the sub-tree; needed only when there are several.", Example: `core = "mediawiki"`},
		},
		Blocks:  []Block{PatchBlock},
		Example: `source "bundled" { path = "extensions/Cite" }`,
	}
)

// PatchBlock is a patch applied to a source.
var PatchBlock = Block{
	Type: "patch", Labels: []string{"file"},
	Doc: "A patch file of the project (`git format-patch`, `git diff` or a unified diff), " +
		"relative to the recipe's directory, applied to the unpacked source before any tree is " +
		"cut from it: a patch on a core's tarball reaches the extensions bundled in it, one on a " +
		"`bundled` source applies inside that component's directory. Patches apply in order, " +
		"each exactly (no fuzz) but at any offset, as dpkg-source applies Debian's; one already " +
		"in the source (its reverse applies) is reported as such, so that it can be dropped; " +
		"one that applies neither way fails the lock and the build, naming the file and the hunk. " +
		"A patched component's version gains `+pN`, N the number of patches that changed it, so " +
		"that it sorts after the release and before the next one in dpkg, rpm and composer.",
	Attributes: []Attribute{
		{Name: "sha256", Type: "string", Required: true, Doc: "The patch file's SHA-256, as `sha256sum` prints it: a file with any other digest is refused.",
			Example: `sha256 = "9f2c…"`},
		{Name: "strip", Type: "number", Default: "1 (as patch -p1: drops the a/ and b/ of git diffs)", Doc: "Leading path components removed from the patch's paths.", Example: `strip = 1`},
		{Name: "cve", Type: "list(string)", Default: "the CVE identifiers the patch's subject and message name", Doc: "CVE identifiers the patch fixes, added to those its text names. They are listed in the SBOM, the provenance, manifest.json, the packages' changelogs and `diff`'s security fixes.",
			Example: `cve = ["CVE-2026-34092"]`},
		{Name: "embargoed", Type: "bool", Default: "false", Doc: "The fix is not public yet. Every artifact that contains it is marked embargoed, and `publish` refuses every target no `private_target` block declares.",
			Example: `embargoed = true`},
	},
	Example: `patch "../patches/0003-CVE-2026-34092.patch" {
  sha256 = "…"
}`,
}

const settingsDoc = "Configuration variables, by name without `$` (`wgEnableUploads`). Each value " +
	"becomes the PHP literal of the same shape: a string, a number (a 64-bit float, as PHP's), " +
	"`true`/`false`, `null`, a list `[...]` (a PHP list) or an object `{ key = value }` (an " +
	"associative array), nested as deep as needed. A name may set one element of an array " +
	"instead of the whole array: `\"wgDefaultUserOptions[math]\"` becomes " +
	"`$wgDefaultUserOptions['math'] = ...;`, keeping core's other defaults. Every name must be a " +
	"configuration variable of MediaWiki or of a component of the edition."

// SystemBlock is a component's system packages on one distribution.
var SystemBlock = Block{
	Type: "system", Labels: []string{"distribution"},
	Doc: "The packages of a distribution the component needs: `debian` names are written into " +
		"its .deb (and an image base's package set), `fedora` names into its .rpm. Each element " +
		"is one requirement; alternatives are separated by `|`, preferred first (`\"lua5.1 | " +
		"php-luasandbox\"`), and become an RPM rich dependency `(a or b)`. The SBOM lists them " +
		"and `diff` reports them under OS packages. Names are package names only, no versions.",
	Attributes: []Attribute{
		{Name: "depends", Type: "list(string)", Default: "nothing", Doc: "What the component cannot work without: the package's Depends (Requires in an .rpm).",
			Example: `depends = ["lua5.1"]`},
		{Name: "recommends", Type: "list(string)", Default: "nothing", Doc: "What it works better with, installed by default but removable: the package's Recommends (a weak dependency in an .rpm).",
			Example: `recommends = ["poppler-utils"]`},
		{Name: "settings", Type: "map(any)", Default: "the component's own settings", Doc: "Settings that replace the component's settings of the same name in this distribution's packages, where a binary sits elsewhere. Tarballs and images get the component's own.",
			Example: "settings = {\n  wgScribuntoEngineConf = { luastandalone = { luaPath = \"/usr/bin/lua-5.1\" } }\n}"},
	},
	Example: `system "debian" {
  depends    = ["lua5.1"]
  recommends = ["php-luasandbox"]
}`,
}

var componentSettingsAttr = Attribute{
	Name: "settings", Type: "map(any)", Default: "no settings",
	Doc: "Settings that point the component at its system packages, set in the `EditionSettings.php` of " +
		"every edition holding it, before the edition's own settings (which may override them). " + settingsDoc,
	Example: `settings = { wgPygmentizePath = "/usr/bin/pygmentize" }`,
}

// Sources are the source blocks by kind.
var Sources = map[SourceKind]Block{Tarball: TarballSource, Git: GitSource, Dir: DirSource, Bundled: BundledSource}

// The component blocks of recipes.
var (
	CoreBlock = Block{
		Type: string(Core), Labels: []string{"name"},
		Doc: "MediaWiki itself, at one release: the `mediawiki-core` package. The name is how " +
			"editions (`core`) and bundled sources (`core`) refer to it; a project usually has " +
			"one, named `mediawiki`. It holds exactly one source block: `tarball`, `git` or `dir`.",
		Attributes: []Attribute{
			{Name: "version", Type: "string", Required: true, Doc: "The release, as in the tarball's name: a digit, then digits, letters, `.`, `+` and `~`. It is the core package's version.", Example: `version = "1.39.17"`},
			excludeAttr, epochAttr, componentSettingsAttr,
		},
		Blocks: []Block{TarballSource, GitSource, DirSource, SystemBlock},
		Example: `core "mediawiki" {
  version = "1.39.17"
  source "tarball" {
    url       = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz"
    sha256    = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"
    signature = "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig"
    keyring   = "keys/mediawiki-release.asc"
  }
}`,
	}
	ExtensionBlock = Block{
		Type: string(Extension), Labels: []string{"name"},
		Doc: "An extension: the name is its directory under `extensions/`, which " +
			"`wfLoadExtension` is given (`SyntaxHighlight_GeSHi`, not `SyntaxHighlight`): letters, " +
			"digits, `_`, `.` and `-`. It is packaged as `mediawiki-extension-<name in lower case>`; " +
			"its licence and requirements are read from its `extension.json`, and so is its " +
			"version, or, when it declares none (as most bundled extensions), the core's release " +
			"is its version. It holds " +
			"exactly one source block: `bundled`, `git`, `tarball` or `dir`.",
		Attributes: []Attribute{excludeAttr, epochAttr, componentSettingsAttr},
		Blocks:     []Block{TarballSource, GitSource, DirSource, BundledSource, SystemBlock},
		Example: `extension "Scribunto" {
  source "bundled" { path = "extensions/Scribunto" }
  exclude = ["includes/engines/LuaStandalone/binaries"]
  settings = {
    wgScribuntoEngineConf = { luastandalone = { luaPath = "/usr/bin/lua5.1" } }
  }
  system "debian" { depends = ["lua5.1"] }
  system "fedora" {
    depends  = ["compat-lua"]
    settings = {
      wgScribuntoEngineConf = { luastandalone = { luaPath = "/usr/bin/lua-5.1" } }
    }
  }
}`,
	}
	SkinBlock = Block{
		Type: string(Skin), Labels: []string{"name"},
		Doc: "A skin: the name is its directory under `skins/`, which `wfLoadSkin` is given. " +
			"It is packaged as `mediawiki-skin-<name in lower case>`; its version, licence and " +
			"requirements are read from its `skin.json`, as an extension's are from its " +
			"`extension.json`. It holds exactly one source block, as an extension does.",
		Attributes: []Attribute{excludeAttr, epochAttr, componentSettingsAttr},
		Blocks:     []Block{TarballSource, GitSource, DirSource, BundledSource, SystemBlock},
		Example: `skin "Vector" {
  source "bundled" { path = "skins/Vector" }
}`,
	}
)

// RecipeFiles are the recipes: where each component's files come from.
var RecipeFiles = File{
	Glob: "recipes/*.hcl",
	Doc: "Recipes say where each component's files come from. The blocks may be spread over " +
		"any number of files; paths in a recipe are relative to its file's directory and may " +
		"not leave the project.",
	Blocks: []Block{CoreBlock, ExtensionBlock, SkinBlock, ComposerRepositoryBlock, LibraryBlock, PrivateTargetBlock, DebianBaseBlock},
}

// outputDocs say what each output format makes; a test holds them to OutputFormats.
var outputDocs = map[string]string{
	FormatDeb: "Debian packages, into `out/deb`: one `.deb` per component (shared by every edition " +
		"holding it) and a meta-package `mediawiki-edition-<name>` that depends on the exact " +
		"component versions and conflicts with the other editions. Publish them with " +
		"`mwedition publish --apt DIR`.",
	FormatRPM: "RPM packages, into `out/rpm`: one `.rpm` per component and a meta-package per " +
		"edition, as for `deb`. `--sign-key` signs them; publish them with `mwedition publish --dnf DIR`.",
	FormatTarball: "Release tarballs laid out like MediaWiki's own, into `out/tarballs`: " +
		"`mediawiki-<edition>-<version>.tar.<compression>`, one per compression, with `SHA256SUMS`.",
	FormatImage: "An OCI image, into the image layout `out/oci`: one layer per component (shared by " +
		"every image), a small edition layer, tagged `<edition>-<tag>` for the edition's version " +
		"and each of `tags`. Push it with `mwedition publish --registry HOST/PREFIX`.",
}

// outputAttributes document the attributes output blocks take (OutputFormat.Attributes);
// a test holds them to OutputFormats.
var outputAttributes = map[string]Attribute{
	"php": {Name: "php", Type: "string", Doc: "The PHP branch the target runs, `MAJOR.MINOR`: every member's `requires.platform.php` in its `extension.json` must accept it, as MediaWiki checks when it loads the extension.",
		Example: `php = "8.2"`},
	"compression": {Name: "compression", Type: "list(string)", Values: Compressions, Default: "`[\"gz\"]`: a .tar.gz only",
		Doc:     "The tarballs to make, one per compression: `gz` (gzip), `xz` or `zst` (zstd). Each is listed once.",
		Example: `compression = ["gz", "xz"]`},
	"base": {Name: "base", Type: "string", Default: "`scratch`: the code only, for `COPY --from` into an image of your own",
		Doc: "The image the edition's layers go on: `REGISTRY/REPO@sha256:...` (a registry image, pinned by digest; tags are refused), " +
			"`oci:DIR[:NAME]` (an image in an OCI layout), `docker-archive:FILE` (what `docker save` writes), " +
			"`rootfs:FILE.tar[.gz]` (a root file system, as one layer), `debian:NAME` (the root of the `debian_base` block NAME, installed " +
			"offline from the .debs `editions.lock` pins, as three layers every edition on it shares) or `scratch`. `build --image-base` overrides it for every edition.",
		Example: `base = "rootfs:bookworm.tar"`},
	"tags": {Name: "tags", Type: "list(string)", Default: "the edition's version only",
		Doc:     "Tags of the image besides the edition's version (which is always one): letters, digits, `_`, `.` and `-`, at most 128, not starting with `.` or `-`. Each becomes `<edition>-<tag>` in `out/oci`.",
		Example: `tags = ["1.39", "latest"]`},
}

// OutputBlock documents the output block of one format.
func OutputBlock(f OutputFormat) Block {
	b := Block{Type: "output", Labels: []string{"format"}, Label: f.Name, Doc: outputDocs[f.Name]}
	example := ""
	for _, name := range f.Attributes {
		a := outputAttributes[name]
		if name == "php" {
			a.Default = "`" + f.DefaultPHP + "`"
		}
		b.Attributes = append(b.Attributes, a)
		if example == "" && name != "php" {
			example = " " + a.Example + " "
		}
	}
	b.Example = `output "` + f.Name + `" {` + example + `}`
	return b
}

// OutputBlocks document every format's output block, in OutputFormats' order.
func OutputBlocks() []Block {
	out := make([]Block, len(OutputFormats))
	for i, f := range OutputFormats {
		out[i] = OutputBlock(f)
	}
	return out
}

// EditionBlock is an edition.
var EditionBlock = Block{
	Type: "edition", Labels: []string{"name"},
	Doc: "One edition: a core, extensions and skins at the versions editions.lock pins, built " +
		"into the formats its output blocks ask for. The name is lower-case letters, digits and " +
		"`-`, starting with a letter or digit: it is part of package names " +
		"(`mediawiki-edition-<name>`), tarball names and image tags. Whatever a member's " +
		"`extension.json` requires is added too, and `mwedition plan` says why.",
	Attributes: []Attribute{
		{Name: "title", Type: "string", Required: true, Doc: "A human-readable name, for package descriptions and image labels.", Example: `title = "MediaWiki Enterprise"`},
		{Name: "version", Type: "string", Required: true, Doc: "The edition's own version: a digit, then digits, letters, `.`, `+` and `~`. By convention the core's release and a fourth number raised whenever the members change, since the same version must always mean the same bytes.", Example: `version = "1.39.17.1"`},
		{Name: "core", Type: "string", Default: "the only core recipe", Doc: "The name of the core recipe the edition is built on; needed only when the recipes declare several.", Example: `core = "mediawiki"`},
		{Name: "inherits", Type: "string", Default: "nothing inherited", Doc: "Another edition to start from: its extensions and skins (after its own removals), its default skin and its settings, which this edition's own override. Output blocks are not inherited. Inheritance may chain, but not loop.", Example: `inherits = "knowledge-base"`},
		{Name: "extensions", Type: "list(string)", Default: "none besides what is inherited or required", Doc: "Extensions, by recipe name. Each is listed once.", Example: `extensions = ["Cite", "ParserFunctions", "Scribunto"]`},
		{Name: "skins", Type: "list(string)", Default: "none besides what is inherited or required", Doc: "Skins, by recipe name. Each is listed once.", Example: `skins = ["MonoBook", "Vector"]`},
		{Name: "remove", Type: "list(string)", Default: "nothing removed", Doc: "Inherited extensions or skins to leave out. Removing one that another member requires is an error; removing one that is not inherited has no effect and gets a warning.", Example: `remove = ["Math", "SpamBlacklist"]`},
		{Name: "default_skin", Type: "string", Default: "the inherited one, else MediaWiki's own (`vector`)", Doc: "The skin `$wgDefaultSkin` names: a skin a recipe declares, in any case (MediaWiki lower-cases skin keys).", Example: `default_skin = "vector"`},
		{Name: "settings", Type: "map(any)", Default: "no settings besides the inherited ones", Doc: "Configuration variables the edition's `EditionSettings.php` sets, after those of its components' recipes. " + settingsDoc,
			Example: "settings = {\n  wgEnableUploads           = true\n  wgPasswordAttemptThrottle = [{ count = 5, seconds = 300 }]\n}"},
	},
	Blocks: OutputBlocks(),
	Example: `edition "enterprise" {
  title    = "MediaWiki Enterprise"
  version  = "1.39.17.1"
  inherits = "knowledge-base"
  remove   = ["Math", "SpamBlacklist"]
  settings = { wgBlockDisablesLogin = true }
  output "deb" {}
  output "rpm" {}
  output "tarball" { compression = ["gz", "xz"] }
  output "image" { tags = ["1.39"] }
}`,
}

// EditionFiles are the editions: what each release holds and which outputs it gets.
var EditionFiles = File{
	Glob: "editions/*.hcl",
	Doc: "Editions say which components make up each release and which outputs to build. " +
		"Usually one edition per file; every file holds only edition blocks.",
	Blocks: []Block{EditionBlock},
}
