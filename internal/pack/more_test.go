package pack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

// TestOddNames: file names with glob and shell characters reach both formats verbatim
// (neither writer globs).
func TestOddNames(t *testing.T) {
	need(t, "dpkg-deb", "rpm")
	names := []string{"[z].js", "a*b.js", "q?.js", "{x,y}.js", `back\slash.js`, "space d.js", "ünïcode.js"}
	root := t.TempDir()
	src := filepath.Join(root, "src", "odd")
	if err := os.MkdirAll(src, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		if err := os.WriteFile(filepath.Join(src, n), []byte(n), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A file whose name is another's name as a glob must not be picked up twice.
	if err := os.WriteFile(filepath.Join(src, "axb.js"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	names = append(names, "axb.js")
	tree, _, err := fstree.Scan(context.Background(), src, fstree.ScanOptions{Src: "src/odd", Jobs: 1})
	if err != nil {
		t.Fatal(err)
	}
	st := dirStore(root)
	var want []string
	for _, n := range names {
		want = append(want, prefix+"/"+n)
	}
	slices.Sort(want)

	p := fixture(tree, rpmFamily)
	_, rpmFile := build(t, st, p, rpmFamily, nil)
	var got []string
	for _, l := range strings.Split(strings.TrimSpace(run(t, "rpm", "-qpl", rpmFile)), "\n") {
		if strings.HasPrefix(l, prefix+"/") {
			got = append(got, l)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("rpm -qpl (-want +got):\n%s", diff)
	}

	p = fixture(tree, debFamily)
	_, deb := build(t, st, p, debFamily, nil)
	dir := t.TempDir()
	run(t, "dpkg-deb", "--extract", deb, dir)
	for _, n := range names {
		b, err := os.ReadFile(filepath.Join(dir, prefix, n))
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if n != "axb.js" && string(b) != n {
			t.Errorf("%s holds %q", n, b)
		}
	}
}

// TestMetaPackage: a package without a tree (an edition's meta-package) with an epoch.
func TestMetaPackage(t *testing.T) {
	need(t, "dpkg-deb", "rpm", "rpm2cpio")
	meta := func(fam family) Package {
		p := Package{
			Name: "mediawiki-edition-core", Version: "1.39.17.1", Epoch: 2, Summary: "MediaWiki Core edition",
			License: "GPL-2.0-or-later", Maintainer: "mwedition tests <tests@mwedition.example.org>", MTime: mtime,
			Provides: []string{"mediawiki-edition"}, Conflicts: []string{"mediawiki-edition"},
		}
		if fam == debFamily {
			p.Depends = []string{"mediawiki-core (= 1:1.39.17-1)"}
		} else {
			p.Depends = []string{"mediawiki-core = 1:1.39.17-1"}
		}
		return p
	}
	_, deb := build(t, nil, meta(debFamily), debFamily, nil)
	if v := run(t, "dpkg-deb", "--field", deb, "Version"); v != "2:1.39.17.1-1\n" {
		t.Errorf("deb Version %q", v)
	}
	if c := run(t, "dpkg-deb", "--contents", deb); c != "" {
		t.Errorf("a meta-package with contents:\n%s", c)
	}
	_, rpmFile := build(t, nil, meta(rpmFamily), rpmFamily, nil)
	if v := run(t, "rpm", "-qp", "--queryformat", "%{EPOCH}:%{VERSION}-%{RELEASE}", rpmFile); v != "2:1.39.17.1-1" {
		t.Errorf("rpm EVR %q", v)
	}
	provides := run(t, "rpm", "-qp", "--provides", rpmFile)
	for _, want := range []string{"mediawiki-edition\n", "mediawiki-edition-core = 2:1.39.17.1-1\n"} {
		if !strings.Contains(provides, want) {
			t.Errorf("provides lacks %q:\n%s", want, provides)
		}
	}
	if c := run(t, "rpm", "-qp", "--conflicts", rpmFile); c != "mediawiki-edition\n" {
		t.Errorf("conflicts %q", c)
	}
	run(t, "sh", "-c", `rpm2cpio "$1" >/dev/null`, "sh", rpmFile)
}

// TestConcurrent: packages built at once, sharing a signer, are the ones built one by one.
func TestConcurrent(t *testing.T) {
	k := signaturetest.Keys(t)
	signer, err := signature.NewSigner(k[0].Priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	st, tree := makeStore(t)
	want := map[family][]byte{}
	for _, fam := range []family{debFamily, rpmFamily} {
		want[fam], _ = build(t, st, fixture(tree, fam), fam, signer)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 8)
	for i := range 8 {
		fam := []family{debFamily, rpmFamily}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			var b bytes.Buffer
			var err error
			if fam == debFamily {
				err = Deb(context.Background(), fixture(tree, fam), st, &b)
			} else {
				err = RPM(context.Background(), fixture(tree, fam), st, &b, signer)
			}
			if err != nil || !bytes.Equal(b.Bytes(), want[fam]) {
				errs <- string(fam) + " build " + strconv.Itoa(i) + " differs or failed: " + errString(err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// TestCancelled: a cancelled build stops before writing anything, in both formats.
func TestCancelled(t *testing.T) {
	st, tree := makeStore(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, fam := range []family{debFamily, rpmFamily} {
		var b bytes.Buffer
		var err error
		if fam == debFamily {
			err = Deb(ctx, fixture(tree, fam), st, &b)
		} else {
			err = RPM(ctx, fixture(tree, fam), st, &b, nil)
		}
		if !errors.Is(err, context.Canceled) || b.Len() != 0 {
			t.Errorf("%s: error %v and %d bytes written, want context.Canceled and none", fam, err, b.Len())
		}
	}
}

// TestCancelWhileWriting: cancelling while a large file is being compressed stops the
// writer within a second, in both formats, and nothing reaches w.
func TestCancelWhileWriting(t *testing.T) {
	root := t.TempDir()
	big := make([]byte, 48<<20)
	r := rand.New(rand.NewPCG(1, 2)) // incompressible: the slowest input per byte
	for i := 0; i < len(big); i += 8 {
		binary.LittleEndian.PutUint64(big[i:], r.Uint64())
	}
	if err := os.WriteFile(filepath.Join(root, "big.bin"), big, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(big)
	tree, err := fstree.New([]fstree.Entry{{Path: "big.bin", Type: fstree.File, Size: int64(len(big)), Digest: hex.EncodeToString(sum[:]), Src: "big.bin"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, fam := range []family{debFamily, rpmFamily} {
		ctx, cancel := context.WithCancel(context.Background())
		timer := time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		var b bytes.Buffer
		if fam == debFamily {
			err = Deb(ctx, fixture(tree, fam), dirStore(root), &b)
		} else {
			err = RPM(ctx, fixture(tree, fam), dirStore(root), &b, nil)
		}
		timer.Stop()
		cancel()
		if took := time.Since(start); !errors.Is(err, context.Canceled) || took > time.Second || b.Len() != 0 {
			t.Errorf("%s: %v after %s with %d bytes written; want context.Canceled within 1s and nothing written", fam, err, took, b.Len())
		}
	}
}
