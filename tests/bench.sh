#!/usr/bin/env bash
# make bench: mwedition against the fat-package pipeline a release manager would script today
# (tests/baseline.sh: hard-linked staging, nfpm, tar | gzip -n, crane append), on the real
# MediaWiki 1.39.17 release, three editions, one run after the other in the same loop so that
# the machine's noise hits both. Each scenario runs BENCH_RUNS times (default 3); the tables give
# medians of wall time and of peak RSS (GNU time), each marked against issue 7's target; then
# each format's throughput beside its compressor's alone (BenchmarkCompressor), what a user
# downloads per edition against the baseline's files (tests/bench-sizes.py), and a CPU
# profile split by kind of action. The tables are kept in out/bench/summary.txt.
#
# The editions are built as the baseline builds them: .deb, .rpm, .tar.gz and one OCI image
# each (the shipped editions also make .tar.xz; that is measured on its own below).
set -euo pipefail
bin=$(realpath "${1:?usage: $0 path/to/mwedition}")
runs=${BENCH_RUNS:-3}
src=${MWEDITION_CACHE:?set MWEDITION_CACHE to the cache make corpus filled}
sha=2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9
cosign=${COSIGN:?set COSIGN to the cosign CLI make deps installs (make bench does)}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$(dirname "$0")/.."
root=$PWD

# The baseline's tools, at the versions the issue names, built once into the Go bin cache.
tools=$root/.cache/bench-tools
if [ ! -x "$tools/nfpm" ] || [ ! -x "$tools/crane" ]; then
  echo "installing nfpm v2.45.2 and crane into $tools" >&2
  GOBIN=$tools go install github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.45.2
  GOBIN=$tools go install "github.com/google/go-containerregistry/cmd/crane@$(awk '$1=="github.com/google/go-containerregistry"{print $2}' go.mod)"
fi

measure() { # name, command...: appends "wall rss" to $work/<name>
  local name=$1; shift
  /usr/bin/time -f '%e %M' -o "$work/t" "$@" >/dev/null 2>"$work/err" || { cat "$work/err" "$work/t"; exit 1; }
  tail -n 1 "$work/t" >> "$work/$name"
}

project() { # dir: a copy of the shipped project whose tarballs are .tar.gz only, as the baseline's
  rm -rf "$1" && mkdir -p "$1/lines/1.43" && cp -r line.hcl recipes patches editions editions.lock "$1/"
  cp -r lines/1.43/line.hcl lines/1.43/recipes lines/1.43/patches lines/1.43/editions.lock "$1/lines/1.43/"
  sed -i 's/compression = \["gz", "xz"\]/compression = ["gz"]/' "$1"/editions/*.hcl
}

bump() { # dir n: every edition's version gains ".n" (the 1.39 line's, kept in line.hcl)
  sed -i -E "s/^(  version +=) \"([^\"]*)\"/\\1 \"\\2.$2\"/" "$1"/editions/*.hcl
  sed -i -E "s/^(  edition_version +=) \"([^\"]*)\"/\\1 \"\\2.$2\"/" "$1"/line.hcl
}

unpatched() { # dir cache: the project without its security patches (1.39.17 as released), locked in cache
  project "$1"
  sed -i '/^    patch "/,/^    }/d' "$1/recipes/core.hcl"
  if grep -q 'patch "' "$1/recipes/core.hcl"; then echo "bench: the patch blocks are still in $1/recipes/core.hcl" >&2; exit 1; fi
  # A fresh lock: the shipped one records the patched versions under the editions' versions.
  rm "$1/editions.lock"
  "$bin" -C "$1" --cache "$2" --offline --quiet lock
}

seed() { # dir: a warm source cache (release fetched and unpacked), with no build actions
  rm -rf "$1" && mkdir -p "$1" && cp -r "$src/blobs" "$src/urls" "$1/"
  "$bin" -C "$work/p" --cache "$1" --offline --quiet fetch
  "$bin" -C "$work/p/lines/1.43" --cache "$1" --offline --quiet fetch
}

# A project twice the size: the core edition also holds "Bulk", a dir-source extension
# carrying a second copy of the release's files (each file's bytes changed, so nothing is
# shared with the first copy).
double() {
  project "$work/d"
  mkdir -p "$work/d/bulk"
  cp -r "$work/x/mediawiki-1.39.17/." "$work/d/bulk/"
  find "$work/d/bulk" -type f -size -2M -exec sh -c 'for f; do printf "\n" >> "$f"; done' sh {} +
  printf '{"name": "Bulk", "version": "1.0.0", "license-name": "GPL-2.0-or-later", "manifest_version": 2}\n' > "$work/d/bulk/extension.json"
  cat >> "$work/d/recipes/extensions.hcl" <<'EOF'

extension "Bulk" {
  source "dir" { path = "../bulk" }
}
EOF
  sed -i 's/"AbuseFilter", "CategoryTree"/"AbuseFilter", "Bulk", "CategoryTree"/' "$work/d/editions/core.hcl"
  bump "$work/d" 1
  "$bin" -C "$work/d" --cache "$work/cd" --offline --quiet lock
}

# The release manager's key, made as the README says: an encrypted cosign.key, so that the
# signed build also pays for opening it.
mkdir -p "$work/keys"
(cd "$work/keys" && COSIGN_PASSWORD=bench HOME="$work/keys" "$cosign" generate-key-pair >/dev/null 2>&1)

mkdir -p "$work/x"
tar -xzf "$src/blobs/sha256/$sha" -C "$work/x"
project "$work/p"; seed "$work/c"
"$bin" -C "$work/p" --cache "$work/c" --offline --quiet build --format tree
cp "$work/p/out/manifest.json" "$work/editions.json"

for i in $(seq "$runs"); do
  echo "run $i/$runs" >&2
  rm -rf "$work/b"
  measure baseline "$root/tests/baseline.sh" "$tools/nfpm" "$tools/crane" "$work/x/mediawiki-1.39.17" "$work/editions.json" "$work/b"
  project "$work/p"; seed "$work/c"
  mw=("$bin" -C "$work/p" --cache "$work/c" --offline --quiet)
  measure cold "${mw[@]}" build --format deb,rpm,tarball,image --image-base scratch
  # The same cold build with --cosign-key (images signed, DSSE attestations attached and
  # written), in a project and cache of its own so that the others see what they saw before.
  project "$work/s"; seed "$work/cs"
  measure coldsigned env COSIGN_PASSWORD=bench "$bin" -C "$work/s" --cache "$work/cs" --offline --quiet \
    build --format deb,rpm,tarball,image --image-base scratch --cosign-key "$work/keys/cosign.key"
  measure noop "${mw[@]}" build --format deb,rpm,tarball,image --image-base scratch
  # Both release lines, six editions, cold in one cache: what the lines share (the Debian
  # base's packages, identical files, nothing else) is made once.
  project "$work/l"; seed "$work/cl2"
  all=(--cache "$work/cl2" --offline --quiet build --format deb,rpm,tarball,image --image-base scratch)
  measure twolines bash -c "'$bin' -C '$work/l' ${all[*]} && '$bin' -C '$work/l/lines/1.43' ${all[*]}"
  project "$work/l"; seed "$work/cl3"
  measure line143 "$bin" -C "$work/l/lines/1.43" --cache "$work/cl3" --offline --quiet build --format deb,rpm,tarball,image --image-base scratch
  # One extension bumped: Scribunto's recipe drops one more file, so its tree, packages, layer
  # and every edition holding it change while the other 33 components stay as they were.
  # The editions holding Scribunto change, so their versions move (lock refuses otherwise).
  sed -i 's|exclude = \["includes/engines/LuaStandalone/binaries"\]|exclude = ["includes/engines/LuaStandalone/binaries", "CODE_OF_CONDUCT.md"]|' "$work/p/recipes/extensions.hcl"
  bump "$work/p" 1
  "${mw[@]}" lock
  measure onechanged "${mw[@]}" build --format deb,rpm,tarball,image --image-base scratch
  # One more patch on core's source (it creates a file in Scribunto): the release is patched
  # again and its trees cut again, and Scribunto's packages, layer and editions change.
  printf -- '--- /dev/null\n+++ b/extensions/Scribunto/BENCH.md\n@@ -0,0 +1 @@\n+bench %s\n' "$i" > "$work/p/patches/9999-bench.patch"
  bump "$work/p" 2
  sed -i "s|^    # The five SECURITY|    patch \"../patches/9999-bench.patch\" {\n      sha256 = \"$(sha256sum "$work/p/patches/9999-bench.patch" | cut -d' ' -f1)\"\n    }\n&|" "$work/p/recipes/core.hcl"
  "${mw[@]}" lock
  measure onepatch "${mw[@]}" build --format deb,rpm,tarball,image --image-base scratch
  # The same cold build without the security patches: what patching costs a cold build.
  # (Locked in a cache of its own, so that the measured build's is as cold as the others'.)
  seed "$work/cl"; unpatched "$work/u" "$work/cl"; seed "$work/cu"
  measure coldunpatched "$bin" -C "$work/u" --cache "$work/cu" --offline --quiet build --format deb,rpm,tarball,image --image-base scratch
  # Each format on its own from built trees, next to its compressor alone on the same bytes.
  project "$work/q"; seed "$work/cq"
  mq=("$bin" -C "$work/q" --cache "$work/cq" --offline --quiet)
  measure trees "${mq[@]}" build --format tree
  measure deb "${mq[@]}" build --format deb
  measure rpm "${mq[@]}" build --format rpm
  measure targz "${mq[@]}" build --format tarball
  measure image "${mq[@]}" build --format image --image-base scratch
  sed -i 's/compression = \["gz"\]/compression = ["xz"]/' "$work/q"/editions/*.hcl
  measure tarxz "${mq[@]}" build --format tarball
  measure gzip6 bash -c "tar -cf - -C '$work/x' . | gzip -n -6 > '$work/release.tar.gz'"
  # Twice the tree: memory must not grow with it.
  rm -rf "$work/cd"; mkdir -p "$work/cd"; cp -r "$src/blobs" "$src/urls" "$work/cd/"
  double
  "$bin" -C "$work/d" --cache "$work/cd" --offline --quiet fetch
  measure double "$bin" -C "$work/d" --cache "$work/cd" --offline --quiet build --format deb,rpm,tarball,image --image-base scratch
done

# A CPU profile of one more cold build, for the closing note.
project "$work/p"; seed "$work/c"
"$bin" -C "$work/p" --cache "$work/c" --offline --quiet --cpuprofile "$work/cpu.pprof" build --format deb,rpm,tarball,image --image-base scratch
mkdir -p out/bench
# CPU by kind of action (the engine labels each action's goroutines), then by function.
{ go tool pprof -tags "$bin" "$work/cpu.pprof" && go tool pprof -top -nodecount=25 "$bin" "$work/cpu.pprof"; } > out/bench/cpu-top.txt 2>/dev/null || true
cp "$work/cpu.pprof" out/bench/cpu.pprof

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
col() { awk -v c="$2" '{print $c}' "$work/$1" | median; }
mb() { awk -v b="$1" 'BEGIN{printf "%.1f", b/1e6}'; }
base=$(col baseline 1); cold=$(col cold 1)
exec > >(tee out/bench/summary.txt) # the tables, kept beside the profile
row() { # scenario label reference [wall ratio target] [RSS target, MB]: one line, and whether targets are met
  local w m r verdict=""; w=$(col "$1" 1); m=$(col "$1" 2)
  r=$(awk -v w="$w" -v b="$3" 'BEGIN{printf "%.3f", w/b}')
  verdict=$(awk -v r="$r" -v t="${4:-}" -v m="$m" -v l="${5:-}" 'BEGIN{
    if (t != "") v = sprintf("ratio <= %s %s", t, (r <= t + 0) ? "met" : "MISSED")
    if (l != "") v = v (v == "" ? "" : "; ") sprintf("RSS <= %d MB %s", l, (m/1024 <= l + 0) ? "met" : "MISSED")
    print v }')
  printf '%-46s %9s %10sx %10s  %s\n' "$2" "$w" "$r" "$(awk -v m="$m" 'BEGIN{printf "%.0f", m/1024}')" "$verdict"
}
printf '\n%-46s %9s %11s %10s  %s\n' "three editions, deb+rpm+tar.gz+OCI" "wall (s)" "ratio" "RSS (MB)" "target (issue 7; signing: 20)"
row baseline "baseline (tests/baseline.sh)" "$base"
row cold "cold build (warm source cache) vs baseline" "$base" 0.1 256
row coldsigned "cold build, images signed, vs unsigned" "$cold" 1.05
row noop "no-op rebuild vs cold" "$cold" 0.02
row onechanged "one extension bumped vs cold" "$cold" 0.15
row coldunpatched "cold build, no patches (1.39.17 as released)" "$base"
row cold "cold build, five patches vs no patches" "$(col coldunpatched 1)"
row onepatch "one patch added vs cold" "$cold"
row onepatch "one patch added vs one extension bumped" "$(col onechanged 1)"
row double "twice the tree, cold (RSS must not grow)" "$cold" "" 256
row line143 "the 1.43 line alone, cold, vs the 1.39 line" "$cold"
row twolines "both lines (six editions), cold, vs one line" "$cold"
printf '%-46s %21s %10s  %s\n' "peak RSS, twice the tree / cold" "" \
  "$(awk -v a="$(col double 2)" -v b="$(col cold 2)" 'BEGIN{printf "%.2fx", a/b}')" "at most 1.25x (tests/memory_test.go)"
gz=$(col gzip6 1)
printf '\n%-46s %9s %11s %10s\n' "one format at a time (trees built first)" "wall (s)" "vs gzip -6" "RSS (MB)"
row gzip6 "tar | gzip -n -6 of the release, once" "$gz"
for s in trees deb rpm targz tarxz image; do row "$s" "build --format $s" "$gz"; done
echo "(median of $runs runs; $(nproc) cores; CPU profile: out/bench/cpu-top.txt)"

# Each format's throughput beside its compressor's alone. The input is the components'
# bytes, each compressed once per format whatever the number of editions; the compressor
# benchmarks (internal/pack/..., BenchmarkCompressor) compress the release's tar on one core
# with the settings each format pins.
comp=$(python3 -c 'import json,sys; print(sum(c["bytes"] for c in json.load(open(sys.argv[1]))["components"]))' "$work/editions.json")
go test -run '^$' -bench Compressor -benchtime 1x -count "$runs" ./internal/pack/ ./internal/pack/tarball ./internal/pack/oci \
  -args -corpus="$src/blobs/sha256/$sha" > "$work/compress.txt"
alone() { # benchmark name: median MB/s
  awk -v n="BenchmarkCompressor/$1-" 'index($1, n) == 1 {for (i = 1; i < NF; i++) if ($(i+1) == "MB/s") print $i}' "$work/compress.txt" | median
}
mbs() { awk -v b="$comp" -v w="$(col "$1" 1)" 'BEGIN{printf "%.1f", b/1e6/w}'; }
printf '\n%-34s %12s %14s %12s\n' "format (%s MB of components)" "MB/s" "compressor MB/s" "ratio" | sed "s/%s/$(mb "$comp")/"
fmtrow() { # scenario label benchmark
  local a; a=$(alone "$3")
  printf '%-34s %12s %14s %12s\n' "$2" "$(mbs "$1")" "$a" "$(awk -v x="$(mbs "$1")" -v y="$a" 'BEGIN{printf "%.2fx", x/y}')"
}
fmtrow deb ".deb (gzip -6)" deb-gzip
fmtrow rpm ".rpm (zstd 7)" rpm-zstd
fmtrow targz ".tar.gz (gzip -6)" gz
fmtrow tarxz ".tar.xz (xz, 4 MiB dictionary)" xz
fmtrow image "OCI layers (gzip 5)" gzip
echo "(compressor alone: one core, $(nproc) here; a ratio above 1 is both cores at work)"

echo
"$root/tests/bench-sizes.py" "$work/p/out" "$work/b"
