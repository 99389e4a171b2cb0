// Package composer reads composer's metadata and chooses composer libraries
// for an edition the way `composer update --no-dev` would.
//
// It parses three kinds of input: a component's composer.json (ParseManifest),
// a composer repository in Packagist's metadata format (packages.json and
// p2/<vendor>/<name>.json, minified or not, as Packagist, Satis and Private
// Packagist serve them; Repository), and core's vendor/composer/installed.json
// (ParseInstalled), which says which libraries MediaWiki's tarball already
// ships. Resolve then picks one version per library that satisfies every
// requirer and core's vendor, with composer's semantics (internal/semver):
// highest version first, minimum-stability with root stability flags,
// dev- branches and branch aliases, replace, provide and conflict, with
// conflict-directed backjumping where a choice has to be undone. Errors
// name the library, every requirer with its constraint and file:line:col,
// and the chain of requirements back to the extension that pulled it in;
// for a conflict with core's vendor, core's side too.
//
// Composer plugins (type composer-plugin, such as composer/installers, which
// MediaWiki extensions require to be placed under extensions/<Name>) are
// resolved like any requirement, so that their constraints are honoured as
// composer honours them, but are marked Plugin in the result: they run only
// while composer installs, and a build that places extensions itself ships
// none of their code. A MediaWiki extension or skin required through
// composer is marked with the path composer/installers would give it
// (MediaWikiPath): it is a component of the edition, not a library.
//
// The resolver is held to Debian's composer 2.5.5 on real repositories by
// tests/composer_oracle_test.go, and to a brute-force search on small
// generated universes by FuzzResolve.
//
// The package does no I/O of its own: repositories are read through a Fetch
// function given by the caller, and nothing is printed.
package composer
