package spec

import (
	"sort"

	"github.com/hashicorp/hcl/v2"
)

// ComposerRepository is a composer repository in Packagist's metadata format that the
// editions' composer libraries are chosen from. Repositories are searched in name order,
// and the first that has a library is the only one used for it, as composer does.
type ComposerRepository struct {
	Name      string
	URL       string
	URLRange  hcl.Range
	DeclRange hcl.Range
}

// ComposerRepositoryBlock documents composer_repository.
var ComposerRepositoryBlock = Block{
	Type: "composer_repository", Labels: []string{"name"},
	Doc: "A composer repository in Packagist's metadata format (`packages.json` and " +
		"`p2/<vendor>/<name>.json`, as Packagist, Satis and Private Packagist serve them), " +
		"searched for the libraries the editions' components require in their `composer.json`. " +
		"Only declared repositories are searched: packagist.org too must be declared to be used. " +
		"Several are searched in name order, and the first that has a library is the only one " +
		"used for it, as composer's canonical repositories are. `mwedition lock` pins each chosen " +
		"library's dist archive by sha256 (computed from the download when the repository gives " +
		"none) and keeps it until `mwedition lock --update vendor/name`.",
	Attributes: []Attribute{
		{Name: "url", Type: "string", Required: true, Doc: "The repository's directory, holding `packages.json`: an `https`, `http` or `file://` URL.",
			Example: `url = "https://repo.packagist.org"`},
	},
	Example: `composer_repository "packagist" {
  url = "https://repo.packagist.org"
}`,
}

// WithComposerRepositories returns s with repositories, sorted by name.
func (s Set) WithComposerRepositories(rs []ComposerRepository) Set {
	s.repositories = append([]ComposerRepository(nil), rs...)
	sort.Slice(s.repositories, func(i, j int) bool { return s.repositories[i].Name < s.repositories[j].Name })
	return s
}

// ComposerRepositories returns the declared composer repositories, sorted by name.
func (s Set) ComposerRepositories() []ComposerRepository {
	return append([]ComposerRepository(nil), s.repositories...)
}

// Library is an explicit library recipe: one version of a composer library from a git,
// tarball or dir source, which overrides every composer repository for that name.
type Library struct {
	Name      string // vendor/name, lower-case
	Version   string // the version composer's constraints are checked against
	Source    Source
	DeclRange hcl.Range
}

// LibraryBlock documents library.
var LibraryBlock = Block{
	Type: "library", Labels: []string{"name"},
	Doc: "A composer library from a source of its own, overriding every composer repository " +
		"for that name: a fork, a patched release, or a library no repository serves. Its " +
		"requirements are read from its `composer.json`; `mwedition lock` pins its source as " +
		"it pins a component's. It holds exactly one source block: `git`, `tarball` or `dir`.",
	Attributes: []Attribute{
		{Name: "version", Type: "string", Required: true, Doc: "The version the library is, as composer writes versions: requirements on it are checked against this.",
			Example: `version = "1.0.2"`},
	},
	Blocks: []Block{TarballSource, GitSource, DirSource},
	Example: `library "jumbojett/openid-connect-php" {
  version = "1.0.2"
  source "git" {
    url = "https://github.com/jumbojett/OpenID-Connect-PHP"
    ref = "v1.0.2"
  }
}`,
}

// WithLibraries returns s with library recipes, sorted by name.
func (s Set) WithLibraries(ls []Library) Set {
	s.libraries = append([]Library(nil), ls...)
	sort.Slice(s.libraries, func(i, j int) bool { return s.libraries[i].Name < s.libraries[j].Name })
	return s
}

// Libraries returns the library recipes, sorted by name.
func (s Set) Libraries() []Library { return append([]Library(nil), s.libraries...) }
