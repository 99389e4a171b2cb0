package composer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/semver"
)

// Pos is where something was written: a file (or URL) and, when known, a
// 1-based line and column.
type Pos struct {
	File      string
	Line, Col int
}

func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}

	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// Link is one entry of require, replace, provide or conflict: a lowercased
// package name and a version constraint.
type Link struct {
	Target     string
	Constraint semver.Constraint
	Pos        Pos // where the link was written; File only, or zero, if unknown
}

func (l Link) String() string { return fmt.Sprintf("%s %q", l.Target, l.Constraint.String()) }

// Autoload is a package's autoload section. Maps go from namespace prefix to
// directories; Classmap and Files list paths. All are in composer.json order
// for lists and sorted by key for maps when iterated by callers.
type Autoload struct {
	PSR4     map[string][]string `json:"psr-4,omitempty"`
	PSR0     map[string][]string `json:"psr-0,omitempty"`
	Classmap []string            `json:"classmap,omitempty"`
	Files    []string            `json:"files,omitempty"`
	Exclude  []string            `json:"exclude-from-classmap,omitempty"`
}

// Dist is where a package's archive is downloaded from. Shasum is composer's
// SHA-1 of the archive (empty on Packagist, where nothing is then verified);
// SHA256 is not part of composer's format but is read when a repository
// gives it.
type Dist struct {
	Type, URL, Reference, Shasum, SHA256 string
}

// Source is the version-control checkout a package can be installed from.
type Source struct {
	Type, URL, Reference string
}

// Package is one version of a package, as a repository, installed.json or a
// component's composer.json (without a version) describes it.
type Package struct {
	Name       string         // lowercased vendor/name
	PrettyName string         // the name as written
	Version    string         // as written ("v1.0.2"); empty for a component's composer.json
	Norm       semver.Version // Version normalized; zero if Version is empty
	Type       string         // "library" when not given
	License    []string

	Require  []Link // libraries, sorted by Target
	Platform []Link // php, ext-*, lib-*, composer-plugin-api ...: sorted by Target
	Replace  []Link
	Provide  []Link
	Conflict []Link
	Autoload Autoload

	Dist   *Dist
	Source *Source

	// BranchAlias is extra.branch-alias: a branch ("dev-main") and the
	// numbered development version it stands for ("1.x-dev").
	BranchAlias map[string]string
	// AliasOf is set on the alias composer makes of a branch through its
	// branch-alias: the branch package it installs.
	AliasOf *Package

	// InstallerName is extra.installer-name, the directory composer/installers
	// gives a MediaWiki extension or skin.
	InstallerName string
	// MinimumStability and PreferStable are root-only settings; read from a
	// component's composer.json and ignored anywhere else, as in composer.
	MinimumStability string
	PreferStable     bool
}

// IsPlugin reports whether p is a composer plugin: code composer runs while
// installing, not a library the application loads.
func (p Package) IsPlugin() bool { return p.Type == "composer-plugin" }

// ID is "name version", for messages.
func (p Package) ID() string {
	if p.Version == "" {
		return p.Name
	}

	return p.Name + " " + p.Version
}

// platformName is composer's PlatformRepository::PLATFORM_PACKAGE_REGEX:
// names the running PHP and composer provide, never a repository.
var platformName = regexp.MustCompile(`(?i)^(?:php(?:-64bit|-ipv6|-zts|-debug)?|hhvm|(?:ext|lib)-[a-z0-9](?:[_.-]?[a-z0-9]+)*|composer(?:-(?:plugin|runtime)-api)?)$`)

// IsPlatform reports whether name is a platform package (php, ext-json,
// lib-curl, composer-plugin-api ...) rather than a library.
func IsPlatform(name string) bool { return platformName.MatchString(name) }

// validName is composer's package name rule (vendor/name, lowercase letters,
// digits and separators), as in its JSON schema.
var validName = regexp.MustCompile(`^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$`)

func sortLinks(links []Link) {
	sort.SliceStable(links, func(i, j int) bool { return links[i].Target < links[j].Target })
}

// stabilityRank is composer's BasePackage::$stabilities.
var stabilityRank = map[string]int{"stable": 0, "patch": 0, "RC": 5, "beta": 10, "alpha": 15, "dev": 20}

// normalizeStability is VersionParser::normalizeStability for a stability
// word, or "" if it is none.
func normalizeStability(s string) string {
	switch s = strings.ToLower(s); s {
	case "stable", "beta", "alpha", "dev":
		return s
	case "rc":
		return "RC"
	}

	return ""
}

func sortSlice[T any](s []T, less func(a, b T) bool) {
	sort.SliceStable(s, func(i, j int) bool { return less(s[i], s[j]) })
}
