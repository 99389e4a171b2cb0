#!/usr/bin/env bash
# The pipeline mwedition is measured against (make bench only): what a release manager would
# script today for the same editions, one edition after another, with the usual tools. For
# each edition of a built out/manifest.json: stage its tree from the unpacked release with hard
# links, make one fat .deb and one fat .rpm holding the whole tree with the nfpm CLI, a
# .tar.gz with GNU tar and gzip -n, and a one-layer image with crane append.
#
# usage: baseline.sh NFPM CRANE RELEASE_DIR MANIFEST OUT
#   RELEASE_DIR  the unpacked release (its top directory, holding index.php)
#   MANIFEST     out/manifest.json of an mwedition build: which components each edition has
set -euo pipefail
nfpm=${1:?usage: $0 NFPM CRANE RELEASE_DIR MANIFEST OUT}
crane=${2:?} release=${3:?} manifest=${4:?} out=${5:?}
mkdir -p "$out"
stage=$out/stage
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1765907450}

# "edition version dir dir ..." per line: each member's directory inside the release.
python3 - "$manifest" > "$out/editions" <<'EOF'
import json, sys
m = json.load(open(sys.argv[1]))
dirs = {c["id"]: c["installDir"] for c in m["components"]}
for e in m["editions"]:
    print(e["name"], e["version"], *sorted(dirs[x["id"]] for x in e["members"] if dirs[x["id"]]))
EOF

while read -r name version dirs; do
  rm -rf "$stage" && mkdir -p "$stage"
  # The core without its bundled extensions and skins, then the edition's own.
  for f in "$release"/* "$release"/.[!.]*; do
    [ -e "$f" ] || continue
    case ${f##*/} in extensions|skins) mkdir -p "$stage/${f##*/}" ;; *) cp -al "$f" "$stage/" ;; esac
  done
  for d in $dirs; do cp -al "$release/$d" "$stage/$d"; done

  cat > "$out/nfpm.yaml" <<EOF
name: mediawiki-edition-$name
arch: all
platform: linux
version: $version
maintainer: Release Manager <release@example.org>
description: MediaWiki $name edition
license: GPL-2.0-or-later
contents:
  - src: $stage
    dst: /usr/share/mediawiki
    type: tree
rpm:
  buildhost: build.example.org
EOF
  "$nfpm" pkg --config "$out/nfpm.yaml" --packager deb --target "$out/" >/dev/null
  "$nfpm" pkg --config "$out/nfpm.yaml" --packager rpm --target "$out/" >/dev/null
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --transform "s|^\.|mediawiki-$version|" -C "$stage" -cf - . | gzip -n -6 > "$out/mediawiki-$name-$version.tar.gz"
  tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$SOURCE_DATE_EPOCH" \
    --transform 's|^\.|usr/share/mediawiki|' -C "$stage" -cf - . > "$out/layer.tar"
  "$crane" append --oci-empty-base -f "$out/layer.tar" -t "mediawiki-$name:$version" -o "$out/image-$name.tar" >/dev/null 2>&1
  rm -f "$out/layer.tar"
done < "$out/editions"
rm -rf "$stage"
