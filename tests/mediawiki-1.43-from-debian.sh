#!/usr/bin/env bash
# Puts the 1.43 line's core, Debian trixie's orig tarball of MediaWiki 1.43.9, into
# mwedition's cache straight from deb.debian.org, for a line that has no editions.lock yet
# (once it has one, `mwedition -C lines/1.43 fetch` does the same and more). The URL and
# sha256 are read from lines/1.43/recipes/core.hcl, so the two cannot drift apart; the cache
# refuses the file unless it has that sha256 (tests/debian_sources_test.go checks the sha256
# against Debian's signed archive).
#
# Usage: tests/mediawiki-1.43-from-debian.sh MWEDITION_BINARY
set -euo pipefail

bin=${1:?usage: $0 path/to/mwedition}
recipe=$(dirname "$0")/../lines/1.43/recipes/core.hcl
url=$(sed -n 's/^ *url *= *"\(.*\)"/\1/p' "$recipe")
sha=$(sed -n 's/^ *sha256 *= *"\([0-9a-f]\{64\}\)"/\1/p' "$recipe")
if [ -z "$url" ] || [ -z "$sha" ] || [ "$(echo "$url" | wc -l)" != 1 ]; then
  echo "$recipe: want one url and one sha256" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
curl -fsSL --retry 3 -o "$work/${url##*/}" "$url"
"$bin" cache add --sha256 "$sha" "$work/${url##*/}"
