#!/usr/bin/env python3
# tests/bench.sh: per edition, what a user downloads from mwedition (the edition's
# metapackage and the packages of ours it depends on; the tarball; the image) against the
# fat-package baseline (tests/baseline.sh). Usage: bench-sizes.py OUT BASELINE_DIR
import json, os, re, subprocess, sys
out, base = sys.argv[1], sys.argv[2]
def mb(n): return "%.1f" % (n / 1e6)
def pct(a, b): return "%+.1f%%" % (100.0 * (a - b) / b)
def pkgset(kind, meta):
    # the edition's metapackage and the packages of ours it depends on
    if kind == "deb":
        deps = subprocess.run(["dpkg-deb", "-f", meta, "Depends"], capture_output=True, text=True, check=True).stdout
        names = [d.split()[0] for d in deps.split(",") if d.strip()]
        files = {f.split("_")[0]: f for f in os.listdir(os.path.join(out, "deb"))}
    else:
        deps = subprocess.run(["rpm", "-qp", "--requires", meta], capture_output=True, text=True, check=True).stdout
        names = [d.split()[0] for d in deps.splitlines() if d.strip()]
        files = {re.sub(r"-[^-]+-[^-]+\.noarch\.rpm$", "", f): f for f in os.listdir(os.path.join(out, "rpm"))}
    got = [os.path.join(out, kind, files[n]) for n in names if n in files]
    return os.path.getsize(meta) + sum(os.path.getsize(f) for f in got)
oci = os.path.join(out, "oci")
def blob(d): return os.path.join(oci, "blobs", *d.split(":"))
images = {}
for m in json.load(open(os.path.join(oci, "index.json")))["manifests"]:
    ref = m.get("annotations", {}).get("org.opencontainers.image.ref.name", "")
    man = json.load(open(blob(m["digest"])))
    if "layers" not in man or "config" not in man:
        continue
    n = m["size"] + man["config"]["size"] + sum(l["size"] for l in man["layers"])
    images[m.get("annotations", {}).get("io.mwedition.edition", ref)] = n
rows = []
def du(d): return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(d) for f in fs)
for f in sorted(os.listdir(base)):
    m = re.match(r"mediawiki-edition-(.+)_(.+)_all\.deb$", f)
    if not m:
        continue
    ed, ver = m.group(1), m.group(2)
    ours = {
        "deb (gzip)": pkgset("deb", os.path.join(out, "deb", "mediawiki-edition-%s_%s-1_all.deb" % (ed, ver))),
        "rpm (ours zstd, nfpm gzip)": pkgset("rpm", os.path.join(out, "rpm", "mediawiki-edition-%s-%s-1.noarch.rpm" % (ed, ver))),
        "tar.gz": os.path.getsize(os.path.join(out, "tarballs", "mediawiki-%s-%s.tar.gz" % (ed, ver))),
        "OCI image (gzip layers)": images[ed],
    }
    theirs = {
        "deb (gzip)": os.path.getsize(os.path.join(base, f)),
        "rpm (ours zstd, nfpm gzip)": os.path.getsize(os.path.join(base, "mediawiki-edition-%s-%s-1.noarch.rpm" % (ed, ver))),
        "tar.gz": os.path.getsize(os.path.join(base, "mediawiki-%s-%s.tar.gz" % (ed, ver))),
        "OCI image (gzip layers)": os.path.getsize(os.path.join(base, "image-%s.tar" % ed)),
    }
    for k in ours:
        rows.append((ed, k, ours[k], theirs[k]))
print("%-16s %-28s %12s %12s %9s" % ("edition", "what a user downloads", "mwedition MB", "baseline MB", "vs base"))
for ed, k, a, b in rows:
    print("%-16s %-28s %12s %12s %9s" % (ed, k, mb(a), mb(b), pct(a, b)))
largest = max(os.path.getsize(os.path.join(base, f)) for f in os.listdir(base) if f.startswith("image-"))
print("OCI layout of all editions: %s MB = %.2f x the largest baseline image (%s MB); target at most 1.10" % (mb(du(oci)), du(oci) / largest, mb(largest)))
