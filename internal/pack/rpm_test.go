package pack

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/klauspost/compress/zstd"
	rpmutils "github.com/sassoftware/go-rpmutils"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/rpmtag"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

func TestRPMQuery(t *testing.T) {
	need(t, "rpm", "rpm2cpio")
	st, tree := makeStore(t)
	_, file := build(t, st, fixture(tree, rpmFamily), rpmFamily, nil)

	info := run(t, "rpm", "-qpi", file)
	for _, re := range []string{
		`Name *: mediawiki-extension-example\n`,
		`Version *: 1\.2\.3\n`,
		`Release *: 1\n`,
		`Architecture: noarch\n`,
		`License *: GPL-2\.0-or-later\n`,
		`Signature *: \(none\)\n`,
		`Build Date *: Tue Mar  5 06:07:08 2024\n`,
		`Build Host *: mwedition\n`,
		`Packager *: mwedition tests <tests@mwedition\.example\.org>\n`,
		`Vendor *: mwedition\n`,
		`URL *: https://www\.mediawiki\.org/wiki/Extension:Example\n`,
		`Summary *: Example extension for MediaWiki\n`,
		`Group *: Applications/Internet\n`,
		`Description :\nExample shows how an extension is packaged by mwedition\.\n\nIt does nothing useful\.`,
	} {
		if !regexp.MustCompile(re).MatchString(info) {
			t.Errorf("rpm -qpi does not match %q:\n%s", re, info)
		}
	}

	// Owners, modes and times of every entry; implicit parents such as /usr/share are not owned.
	listing := run(t, "rpm", "-qplv", file)
	t.Logf("rpm -qplv:\n%s", listing)
	line := regexp.MustCompile(`^([-dl][-rwxst]{9}) +\d+ (\S+) +(\S+) +\d+ (\w{3} [ \d]\d +(?:\d\d:\d\d|\d{4})) (/.*?)( -> .*)?$`)
	want := fixturePaths()
	for _, p := range []string{"/etc/mediawiki/edition.d", "/var/lib/mediawiki/images"} {
		want[p] = "drwxr-xr-x"
	}
	want[confPath] = "-rw-r--r--"
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(listing), "\n") {
		m := line.FindStringSubmatch(l)
		if m == nil {
			t.Errorf("unexpected line %q", l)
			continue
		}
		if m[2] != "root" || m[3] != "root" {
			t.Errorf("%s: owned by %s:%s", m[5], m[2], m[3])
		}
		if m[4] != "Mar  5  2024" {
			t.Errorf("%s: time %s", m[5], m[4])
		}
		got[m[5]] = m[1]
	}
	want[prefix+"/COPYING.txt"] = "lrwxrwxrwx"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("paths and modes (-want +got):\n%s", diff)
	}

	if c := run(t, "rpm", "-qpc", file); c != confPath+"\n" {
		t.Errorf("rpm -qpc = %q, want %q", c, confPath+"\n")
	}
	// %config(noreplace): the "n" flag in the dump's flags column is set via --queryformat.
	flags := run(t, "rpm", "-qp", "--queryformat", "[%{FILENAMES} %{FILEFLAGS:fflags}\n]", file)
	if !strings.Contains(flags, confPath+" cn\n") {
		t.Errorf("%s is not %%config(noreplace):\n%s", confPath, flags)
	}
	scripts := run(t, "rpm", "-qp", "--scripts", file)
	if !strings.Contains(scripts, "postinstall scriptlet (using /bin/sh):\nchown apache:apache") {
		t.Errorf("rpm --scripts:\n%s", scripts)
	}
	requires := run(t, "rpm", "-qpR", file)
	for _, r := range []string{"mediawiki-core >= 1.39.0", "php-intl"} {
		if !strings.Contains(requires, r+"\n") {
			t.Errorf("requires lacks %q:\n%s", r, requires)
		}
	}
	changelog := run(t, "rpm", "-qp", "--changelog", file)
	if want := "* Tue Mar 05 2024 mwedition tests <tests@mwedition.example.org> - 1.2.3-1\n- Packaged by mwedition from Example 1.2.3.\n"; !strings.HasPrefix(changelog, want) {
		t.Errorf("rpm --changelog = %q, want %q", changelog, want)
	}
	if k := run(t, "rpm", "-K", file); !strings.Contains(k, "digests OK") {
		t.Errorf("rpm -K: %s", k)
	}

	// The payload's names are relative, so cpio unpacks below the current directory, without
	// --no-absolute-filenames.
	need(t, "cpio")
	for _, name := range strings.Split(strings.TrimSpace(run(t, "sh", "-c", `rpm2cpio "$1" | cpio -t --quiet`, "sh", file)), "\n") {
		if !strings.HasPrefix(name, "./") {
			t.Errorf("payload name %q is not relative", name)
		}
	}
	dir := t.TempDir()
	cmd := command("sh", "-c", `rpm2cpio "$1" | cpio -id --quiet`, "sh", file)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("rpm2cpio | cpio -id: %v\n%s", err, out)
	}
	if b, err := os.ReadFile(filepath.Join(dir, prefix, "README.md")); err != nil || string(b) != fixtureFiles["README.md"] {
		t.Errorf("unpacked README.md: %q, %v", b, err)
	}
}

// TestRPMInstall installs the package into a scratch root with rpm itself: every file lands
// with the tree's type, mode, time and bytes, rpm -V finds nothing to report, and the
// conffile is %config(noreplace): a locally changed one is kept as .rpmsave on erase.
func TestRPMInstall(t *testing.T) {
	need(t, "rpm")
	st, tree := makeStore(t)
	p := fixture(tree, rpmFamily)
	_, file := build(t, st, p, rpmFamily, nil)
	root := t.TempDir()
	run(t, "rpm", "--root", root, "-i", "--nodeps", "--noscripts", file)

	check := func(rel string, typ fstree.Type, perm os.FileMode, content, target string) {
		t.Helper()
		full := filepath.Join(root, filepath.FromSlash(rel))
		fi, err := os.Lstat(full)
		if err != nil {
			t.Error(err)
			return
		}
		if !fi.ModTime().Equal(mtime) && typ != fstree.Dir {
			t.Errorf("%s: mtime %s, want %s", rel, fi.ModTime().UTC(), mtime)
		}
		switch typ {
		case fstree.File:
			b, err := os.ReadFile(full)
			if !fi.Mode().IsRegular() || fi.Mode().Perm() != perm || err != nil || string(b) != content {
				t.Errorf("%s: mode %s, content %q (%v); want %s, %q", rel, fi.Mode(), b, err, perm, content)
			}
		case fstree.Dir:
			if !fi.IsDir() || fi.Mode().Perm() != 0o755 {
				t.Errorf("%s: mode %s, want a 0755 directory", rel, fi.Mode())
			}
		case fstree.Symlink:
			l, err := os.Readlink(full)
			if fi.Mode()&os.ModeSymlink == 0 || err != nil || l != target {
				t.Errorf("%s: mode %s, link %q (%v); want a symlink to %q", rel, fi.Mode(), l, err, target)
			}
		}
	}
	for _, e := range tree.Entries() {
		content := ""
		if e.Type == fstree.File {
			content = fixtureFiles[e.Path]
			if e.Exec {
				content = fixtureFiles[e.Path+"*"]
			}
		}
		check(prefix+"/"+e.Path, e.Type, e.Mode().Perm(), content, e.Target)
	}
	check(confPath, fstree.File, 0o644, confContent, "")
	check("/var/lib/mediawiki/images", fstree.Dir, 0o755, "", "")

	if out := run(t, "rpm", "--root", root, "-V", "--nodeps", p.Name); out != "" {
		t.Errorf("rpm -V reports:\n%s", out)
	}
	if out := run(t, "rpm", "--root", root, "-qc", p.Name); out != confPath+"\n" {
		t.Errorf("rpm -qc = %q", out)
	}

	// A locally changed conffile survives erasure as .rpmsave; the rest goes.
	conf := filepath.Join(root, confPath)
	if err := os.WriteFile(conf, []byte("<?php // changed by the admin\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := command("rpm", "--root", root, "-V", "--nodeps", p.Name).CombinedOutput(); err == nil || !strings.Contains(string(out), " c "+confPath) {
		t.Errorf("rpm -V does not report the changed conffile (%v):\n%s", err, out)
	}
	run(t, "rpm", "--root", root, "-e", "--nodeps", "--noscripts", p.Name)
	if b, err := os.ReadFile(conf + ".rpmsave"); err != nil || !strings.Contains(string(b), "changed by the admin") {
		t.Errorf("the changed conffile was not saved: %q, %v", b, err)
	}
	if _, err := os.Lstat(filepath.Join(root, prefix)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s is still there after erasing: %v", prefix, err)
	}
}

// TestRPMLint lints the signed package: no errors and no warnings outside
// testdata/rpmlint.toml. rpmlint unpacks the payload with "rpm2cpio | cpio -id", which
// relative payload names keep inside its scratch directory.
func TestRPMLint(t *testing.T) {
	need(t, "rpmlint", "cpio")
	k := signaturetest.Keys(t)
	signer, err := signature.NewSigner(k[0].Priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	st, tree := makeStore(t)
	_, file := build(t, st, fixture(tree, rpmFamily), rpmFamily, signer)
	// rpmlint checks the signature against rpm's database: a scratch one, named in the
	// ~/.rpmmacros of a scratch HOME, holding the release key.
	home, db := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".rpmmacros"), []byte("%_dbpath "+db+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(home, "release.asc")
	if err := os.WriteFile(pub, k[0].Pub, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "rpm", "--dbpath", db, "--import", pub)

	lint := func(args ...string) (string, string, string) {
		cmd := command("rpmlint", append(args, file)...)
		cmd.Env = append(cmd.Env, "HOME="+home)
		cmd.Dir = t.TempDir()
		out, _ := cmd.CombinedOutput()
		m := regexp.MustCompile(`(\d+) errors?, (\d+) warnings?`).FindSubmatch(out)
		if m == nil {
			t.Fatalf("rpmlint gave no summary:\n%s", out)
		}
		return string(out), string(m[1]), string(m[2])
	}
	out, _, _ := lint("--info")
	t.Logf("rpmlint (unfiltered):\n%s", out)
	allow, err := filepath.Abs(filepath.Join("testdata", "rpmlint.toml"))
	if err != nil {
		t.Fatal(err)
	}
	out, errs, warns := lint("--config", allow)
	if errs != "0" || warns != "0" {
		t.Fatalf("rpmlint: %s errors, %s warnings outside testdata/rpmlint.toml:\n%s", errs, warns, out)
	}
}

// TestRPMReadBack reads the package with go-rpmutils: the header and payload digests verify,
// every header entry is what the tree says, and the payload holds the tree's bytes.
func TestRPMReadBack(t *testing.T) {
	st, tree := makeStore(t)
	p := fixture(tree, rpmFamily)
	b, _ := build(t, st, p, rpmFamily, nil)

	hdr, sigs, err := rpmutils.Verify(bytes.NewReader(b), nil)
	if err != nil {
		t.Fatalf("verifying digests: %v", err)
	}
	if len(sigs) != 0 {
		t.Errorf("an unsigned package has %d signatures", len(sigs))
	}
	nevra, err := hdr.GetNEVRA()
	if err != nil {
		t.Fatal(err)
	}
	if got := nevra.String(); got != "mediawiki-extension-example-0:1.2.3-1.noarch.rpm" && got != "mediawiki-extension-example-1.2.3-1.noarch" {
		t.Errorf("NEVRA %s", got)
	}
	for tag, want := range map[int]string{
		rpmutils.BUILDHOST: BuildHost, rpmutils.LICENSE: p.License, rpmutils.SUMMARY: p.Summary,
		rpmutils.PAYLOADCOMPRESSOR: "zstd", rpmutils.ARCH: "noarch",
	} {
		if got, err := hdr.GetString(tag); err != nil || got != want {
			t.Errorf("tag %d = %q, %v; want %q", tag, got, err, want)
		}
	}
	if bt, err := hdr.GetInt(rpmutils.BUILDTIME); err != nil || int64(bt) != mtime.Unix() {
		t.Errorf("BUILDTIME %d, %v; want %d", bt, err, mtime.Unix())
	}

	// The payload digests and sizes, recomputed: PAYLOADDIGEST over the compressed payload,
	// PAYLOADDIGESTALT over the cpio archive, SIZE over header and payload, PAYLOADSIZE the
	// archive's length.
	rng := hdr.GetRange()
	payload := b[rng.End:]
	archive, err := zstdDecode(payload)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		tag  int
		want string
	}{
		{rpmutils.PAYLOADDIGEST, sha(payload)},
		{rpmtag.PayloadDigestAlt, sha(archive)},
	} {
		if got, err := hdr.GetStrings(c.tag); err != nil || len(got) != 1 || got[0] != c.want {
			t.Errorf("tag %d = %q, %v; want %s", c.tag, got, err, c.want)
		}
	}
	if algo, err := hdr.GetInt(rpmutils.PAYLOADDIGESTALGO); err != nil || algo != 8 {
		t.Errorf("PAYLOADDIGESTALGO %d, %v; want 8 (SHA-256)", algo, err)
	}
	if n, err := hdr.PayloadSize(); err != nil || n != int64(len(archive)) {
		t.Errorf("PAYLOADSIZE %d, %v; want %d", n, err, len(archive))
	}
	if n, err := hdr.GetInt(rpmutils.SIG_SIZE); err != nil || n != len(b)-rng.Start {
		t.Errorf("SIZE %d, %v; want %d", n, err, len(b)-rng.Start)
	}
	if (rng.Start-96)%8 != 0 {
		t.Errorf("the signature header is %d bytes, not padded to 8", rng.Start-96)
	}

	// Header file entries against the tree and the extra entries.
	want := map[string]fstree.Entry{}
	for _, e := range tree.Entries() {
		want[prefix+"/"+e.Path] = e
	}
	want[prefix] = fstree.Entry{Type: fstree.Dir}
	want["/etc/mediawiki/edition.d"] = fstree.Entry{Type: fstree.Dir}
	want["/var/lib/mediawiki/images"] = fstree.Entry{Type: fstree.Dir}
	sum := sha256.Sum256([]byte(confContent))
	want[confPath] = fstree.Entry{Type: fstree.File, Size: int64(len(confContent)), Digest: hex.EncodeToString(sum[:])}
	files, err := hdr.GetFiles()
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(want) {
		t.Errorf("%d files in the header, want %d", len(files), len(want))
	}
	for _, f := range files {
		e, ok := want[f.Name()]
		if !ok {
			t.Errorf("unexpected %s", f.Name())
			continue
		}
		if f.UserName() != "root" || f.GroupName() != "root" || int64(f.Mtime()) != mtime.Unix() {
			t.Errorf("%s: %s:%s at %d", f.Name(), f.UserName(), f.GroupName(), f.Mtime())
		}
		perm := f.Mode() & 0o7777
		switch e.Type {
		case fstree.File:
			if f.Digest() != e.Digest || f.Size() != e.Size || perm != int(e.Mode().Perm()) {
				t.Errorf("%s: digest %s size %d mode %o; want %s %d %o", f.Name(), f.Digest(), f.Size(), perm, e.Digest, e.Size, e.Mode().Perm())
			}
			if isConf := f.Flags()&(1<<0) != 0; isConf != (f.Name() == confPath) {
				t.Errorf("%s: config flag %v", f.Name(), isConf)
			}
		case fstree.Dir:
			if perm != 0o755 || f.Mode()&0o170000 != 0o040000 {
				t.Errorf("%s: mode %o", f.Name(), f.Mode())
			}
		case fstree.Symlink:
			if f.Linkname() != e.Target {
				t.Errorf("%s: link to %q, want %q", f.Name(), f.Linkname(), e.Target)
			}
		}
	}

	// The payload holds the right bytes for every regular file.
	r, err := rpmutils.ReadRpm(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	pr, err := r.PayloadReaderExtended()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for {
		fi, err := pr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		e := want[fi.Name()]
		if e.Type != fstree.File || pr.IsLink() {
			continue
		}
		h := sha256.New()
		if _, err := io.Copy(h, pr); err != nil {
			t.Fatal(err)
		}
		if got := hex.EncodeToString(h.Sum(nil)); got != e.Digest {
			t.Errorf("%s: payload sha256 %s, want %s", fi.Name(), got, e.Digest)
		}
		seen++
	}
	if seen != len(fixtureFiles)+1 {
		t.Errorf("checked %d payload files, want %d", seen, len(fixtureFiles)+1)
	}

	// A flipped payload byte is caught.
	bad := bytes.Clone(b)
	bad[len(bad)-10] ^= 0xff
	if _, _, err := rpmutils.Verify(bytes.NewReader(bad), nil); err == nil {
		t.Error("a corrupted payload verified")
	}
}

func zstdDecode(b []byte) ([]byte, error) {
	d, err := zstd.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer d.Close()
	return io.ReadAll(d)
}

// bigTree writes files of incompressible bytes (n files of size bytes each) into a store
// and returns the store and the tree.
func bigTree(tb testing.TB, n, size int) (dirStore, fstree.Tree) {
	tb.Helper()
	root := tb.TempDir()
	src := filepath.Join(root, "src", "big")
	rng := rand.New(rand.NewChaCha8([32]byte{1}))
	buf := make([]byte, size)
	for i := range n {
		dir := filepath.Join(src, fmt.Sprintf("d%02d", i%16))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			tb.Fatal(err)
		}
		for j := range buf {
			buf[j] = byte(rng.Uint32())
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f%04d.bin", i)), buf, 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	tree, _, err := fstree.Scan(context.Background(), src, fstree.ScanOptions{Src: "src/big", Jobs: 4})
	if err != nil {
		tb.Fatal(err)
	}
	return dirStore(root), tree
}

// TestRPMMemory packs 8 and 64 MiB of incompressible files and checks what RPM allocates in
// all: the same few MiB for both (the compressor's window and history, fixed buffers), far
// less than the tree, because file contents and the payload stream through and are never
// held whole.
func TestRPMMemory(t *testing.T) {
	const size = 1 << 20
	allocs := map[int]uint64{}
	for _, files := range []int{8, 64} {
		st, tree := bigTree(t, files, size)
		p := fixture(tree, rpmFamily)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		n := &countWriter{}
		if err := RPM(context.Background(), p, st, n, nil); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		allocs[files] = after.TotalAlloc - before.TotalAlloc
		t.Logf("%d MiB packed into %d bytes with %.1f MiB allocated", files*size>>20, n.n, float64(allocs[files])/(1<<20))
		if n.n < files*size {
			t.Errorf("the package is %d bytes, smaller than its incompressible files", n.n)
		}
	}
	if a := allocs[64]; a > 16<<20 {
		t.Errorf("RPM allocated %.1f MiB for a 64 MiB tree; want under 16 MiB", float64(a)/(1<<20))
	}
	if growth := int64(allocs[64]) - int64(allocs[8]); growth > 2<<20 {
		t.Errorf("RPM allocated %.1f MiB more for 56 more MiB of files; want under 2 MiB", float64(growth)/(1<<20))
	}
}

type countWriter struct{ n int }

func (c *countWriter) Write(b []byte) (int, error) { c.n += len(b); return len(b), nil }

// BenchmarkRPM packs 64 MiB of incompressible files, reporting throughput and allocations.
func BenchmarkRPM(b *testing.B) {
	const files, size = 64, 1 << 20
	st, tree := bigTree(b, files, size)
	p := fixture(tree, rpmFamily)
	b.SetBytes(files * size)
	b.ReportAllocs()
	for b.Loop() {
		if err := RPM(context.Background(), p, st, io.Discard, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func TestParseRPMRelation(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want rpmDep
		err  bool
	}{
		{in: "php-intl", want: rpmDep{name: "php-intl"}},
		{in: "php(language) >= 7.4.3", want: rpmDep{name: "php(language)", version: "7.4.3", flags: senseGreater | senseEqual}},
		{in: "mediawiki-core = 1:1.39.17-1", want: rpmDep{name: "mediawiki-core", version: "1:1.39.17-1", flags: senseEqual}},
		{in: "a == 1", want: rpmDep{name: "a", version: "1", flags: senseEqual}},
		{in: "a < 2", want: rpmDep{name: "a", version: "2", flags: senseLess}},
		{in: "a <= 2", want: rpmDep{name: "a", version: "2", flags: senseLess | senseEqual}},
		{in: "a > 2", want: rpmDep{name: "a", version: "2", flags: senseGreater}},
		{in: " (php-fpm or mod_php) ", want: rpmDep{name: "(php-fpm or mod_php)"}},
		{in: "a >> 2", err: true},
		{in: "a >=", err: true},
		{in: "a >= 1 b", err: true},
		{in: "(a or b", err: true},
	} {
		got, err := parseRPMRelation(tc.in)
		if (err != nil) != tc.err {
			t.Errorf("parseRPMRelation(%q): error %v, want error %v", tc.in, err, tc.err)
			continue
		}
		if diff := cmp.Diff(tc.want, got, cmp.AllowUnexported(rpmDep{})); !tc.err && diff != "" {
			t.Errorf("parseRPMRelation(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

// TestRPMDeps: the package provides itself at its full EVR, rpmlib() features follow what the
// versions use, and a bad relation is refused before anything is written.
func TestRPMDeps(t *testing.T) {
	st, tree := makeStore(t)
	p := fixture(tree, rpmFamily)
	p.Epoch, p.Version = 2, "1.2.3~rc1"
	p.Depends = append(p.Depends, "(php-fpm or mod_php)")
	p.Replaces = []string{"mediawiki-example"}
	_, file := build(t, st, p, rpmFamily, nil)
	got := run(t, "rpm", "-qp", "--qf", "[P %{PROVIDES} %{PROVIDEFLAGS:depflags} %{PROVIDEVERSION}\n][R %{REQUIRES} %{REQUIREFLAGS:depflags} %{REQUIREVERSION}\n][O %{OBSOLETES}\n][W %{RECOMMENDS}\n]", file)
	for _, want := range []string{
		"P mediawiki-extension-example = 2:1.2.3~rc1-1\n",
		"R (php-fpm or mod_php)  \n",
		"R mediawiki-core >= 1.39.0\n",
		"R rpmlib(RichDependencies) <= 4.12.0-1\n",
		"R rpmlib(TildeInVersions) <= 4.10.0-1\n",
		"O mediawiki-example\n",
		"W php-pecl-apcu\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("dependencies lack %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "CaretInVersions") {
		t.Errorf("rpmlib(CaretInVersions) without a caret:\n%s", got)
	}

	p.Conflicts = []string{"mediawiki-edition >> 1"}
	var buf bytes.Buffer
	if err := RPM(context.Background(), p, st, &buf, nil); err == nil || !strings.Contains(err.Error(), `relation "mediawiki-edition >> 1"`) || buf.Len() != 0 {
		t.Errorf("got %v and %d bytes, want an error naming the relation and nothing written", err, buf.Len())
	}
}
