#!/usr/bin/env bash
# Puts the MediaWiki 1.39.17 release tarball and its upstream signature into mwedition's
# cache from Debian's source package, for machines that cannot reach releases.wikimedia.org.
# The orig tarball of Debian's mediawiki 1:1.39.17-1+deb12u2 is the upstream release byte
# for byte (same sha256), and its .asc is the upstream release manager's signature; mwedition
# verifies both whatever the route, so this only changes where the bytes come from.
#
# Usage: tests/mediawiki-from-debian.sh MWEDITION_BINARY   (needs root for apt-get)
set -euo pipefail

bin=${1:?usage: $0 path/to/mwedition}
version=1:1.39.17-1+deb12u2
sha=2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9
sig_url=https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig

if ! apt-cache showsrc mediawiki 2>/dev/null | grep -q '^Version: '"$version"; then
  # Derive deb-src entries from the machine's own deb entries (deb822 and one-line forms).
  src=/etc/apt/sources.list.d/mwedition-deb-src.sources
  : > "$src.tmp"
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -e "$f" ] && [ "$f" != "$src" ] || continue
    grep -q '^URIs:.*debian' "$f" || continue
    sed -n '/^Types:.*deb/,/^$/p' "$f" | sed 's/^Types:.*/Types: deb-src/' >> "$src.tmp"
    echo >> "$src.tmp"
  done
  if [ -f /etc/apt/sources.list ]; then
    grep -E '^deb [^ ]*debian' /etc/apt/sources.list | sed 's/^deb /deb-src /' > /etc/apt/sources.list.d/mwedition-deb-src.list || true
  fi
  mv "$src.tmp" "$src"
  apt-get update -qq
fi

work=$(mktemp -d)
chmod 755 "$work" # apt-get source downloads as the _apt user
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get source --download-only -qq "mediawiki=$version")
"$bin" cache add --sha256 "$sha" "$work/mediawiki_1.39.17.orig.tar.gz"
"$bin" cache add --url "$sig_url" "$work/mediawiki_1.39.17.orig.tar.gz.asc"
