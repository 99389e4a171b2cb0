#!/usr/bin/env bash
# make bench: the build graph on the real MediaWiki 1.39.17 tree (three editions, 34
# components, 319 MB). Each scenario runs 3 times; the table gives the median wall time and
# the median peak RSS (GNU time), next to a baseline run in the same loop: GNU tar unpacking
# the same release and sha256sum hashing every file, which is the least any tool must do to
# know a source tree's contents.
set -euo pipefail
bin=$(realpath "${1:?usage: $0 path/to/mwedition}")
runs=${BENCH_RUNS:-3}
src=${MWEDITION_CACHE:?set MWEDITION_CACHE to the cache make corpus filled}
sha=2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/.."

measure() { # name, command...: appends "wall rss" to $work/<name>
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" "$work/t"; exit 1; }
  tail -n 1 "$work/t" >> "$work/$name"
}

project() { # a copy of the shipped project
  rm -rf "$work/p" && mkdir -p "$work/p" && cp -r recipes editions editions.lock "$work/p/"
}

seed() { # a cache holding only the release and its signature
  rm -rf "$work/c" && mkdir -p "$work/c" && cp -r "$src/blobs" "$src/urls" "$work/c/"
}

for i in $(seq "$runs"); do
  echo "run $i/$runs" >&2
  rm -rf "$work/x" && mkdir "$work/x"
  measure baseline bash -c "tar -xzf '$src/blobs/sha256/$sha' -C '$work/x' && find '$work/x' -type f -print0 | xargs -0 -n 500 sha256sum > /dev/null"
  project; seed
  mw=("$bin" -C "$work/p" --cache "$work/c" --offline --quiet)
  measure cold "${mw[@]}" build --format tree
  measure noop "${mw[@]}" build --format tree
  # One component changed: Scribunto's recipe drops one more file, so its tree (and every
  # edition holding it) changes while the other 33 components stay as they were.
  sed -i 's|exclude = \["includes/engines/LuaStandalone/binaries"\]|exclude = ["includes/engines/LuaStandalone/binaries", "CODE_OF_CONDUCT.md"]|' "$work/p/recipes/extensions.hcl"
  "${mw[@]}" lock
  measure onechanged "${mw[@]}" build --format tree
  # Packages: every .deb and .rpm of the three editions (37 of each) from the trees built
  # above, then nothing to do, then the same Scribunto change again.
  measure packages "${mw[@]}" build --format deb,rpm
  measure pkgnoop "${mw[@]}" build --format deb,rpm
  sed -i 's|"CODE_OF_CONDUCT.md"\]|"CODE_OF_CONDUCT.md", "COPYING"]|' "$work/p/recipes/extensions.hcl"
  "${mw[@]}" lock
  measure pkgonechanged "${mw[@]}" build --format deb,rpm
  # Release tarballs (.tar.gz and .tar.xz of the three editions, from shared per-component
  # segments) and OCI images (one layer per component, no base), next to GNU tar gzipping
  # the unpacked release once, in the same loop.
  measure targz bash -c "tar -czf '$work/release.tar.gz' -C '$work/x' ."
  measure tarballs "${mw[@]}" build --format tarball
  measure images "${mw[@]}" build --format image
  measure artnoop "${mw[@]}" build --format tarball,image
done
tars=$(du -cb "$work/p/out/tarballs/"*.tar.* | tail -n 1 | cut -f1)
oci=$(du -sb "$work/p/out/oci" | cut -f1)
debs=$(du -cb "$work/p/out/deb/"*.deb | tail -n 1 | cut -f1)
rpms=$(du -cb "$work/p/out/rpm/"*.rpm | tail -n 1 | cut -f1)

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v c="$2" '{print $c}' "$work/$1" | median; }
base=$(col baseline 1)
printf '\n%-34s %10s %12s %14s\n' scenario "wall (s)" "vs baseline" "peak RSS (MB)"
for s in baseline cold noop onechanged packages pkgnoop pkgonechanged targz tarballs images artnoop; do
  w=$(col $s 1); m=$(col $s 2)
  case $s in
    baseline) label="baseline: tar -xzf + sha256sum" ;;
    cold) label="cold build (warm source cache)" ;;
    noop) label="no-op build" ;;
    onechanged) label="one component changed" ;;
    packages) label="37 .deb + 37 .rpm (trees built)" ;;
    pkgnoop) label="packages, nothing changed" ;;
    pkgonechanged) label="packages, one component changed" ;;
    targz) label="tar -czf of the release" ;;
    tarballs) label="6 tarballs (3 editions, gz+xz)" ;;
    images) label="3 OCI images (out/oci)" ;;
    artnoop) label="tarballs + images, nothing changed" ;;
  esac
  printf '%-34s %10s %12s %14s\n' "$label" "$w" "$(awk -v w="$w" -v b="$base" 'BEGIN{printf "%.2fx", w/b}')" "$(awk -v m="$m" 'BEGIN{printf "%.0f", m/1024}')"
done
echo "(median of $runs runs; $(nproc) cores)"
printf 'package output: %s MB of .deb, %s MB of .rpm\n' "$(awk -v b="$debs" 'BEGIN{printf "%.1f", b/1e6}')" "$(awk -v b="$rpms" 'BEGIN{printf "%.1f", b/1e6}')"
printf 'tarballs: %s MB in 6 files; out/oci: %s MB for 3 editions\n' "$(awk -v b="$tars" 'BEGIN{printf "%.1f", b/1e6}')" "$(awk -v b="$oci" 'BEGIN{printf "%.1f", b/1e6}')"
