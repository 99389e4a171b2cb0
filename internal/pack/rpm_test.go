package pack

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	rpmutils "github.com/sassoftware/go-rpmutils"

	"github.com/mwedition/mwedition/internal/fstree"
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
		`Group *: Unspecified\n`,
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
	run(t, "sh", "-c", `rpm2cpio "$1" >/dev/null`, "sh", file)
}

// TestRPMLint lints the signed package: no errors and no warnings outside
// testdata/rpmlint.toml. rpmlint unpacks the payload with "rpm2cpio | cpio -id", which
// relative payload names keep inside its scratch directory.
func TestRPMLint(t *testing.T) {
	need(t, "rpmlint", "cpio")
	k := signingKeys(t)
	signer, err := NewSigner(k[0].priv, nil, "")
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
	if err := os.WriteFile(pub, k[0].pub, 0o644); err != nil {
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
