#!/usr/bin/env bash
# make reprotest: Debian's reprotest builds the core edition of the real MediaWiki 1.39.17
# release twice, a control build and an experiment build under every variation it has, each
# from a cold cache, and diffoscope compares every artifact: out/deb, out/rpm, out/tarballs,
# out/oci (images on the Debian bookworm root the lifecycle test uses) and out/manifest.json.
# It passes only if reprotest finds no difference.
#
# Before that, the same reprotest invocation runs on a build that writes the time into
# out/manifest.json, and must report that difference: "no differences" is then not an
# artifact of a pattern that matches nothing or a comparison that cannot fail.
#
# The variations, and what each does to the experiment build here:
#   environment   adds a variable to the environment
#   build_path    builds in another directory
#   kernel        setarch --uname-2.6: another kernel version and personality
#   aslr          address space randomisation off in one build, on in the other
#   num_cpus      taskset: 1 CPU, then 2 (mwedition's default -j follows, so the action
#                 graph runs 1 then 2 actions at once)
#   time          faketime, a year and more ahead. mwedition is a static Go binary, which
#                 reads the clock through the vDSO, not libc, so libfaketime's LD_PRELOAD
#                 cannot move its clock; only the shell and tools around it see the fake
#                 time. mwedition reads no clock during a build (the design forbids it
#                 below internal/cli), which the manifest and archive times would show.
#   user_group    builds as nobody:nogroup (through sudo), the control as root
#   fileordering  disorderfs shuffles every directory listing of the build tree, which holds
#                 the project and the build's own fresh cache (unpacked trees included)
#   domain_host   another host and domain name (a UTS namespace, through sudo)
#   home          HOME=/nonexistent/second-build
#   locales       LC_ALL and LANGUAGE another locale (et_EE.UTF-8, from locales-all)
#   exec_path     an extra directory at the end of PATH
#   timezone      TZ another zone
#   umask         0002 instead of 0022
# No variation is left out: every one works in this container (root, /dev/fuse present).
set -euo pipefail

bin=$(realpath "${1:?usage: $0 path/to/mwedition}")
cache=${MWEDITION_CACHE:?set MWEDITION_CACHE to the cache make corpus filled}
sha=2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9
sigurl=https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig
repo=$(cd "$(dirname "$0")/.." && pwd)
store=$repo/out/reprotest # both builds' artifacts and diffoscope's report, kept on a difference
started=$(date +%s)

missing=()
for tool in reprotest disorderfs faketime diffoscope sudo mmdebstrap; do
  command -v "$tool" >/dev/null || missing+=("$tool")
done
dpkg-query -W -f='${Status}' locales-all 2>/dev/null | grep -q 'install ok installed' || missing+=(locales-all)
if [ ${#missing[@]} -gt 0 ]; then
  echo "reprotest.sh: ${missing[*]} not installed: run make deps" >&2
  exit 1
fi
release=$cache/blobs/sha256/$sha
sigfile=$cache/urls/$(printf %s "$sigurl" | sha256sum | cut -c1-64)
if [ ! -f "$release" ] || [ ! -f "$sigfile" ]; then
  echo "reprotest.sh: the MediaWiki 1.39.17 release and its signature are not in $cache: run make corpus" >&2
  exit 1
fi
sig=$cache/blobs/sha256/$(tr -d '\n' < "$sigfile")

# The image base: the bookworm root tests/lifecycle_test.go makes (bookwormRoot), under the
# same name, so the two share it; made here the same way if the e2e tests have not run.
root_args=(--variant=apt --format=tar
  --include=apache2,libapache2-mod-php,php,php-cli,php-intl,php-mbstring,php-sqlite3,php-xml
  --skip=cleanup/apt/lists)
root_sources=("deb http://deb.debian.org/debian bookworm main"
  "deb http://deb.debian.org/debian bookworm-updates main"
  "deb http://deb.debian.org/debian-security bookworm-security main")
root_id=$( (IFS=$'\n'; printf '%s' "${root_args[*]}"$'\n'"${root_sources[*]}") | sha256sum | cut -c1-16)
base=$(dirname "$cache")/rootfs/bookworm-$root_id.tar
if [ ! -f "$base" ]; then
  echo "making the image base $base with mmdebstrap" >&2
  mkdir -p "$(dirname "$base")"
  mmdebstrap "${root_args[@]}" bookworm "$base.$$.tmp" "${root_sources[@]}"
  mv "$base.$$.tmp" "$base"
fi

# Under the user_group variation disorderfs runs as the build user, nobody, who must be
# able to open /dev/fuse: Debian's udev makes it 0666, this container's /dev has it 0600.
# It is opened up for the run and given back its mode after.
if [ ! -c /dev/fuse ]; then
  echo "reprotest.sh: no /dev/fuse: the fileordering variation (disorderfs) needs FUSE" >&2
  exit 1
fi
fuse_mode=$(stat -c %a /dev/fuse)
work=$(mktemp -d)
cleanup() {
  rm -rf "$work"
  chmod "$fuse_mode" /dev/fuse
}
trap cleanup EXIT
chmod 666 /dev/fuse
chmod 755 "$work" # the experiment builds as nobody

# The project reprotest copies for each build: the shipped line, recipes and lock, the core
# edition alone, and the build command.
mkdir -p "$work/project/editions"
cp -r "$repo/line.hcl" "$repo/recipes" "$repo/patches" "$repo/editions.lock" "$work/project/"
cp "$repo/editions/core.hcl" "$work/project/editions/"
cat > "$work/project/build.sh" <<EOF
#!/bin/sh
# A cold build: a fresh cache inside the build tree, holding only the release and its
# signature, so nothing comes from an earlier build.
set -eu
rm -rf .cache out
mw="$bin --cache .cache"
\$mw cache add "$release" >/dev/null
\$mw cache add --url "$sigurl" "$sig" >/dev/null
echo "build.sh: as \$(id -un):\$(id -gn) in \$PWD on \$(hostname), \$(nproc) CPUs, umask \$(umask), TZ=\${TZ:-}, LC_ALL=\${LC_ALL:-}, HOME=\$HOME, \$(date -u +%FT%TZ)" >&2
\$mw --offline --quiet build --image-base "rootfs:$base" > build.log
cat build.log
grep -q ' actions run, 0 cached;' build.log || { echo "build.sh: the build was not cold" >&2; exit 1; }
EOF

# The honesty check's project: a build that writes the time where the real one writes its
# manifest, and every other artifact path, so the same pattern matches.
mkdir -p "$work/probe"
cat > "$work/probe/build.sh" <<'EOF'
#!/bin/sh
set -eu
mkdir -p out/deb out/rpm out/tarballs out/oci
echo same > out/deb/a.deb
date +%s.%N > out/manifest.json
EOF

# reprotest 0.7.23 runs every privileged step as `sudo -h localhost ...`, which Debian 12's
# sudo (1.9.13) refuses ("a remote host may only be specified when listing privileges"):
# this sudo, first in reprotest's PATH, drops the -h localhost and runs the real one.
mkdir -p "$work/bin"
cat > "$work/bin/sudo" <<'EOF'
#!/bin/sh
if [ "$1" = -h ] && [ "$2" = localhost ]; then shift 2; fi
exec /usr/bin/sudo "$@"
EOF
chmod 755 "$work/bin/sudo"

artifacts='out/deb out/rpm out/tarballs out/oci out/manifest.json'
# --variations takes the last value given; --vary adds to it.
variations=-all,+environment,+build_path,+kernel,+aslr,+num_cpus,+time,+user_group,+fileordering,+domain_host,+home,+locales,+exec_path,+timezone,+umask
run_reprotest() { # source dir, store dir
  rm -rf "$2"
  PATH="$work/bin:$PATH" reprotest --verbosity=1 --store-dir="$2" --min-cpus=1 \
    --variations="$variations" \
    --vary=user_group.available+=nobody:nogroup \
    --vary=domain_host.use_sudo=1 \
    -c 'sh build.sh' "$1" "$artifacts"
}

echo "== reprotest on a build that writes the time: it must find the difference" >&2
set +e
run_reprotest "$work/probe" "$work/probe-store" > "$work/probe.log" 2>&1
code=$?
set -e
if [ "$code" -ne 1 ] || ! grep -q 'out/manifest.json' "$work/probe-store/experiment-1.diffoscope.out" 2>/dev/null; then
  echo "reprotest.sh: reprotest did not report the time the probe build writes (exit $code):" >&2
  tail -n 40 "$work/probe.log" >&2
  exit 1
fi
echo "   reported (exit 1), in out/manifest.json" >&2

echo "== reprotest on the core edition of MediaWiki 1.39.17: deb, rpm, tarball, image" >&2
mkdir -p "$repo/out"
set +e
run_reprotest "$work/project" "$store" 2>&1 | tee "$work/build.log" | grep --line-buffered -E '^(INFO:reprotest:build |INFO:reprotest.build:|build.sh: |built:|edition |Reproduction|No differences|=+$)|differ|rror' >&2
code=${PIPESTATUS[0]}
set -e
if [ "$code" -ne 0 ]; then
  echo "reprotest.sh: reprotest exited $code; the log ends:" >&2
  tail -n 60 "$work/build.log" >&2
  [ -f "$store/experiment-1.diffoscope.out" ] && echo "diffoscope's report: $store/experiment-1.diffoscope.out" >&2
  exit 1
fi
rm -rf "$store"
# The artifacts reprotest compared, and their count: every format was built and compared.
grep -E '^[0-9a-f]{64}  \./out/' "$work/build.log" > "$work/sums" || true
for kind in deb/ rpm/ tarballs/ oci/ manifest.json; do
  if ! grep -q "  \./out/$kind" "$work/sums"; then
    echo "reprotest.sh: reprotest compared no out/$kind" >&2
    exit 1
  fi
done
echo "reprotest: 0 differences in $(wc -l < "$work/sums") files under out/ ($(grep -c '\.deb$' "$work/sums") .deb, $(grep -c '\.rpm$' "$work/sums") .rpm, $(grep -cE '\.tar\.(gz|xz)$' "$work/sums") tarballs, $(grep -c '/oci/' "$work/sums") OCI layout files) in $(($(date +%s) - started)) s"
