package build_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"
	"github.com/ulikunitz/xz"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/signature"
)

// testSigner makes an RSA key and its Signer, and returns the public key ring.
func testSigner(t *testing.T) (*signature.Signer, openpgp.EntityList) {
	t.Helper()
	created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	e, err := openpgp.NewEntity("release", "test only", "release@mwedition.example.org",
		&packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048, Time: func() time.Time { return created }})
	must(t, err)
	var b bytes.Buffer
	w, err := armor.Encode(&b, openpgp.PrivateKeyType, nil)
	must(t, err)
	must(t, e.SerializePrivate(w, nil))
	must(t, w.Close())
	s, err := signature.NewSigner(b.Bytes(), nil, "")
	must(t, err)
	return s, openpgp.EntityList{e}
}

// tarEntries lists a compressed tarball: "name mode" per entry, in archive order.
func tarEntries(t *testing.T, p string) []string {
	t.Helper()
	f, err := os.Open(p)
	must(t, err)
	defer f.Close()
	var r io.Reader
	if strings.HasSuffix(p, ".xz") {
		r, err = xz.NewReader(f)
	} else {
		r, err = gzip.NewReader(f)
	}
	must(t, err)
	tr := tar.NewReader(r)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out
		}
		must(t, err)
		if h.Uname != "root" || h.Uid != 0 {
			t.Errorf("%s: owned by %s (%d)", h.Name, h.Uname, h.Uid)
		}
		out = append(out, fmt.Sprintf("%s %o", h.Name, h.Mode))
	}
}

func TestTarballsFromTheGraph(t *testing.T) {
	f := newFixture(t)
	p := filepath.Join(f.root, "editions/editions.hcl")
	b, err := os.ReadFile(p)
	must(t, err)
	s := strings.Replace(string(b), `output "deb" {}`, `output "tarball" { compression = ["gz", "xz"] }`, 1)
	s = strings.Replace(s, `settings = {`, `output "tarball" {}
  settings = {`, 1)
	write(t, p, s)
	f.lock()
	out := filepath.Join(f.root, "out/tarballs")
	must(t, os.MkdirAll(out, 0o755))
	write(t, filepath.Join(out, "mediawiki-old-0.9.tar.gz"), "a previous build's")

	signer, pub := testSigner(t)
	o := f.options()
	o.Formats = []string{build.FormatTarball}
	o.Signer = signer
	lk, err := build.ReadLock(f.root)
	must(t, err)
	res, diags, err := build.Build(context.Background(), o, f.load().Set, lk)
	if err != nil || diags.HasErrors() {
		t.Fatalf("build: %v %v", err, diags)
	}

	// base asks for gz and xz, full (no compression given) for gz; the stale file is gone.
	names := func() []string {
		ents, err := os.ReadDir(out)
		must(t, err)
		var n []string
		for _, e := range ents {
			n = append(n, e.Name())
		}
		return n
	}
	want := []string{"SHA256SUMS", "SHA256SUMS.asc", "mediawiki-base-1.0.tar.gz", "mediawiki-base-1.0.tar.gz.asc",
		"mediawiki-base-1.0.tar.xz", "mediawiki-base-1.0.tar.xz.asc", "mediawiki-full-1.0.tar.gz", "mediawiki-full-1.0.tar.gz.asc"}
	if diff := cmp.Diff(want, names()); diff != "" {
		t.Fatalf("out/tarballs (-want +got):\n%s", diff)
	}

	// Each component's segment is made once per compression, whichever editions hold it.
	var segs []string
	for _, id := range executed(res.Report) {
		if strings.HasPrefix(id, "tar.") && !strings.Contains(id, "/edition/") {
			segs = append(segs, id)
		}
	}
	wantSegs := []string{
		"tar.gz/mediawiki-1.39.17/core/mediawiki", "tar.gz/mediawiki-1.39.17/extension/Alpha", "tar.gz/mediawiki-1.39.17/extension/Beta",
		"tar.gz/mediawiki-1.39.17/extension/Delta", "tar.gz/mediawiki-1.39.17/extension/Gamma", "tar.gz/mediawiki-1.39.17/skin/Vector",
		"tar.xz/mediawiki-1.39.17/core/mediawiki", "tar.xz/mediawiki-1.39.17/extension/Alpha", "tar.xz/mediawiki-1.39.17/extension/Beta",
		"tar.xz/mediawiki-1.39.17/skin/Vector",
	}
	if diff := cmp.Diff(wantSegs, segs); diff != "" {
		t.Errorf("segment actions run (-want +got):\n%s", diff)
	}

	// The tarball holds the edition's tree below one top directory: core first, then each
	// member, then the edition's own file.
	st, err := cache.Open(f.cacheDir)
	must(t, err)
	for _, e := range res.Manifest.Editions {
		tr, err := st.Tree(e.Tree)
		must(t, err)
		var wantEntries []string
		for _, en := range tr.Entries() {
			name := "mediawiki-1.39.17/" + en.Path
			if en.Type == fstree.Dir {
				name += "/"
			}
			wantEntries = append(wantEntries, fmt.Sprintf("%s %o", name, en.Mode().Perm()))
		}
		wantEntries = append(wantEntries, "mediawiki-1.39.17/ 755")
		sort.Strings(wantEntries)
		for _, ext := range []string{".tar.gz", ".tar.xz"} {
			tb := filepath.Join(out, "mediawiki-"+e.Name+"-1.0"+ext)
			if _, err := os.Stat(tb); err != nil {
				continue
			}
			got := tarEntries(t, tb)
			if got[0] != "mediawiki-1.39.17/ 755" || got[len(got)-1] != "mediawiki-1.39.17/EditionSettings.php 644" {
				t.Errorf("%s: starts with %s, ends with %s", filepath.Base(tb), got[0], got[len(got)-1])
			}
			sort.Strings(got)
			if diff := cmp.Diff(wantEntries, got); diff != "" {
				t.Errorf("%s against the edition's tree (-tree +tarball):\n%s", filepath.Base(tb), diff)
			}
		}
	}

	// SHA256SUMS lists every tarball; every signature verifies.
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	must(t, err)
	var wantSums strings.Builder
	for _, n := range want {
		if strings.Contains(n, ".tar.") && !strings.HasSuffix(n, ".asc") {
			fmt.Fprintf(&wantSums, "%s  %s\n", sha256File(t, filepath.Join(out, n)), n)
		}
	}
	if diff := cmp.Diff(wantSums.String(), string(sums)); diff != "" {
		t.Errorf("SHA256SUMS (-want +got):\n%s", diff)
	}
	for _, n := range want {
		if !strings.HasSuffix(n, ".asc") {
			continue
		}
		data, err := os.Open(filepath.Join(out, strings.TrimSuffix(n, ".asc")))
		must(t, err)
		sig, err := os.Open(filepath.Join(out, n))
		must(t, err)
		if _, err := openpgp.CheckArmoredDetachedSignature(pub, data, sig, nil); err != nil {
			t.Errorf("%s: %v", n, err)
		}
		data.Close()
		sig.Close()
	}

	// A second build runs nothing and publishes the same bytes.
	before := map[string]string{}
	for _, n := range names() {
		before[n] = sha256File(t, filepath.Join(out, n))
	}
	again, _, err := build.Build(context.Background(), o, f.load().Set, lk)
	must(t, err)
	if got := executed(again.Report); len(got) != 0 {
		t.Errorf("second build executed %v", got)
	}
	for n, sum := range before {
		if got := sha256File(t, filepath.Join(out, n)); got != sum {
			t.Errorf("%s changed between builds", n)
		}
	}

	// A build that fails (a component's bytes gone from the cache, found by a new
	// compression) leaves out/tarballs as it was.
	write(t, p, strings.Replace(s, `compression = ["gz", "xz"]`, `compression = ["gz", "xz", "zst"]`, 1))
	srcs, _ := filepath.Glob(filepath.Join(f.cacheDir, "src/tarball-*/*/index.php"))
	if len(srcs) != 1 {
		t.Fatalf("core's unpacked index.php: %v", srcs)
	}
	must(t, os.Chmod(filepath.Dir(srcs[0]), 0o755))
	must(t, os.Remove(srcs[0]))
	if _, _, err := build.Build(context.Background(), o, f.load().Set, lk); err == nil || !strings.Contains(err.Error(), "index.php") {
		t.Fatalf("build with core's index.php gone: %v", err)
	}
	for n, sum := range before {
		if got := sha256File(t, filepath.Join(out, n)); got != sum {
			t.Errorf("%s changed by a failed build", n)
		}
	}
	if diff := cmp.Diff(want, names()); diff != "" {
		t.Errorf("out/tarballs after a failed build (-want +got):\n%s", diff)
	}
}

func sha256File(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
