package dnf

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/signature"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// buildTime is the synthetic packages' time.
var buildTime = time.Date(2025, 6, 7, 8, 9, 10, 0, time.UTC)

// example is a package with something of everything the metadata describes: relations of
// each kind, with and without versions, a scriptlet (so a Requires(post) on /bin/sh), a
// conffile, a directory, a symlink, files primary lists (bin/, /etc/) and files it does
// not, a changelog and text that needs escaping.
func example(version string) pack.Package {
	return pack.Package{
		Name:        "mediawiki-extension-example",
		Version:     version,
		Release:     "1",
		Epoch:       2,
		Summary:     "Example <extension> & friends",
		Description: "Example shows how \"metadata\" is escaped.\n\nÜnïcode stays; a\ttab too.",
		Homepage:    "https://www.mediawiki.org/wiki/Extension:Example?a=1&b=2",
		License:     "GPL-2.0-or-later",
		Maintainer:  "mwedition tests <tests@mwedition.example.org>",
		Vendor:      "mwedition",
		Depends:     []string{"mediawiki-core >= 1.39.0", "php-intl", "php(language) >= 7.4.3~", "/usr/bin/php", "(php-apcu or php-pecl-apcu)"},
		Provides:    []string{"mediawiki-example = 2.0", "example-tool"},
		Conflicts:   []string{"mediawiki-extension-example-old < 1.0"},
		Replaces:    []string{"mediawiki-extension-exampel"},
		Recommends:  []string{"php-apcu"},
		Suggests:    []string{"php-pecl-redis >= 5"},
		Extra: []pack.File{
			{Path: "/etc/mediawiki/example.d", Type: fstree.Dir},
			{Path: "/etc/mediawiki/example.d/x.php", Type: fstree.File, Content: []byte("<?php\n"), Conffile: true},
			{Path: "/usr/bin/example-tool", Type: fstree.File, Mode: 0o755, Content: []byte("#!/bin/sh\necho example\n")},
			{Path: "/usr/share/mediawiki/extensions/Example", Type: fstree.Dir},
			{Path: "/usr/share/mediawiki/extensions/Example/extension.json", Type: fstree.File, Content: []byte("{}\n")},
			{Path: "/usr/share/mediawiki/extensions/Example/COPYING.txt", Type: fstree.Symlink, Target: "extension.json"},
		},
		Scripts: pack.Scripts{PostInstall: "chmod 0700 /var/lib/mediawiki/images || :\n"},
		Changes: []string{"Packaged <by> mwedition & tests.", "Second item."},
		MTime:   buildTime,
	}
}

// plain is a minimal package: no files, no relations but its own.
func plain(name, version string, mtime time.Time) pack.Package {
	return pack.Package{
		Name: name, Version: version, Summary: name + " stand-in", License: "MIT",
		Maintainer: "mwedition tests <tests@mwedition.example.org>", MTime: mtime,
	}
}

// writeRPM writes p, unsigned, with the project's RPM writer into dir and returns the file.
func writeRPM(t *testing.T, dir string, p pack.Package) string {
	t.Helper()
	return writeRPMSigned(t, dir, p, nil)
}

// writeRPMSigned is writeRPM signing with signer, as a repository needs.
func writeRPMSigned(t *testing.T, dir string, p pack.Package, signer *signature.Signer) string {
	t.Helper()
	var b bytes.Buffer
	if err := pack.RPM(context.Background(), p, nil, &b, signer); err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(dir, pack.RPMFileName(p))
	if err := os.WriteFile(f, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return f
}

var (
	keyOnce   sync.Once
	keyArmor  []byte
	keySigner *signature.Signer
	keyErr    error
)

// testSigner is a throwaway RSA key made once per test binary.
func testSigner(t *testing.T) (*signature.Signer, openpgp.EntityList) {
	t.Helper()
	keyOnce.Do(func() {
		created := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		cfg := &packet.Config{Algorithm: packet.PubKeyAlgoRSA, RSABits: 2048, Time: func() time.Time { return created }}
		e, err := openpgp.NewEntity("mwedition release", "test only", "release@mwedition.example.org", cfg)
		if err != nil {
			keyErr = err
			return
		}
		var b bytes.Buffer
		w, _ := armor.Encode(&b, openpgp.PrivateKeyType, nil)
		if keyErr = e.SerializePrivate(w, nil); keyErr != nil {
			return
		}
		w.Close()
		keyArmor = b.Bytes()
		keySigner, keyErr = signature.NewSigner(keyArmor, nil, "")
	})
	if keyErr != nil {
		t.Fatal(keyErr)
	}
	pub, err := keySigner.ArmoredPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	ring, err := openpgp.ReadArmoredKeyRing(bytes.NewReader(pub))
	if err != nil {
		t.Fatal(err)
	}
	return keySigner, ring
}

func TestReadPackage(t *testing.T) {
	f := writeRPM(t, t.TempDir(), example("1.2.3"))
	got, err := ReadPackage(f, "pool/x.rpm")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(f)
	// The header range, checked on the file's bytes: the main header's magic at the start,
	// the zstd payload right after the end.
	if !bytes.HasPrefix(raw[got.HeaderStart:], []byte{0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0}) ||
		!bytes.HasPrefix(raw[got.HeaderEnd:], []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		t.Errorf("header range %d-%d is not the main header", got.HeaderStart, got.HeaderEnd)
	}
	if len(got.Checksum) != 64 || got.Size != int64(len(raw)) || got.ArchiveSize <= got.InstalledSize || got.InstalledSize == 0 {
		t.Errorf("checksum %q, size %d of %d, installed %d, archive %d", got.Checksum, got.Size, len(raw), got.InstalledSize, got.ArchiveSize)
	}
	got.Checksum, got.Size, got.HeaderStart, got.HeaderEnd, got.InstalledSize, got.ArchiveSize = "", 0, 0, 0, 0, 0
	v := func(name, flags, e, ver, rel string) Dep {
		return Dep{Name: name, Flags: flags, Epoch: e, Version: ver, Release: rel}
	}
	want := Package{
		Href: "pool/x.rpm", Name: "mediawiki-extension-example", Arch: "noarch",
		Epoch: "2", Version: "1.2.3", Release: "1",
		Summary:     "Example <extension> & friends",
		Description: "Example shows how \"metadata\" is escaped.\n\nÜnïcode stays; a\ttab too.",
		URL:         "https://www.mediawiki.org/wiki/Extension:Example?a=1&b=2",
		Packager:    "mwedition tests <tests@mwedition.example.org>", License: "GPL-2.0-or-later", Vendor: "mwedition",
		Group: pack.RPMGroup, BuildHost: pack.BuildHost, SourceRPM: "mediawiki-extension-example-1.2.3-1.src.rpm",
		BuildTime: buildTime.Unix(),
		Provides: []Dep{
			{Name: "example-tool"},
			v("mediawiki-example", "EQ", "0", "2.0", ""),
			v("mediawiki-extension-example", "EQ", "2", "1.2.3", "1"),
		},
		// No rpmlib() features; the shell once, for the scriptlet; /usr/bin/php is not the
		// package's own, so it stays.
		Requires: []Dep{
			{Name: "(php-apcu or php-pecl-apcu)"},
			{Name: "/bin/sh", Pre: true},
			{Name: "/usr/bin/php"},
			v("mediawiki-core", "GE", "0", "1.39.0", ""),
			v("php(language)", "GE", "0", "7.4.3~", ""),
			{Name: "php-intl"},
		},
		Conflicts:  []Dep{v("mediawiki-extension-example-old", "LT", "0", "1.0", "")},
		Obsoletes:  []Dep{{Name: "mediawiki-extension-exampel"}},
		Recommends: []Dep{{Name: "php-apcu"}},
		Suggests:   []Dep{v("php-pecl-redis", "GE", "0", "5", "")},
		Files: []File{
			{Path: "/etc/mediawiki/example.d", Type: "dir"},
			{Path: "/etc/mediawiki/example.d/x.php"},
			{Path: "/usr/bin/example-tool"},
			{Path: "/usr/share/mediawiki/extensions/Example", Type: "dir"},
			{Path: "/usr/share/mediawiki/extensions/Example/COPYING.txt"},
			{Path: "/usr/share/mediawiki/extensions/Example/extension.json"},
		},
		Changelog: []Change{{
			Author: "mwedition tests <tests@mwedition.example.org> - 2:1.2.3-1",
			Date:   buildTime.Unix(),
			Text:   "- Packaged <by> mwedition & tests.\n- Second item.",
		}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadPackage (-want +got):\n%s", diff)
	}

	if _, err := ReadPackage(filepath.Join(t.TempDir(), "missing.rpm"), "x"); err == nil {
		t.Error("a missing file reads")
	}
	bad := filepath.Join(t.TempDir(), "bad.rpm")
	os.WriteFile(bad, []byte("not an rpm at all, but long enough to hold a lead of ninety-six bytes.............."), 0o644)
	if _, err := ReadPackage(bad, "x"); err == nil || !strings.Contains(err.Error(), "RPM header") {
		t.Errorf("a file that is no RPM: %v", err)
	}
}

func TestNewDep(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags uint64
		evr   string
		want  Dep
	}{
		{"a", 0, "", Dep{Name: "a"}},
		{"a", 8, "1.0", Dep{Name: "a", Flags: "EQ", Epoch: "0", Version: "1.0"}},
		{"a", 12, "3:1.0-2.el9", Dep{Name: "a", Flags: "GE", Epoch: "3", Version: "1.0", Release: "2.el9"}},
		{"a", 10, "1.0-2-3", Dep{Name: "a", Flags: "LE", Epoch: "0", Version: "1.0", Release: "2-3"}},
		{"a", 2, "x:1.0", Dep{Name: "a", Flags: "LT", Epoch: "0", Version: "x:1.0"}},
		{"a", 4 | 1<<24, "4.0", Dep{Name: "a", Flags: "GT", Epoch: "0", Version: "4.0"}},
		{"a", 1 << 9, "", Dep{Name: "a"}},
	} {
		if diff := cmp.Diff(tc.want, newDep(tc.name, tc.flags, tc.evr)); diff != "" {
			t.Errorf("newDep(%q, %#x, %q) (-want +got):\n%s", tc.name, tc.flags, tc.evr, diff)
		}
	}
}

func TestFilterRequires(t *testing.T) {
	const interp, post, preun = 1 << 8, 1 << 10, 1 << 11
	reqs := []Dep{
		{Name: "rpmlib(CompressedFileNames)", Flags: "LE", Version: "3.0.4", Release: "1"},
		{Name: "/bin/sh"}, {Name: "/bin/sh"}, {Name: "/bin/sh"}, // post, preun, post again
		{Name: "/usr/bin/own-tool"},              // the package's own, and primary: dropped
		{Name: "/usr/share/own/file"},            // the package's own, not primary: kept
		{Name: "provided-here"},                  // provided by the package: dropped
		{Name: "php", Flags: "GE", Version: "8"}, // kept
	}
	flags := []uint64{1<<24 | 10, interp | post, interp | preun, interp | post, 0, 0, 0, 12}
	own := map[string]bool{"/usr/bin/own-tool": true, "/usr/share/own/file": true}
	got := filterRequires(reqs, flags, []Dep{{Name: "provided-here", Flags: "EQ", Version: "1"}}, own)
	want := []Dep{
		{Name: "/bin/sh", Pre: true},
		{Name: "/bin/sh"},
		{Name: "/bin/sh", Pre: true},
		{Name: "/usr/share/own/file"},
		{Name: "php", Flags: "GE", Version: "8"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("filterRequires (-want +got):\n%s", diff)
	}
}

func TestIsPrimary(t *testing.T) {
	for path, want := range map[string]bool{
		"/etc/mediawiki/x.php": true, "/etc": false, "/usr/bin/php": true, "/usr/sbin/httpd": true,
		"/opt/x/bin/tool": true, "/usr/lib/sendmail": true, "/usr/share/mediawiki/index.php": false,
		"/usr/share/binaries": false, "/bin": false,
	} {
		if got := isPrimary(path); got != want {
			t.Errorf("isPrimary(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct {
		in         string
		text, attr string
	}{
		{"plain", "plain", "plain"},
		{`a<b>&"c"`, `a&lt;b&gt;&amp;"c"`, `a&lt;b&gt;&amp;&quot;c&quot;`},
		{"line\nbreak\ttab\r", "line\nbreak\ttab&#13;", "line&#10;break&#9;tab&#13;"},
		{"bell\x07 nul\x00", "bell\uFFFD nul\uFFFD", "bell\uFFFD nul\uFFFD"},
		{"bad \xff utf-8 and a real \uFFFD", "bad \uFFFD utf-8 and a real \uFFFD", "bad \uFFFD utf-8 and a real \uFFFD"},
		{"Ünïcode ✓", "Ünïcode ✓", "Ünïcode ✓"},
		{"\uFFFE", "\uFFFD", "\uFFFD"},
	} {
		if got := escape(tc.in, false); got != tc.text {
			t.Errorf("escape(%q) in text = %q, want %q", tc.in, got, tc.text)
		}
		if got := escape(tc.in, true); got != tc.attr {
			t.Errorf("escape(%q) in an attribute = %q, want %q", tc.in, got, tc.attr)
		}
	}
}

// TestChangelogDates: entries of one second get distinct dates, the newer ones later, and
// other.xml lists them oldest first.
func TestChangelogDates(t *testing.T) {
	p := Package{Name: "a", Arch: "noarch", Epoch: "0", Version: "1", Release: "1", Checksum: "c", Changelog: []Change{
		{Author: "n3", Date: 100, Text: "newest"}, {Author: "n2", Date: 100, Text: "middle"},
		{Author: "n1", Date: 100, Text: "old"}, {Author: "n0", Date: 50, Text: "oldest"},
	}}
	got := string(otherXML([]Package{p}))
	want := `  <changelog author="n0" date="50">oldest</changelog>
  <changelog author="n1" date="100">old</changelog>
  <changelog author="n2" date="101">middle</changelog>
  <changelog author="n3" date="102">newest</changelog>
`
	if !strings.Contains(got, want) {
		t.Errorf("other.xml:\n%s\nwant it to hold:\n%s", got, want)
	}
}

func TestKeep(t *testing.T) {
	p := func(name, epoch, version string) Package {
		return Package{Name: name, Epoch: epoch, Version: version, Release: "1", Href: name + "-" + version}
	}
	all := []Package{
		p("a", "0", "1.9"), p("a", "0", "1.10"), p("a", "0", "1.10~rc1"), p("a", "0", "1.2"),
		p("b", "1", "0.1"), p("b", "0", "9.9"), p("c", "0", "1"),
	}
	hrefs := func(ps []Package) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.Href)
		}
		return out
	}
	for _, tc := range []struct {
		n    int
		want []string
	}{
		{1, []string{"a-1.10", "b-0.1", "c-1"}},
		{2, []string{"a-1.10~rc1", "a-1.10", "b-9.9", "b-0.1", "c-1"}},
		{0, []string{"a-1.9", "a-1.10", "a-1.10~rc1", "a-1.2", "b-0.1", "b-9.9", "c-1"}},
	} {
		if diff := cmp.Diff(tc.want, hrefs(Keep(all, tc.n))); diff != "" {
			t.Errorf("Keep(%d) (-want +got):\n%s", tc.n, diff)
		}
	}
}

// TestGolden compares the metadata of two packages (three files) with testdata/*.xml;
// go test -update rewrites them.
func TestGolden(t *testing.T) {
	signer, _ := testSigner(t)
	dir := t.TempDir()
	var pkgs []Package
	for _, p := range []pack.Package{example("1.10"), plain("mediawiki-core", "1.39.17", buildTime.Add(-time.Hour)), example("1.9")} {
		f := writeRPM(t, dir, p)
		rp, err := ReadPackage(f, "pool/"+filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, rp)
	}
	files, err := Metadata(pkgs, Options{Signer: signer, BaseURL: "https://example.org/dnf"})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for _, f := range files {
		name := filepath.Base(f.Path)
		if _, typ, ok := strings.Cut(name, "-"); ok && Retain(f.Path) {
			name = strings.TrimSuffix(typ, ".gz")
			f.Data = gunzip(t, f.Data)
		}
		got[name] = f.Data
	}
	for _, name := range []string{"primary.xml", "filelists.xml", "other.xml", "repomd.xml", "mwedition.repo"} {
		golden := filepath.Join("testdata", name)
		if *update {
			if err := os.WriteFile(golden, got[name], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatalf("%v (go test -update writes it)", err)
		}
		if diff := cmp.Diff(string(want), string(got[name])); diff != "" {
			t.Errorf("%s differs from %s (-want +got):\n%s", name, golden, diff)
		}
	}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if !zr.ModTime.IsZero() || zr.Name != "" {
		t.Errorf("gzip header has time %s, name %q", zr.ModTime, zr.Name)
	}
	return out
}

// TestMetadata: repomd.xml gives every file's checksums and sizes, its signature verifies
// with the published key (and not for other bytes), and the same input gives the same bytes.
func TestMetadata(t *testing.T) {
	signer, ring := testSigner(t)
	f := writeRPM(t, t.TempDir(), example("1.2.3"))
	p, err := ReadPackage(f, "pool/"+filepath.Base(f))
	if err != nil {
		t.Fatal(err)
	}
	opt := Options{Signer: signer, BaseURL: "https://example.org/dnf/", ID: "mw-test"}
	files, err := Metadata([]Package{p}, opt)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := Metadata([]Package{p}, opt)
	if diff := cmp.Diff(files, again); diff != "" {
		t.Errorf("two runs differ (-first +second):\n%s", diff)
	}
	byPath := map[string][]byte{}
	var paths []string
	for _, f := range files {
		byPath[f.Path] = f.Data
		paths = append(paths, f.Path)
	}
	repomd := string(byPath[RepomdPath])
	for _, path := range paths {
		if !Retain(path) {
			continue
		}
		data := byPath[path]
		open := gunzip(t, data)
		for _, want := range []string{
			`<checksum type="sha256">` + sha256hex(data) + `</checksum>`,
			`<open-checksum type="sha256">` + sha256hex(open) + `</open-checksum>`,
			`<location href="` + path + `"/>`,
			`<size>` + itoa(int64(len(data))) + `</size>`,
			`<open-size>` + itoa(int64(len(open))) + `</open-size>`,
		} {
			if !strings.Contains(repomd, want) {
				t.Errorf("repomd.xml lacks %s", want)
			}
		}
		if !strings.HasPrefix(path, "repodata/"+sha256hex(data)+"-") {
			t.Errorf("%s is not named by its checksum", path)
		}
	}
	if n := strings.Count(repomd, "<timestamp>"+itoa(buildTime.Unix())+"</timestamp>"); n != 3 || !strings.Contains(repomd, "<revision>"+itoa(buildTime.Unix())+"</revision>") {
		t.Errorf("repomd.xml's revision and timestamps are not the package's time:\n%s", repomd)
	}
	wantPaths := []string{"RPM-GPG-KEY-mw-test", "mw-test.repo"}
	if diff := cmp.Diff(wantPaths, paths[:2]); diff != "" || len(paths) != 7 {
		t.Errorf("paths %v", paths)
	}
	wantRepo := "[mw-test]\nname=MediaWiki editions (mw-test)\nbaseurl=https://example.org/dnf\nenabled=1\ngpgcheck=1\nrepo_gpgcheck=1\nskip_if_unavailable=False\ngpgkey=https://example.org/dnf/RPM-GPG-KEY-mw-test\n"
	if diff := cmp.Diff(wantRepo, string(byPath["mw-test.repo"])); diff != "" {
		t.Errorf(".repo file (-want +got):\n%s", diff)
	}
	pub, _ := signer.ArmoredPublicKey()
	if !bytes.Equal(byPath["RPM-GPG-KEY-mw-test"], pub) {
		t.Error("the published key is not the signer's public key")
	}

	verify := func(data []byte) error {
		_, err := openpgp.CheckArmoredDetachedSignature(ring, bytes.NewReader(data), bytes.NewReader(byPath[SigPath]), nil)
		return err
	}
	if err := verify(byPath[RepomdPath]); err != nil {
		t.Errorf("repomd.xml.asc does not verify: %v", err)
	}
	tampered := bytes.Replace(byPath[RepomdPath], []byte("<revision>"), []byte("<revision>1"), 1)
	if err := verify(tampered); err == nil {
		t.Error("repomd.xml.asc verifies a changed repomd.xml")
	}

	later := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	opt.Time = later
	files, _ = Metadata([]Package{p}, opt)
	for _, f := range files {
		if f.Path == RepomdPath && !strings.Contains(string(f.Data), "<revision>"+itoa(later.Unix())+"</revision>") {
			t.Errorf("Options.Time is not the revision:\n%s", f.Data)
		}
	}
}

func TestMetadataErrors(t *testing.T) {
	signer, _ := testSigner(t)
	p := Package{Name: "a", Arch: "noarch", Epoch: "0", Version: "1", Release: "1", Href: "pool/a.rpm", Checksum: "11", BuildTime: 1}
	for name, tc := range map[string]struct {
		pkgs []Package
		opt  Options
		want string
	}{
		"no signer":      {[]Package{p}, Options{BaseURL: "x"}, "signing key is required"},
		"no URL":         {[]Package{p}, Options{Signer: signer}, "URL is required"},
		"bad id":         {[]Package{p}, Options{Signer: signer, BaseURL: "x", ID: "a b"}, "repository id"},
		"multi-line URL": {[]Package{p}, Options{Signer: signer, BaseURL: "x\ny"}, "one line"},
		"no packages":    {nil, Options{Signer: signer, BaseURL: "x"}, "no packages and no time"},
		"same href":      {[]Package{p, func() Package { q := p; q.Checksum = "22"; return q }()}, Options{Signer: signer, BaseURL: "x"}, "two different files"},
		"same NEVRA":     {[]Package{p, func() Package { q := p; q.Href = "pool/b.rpm"; return q }()}, Options{Signer: signer, BaseURL: "x"}, "are both a-0:1-1.noarch"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := Metadata(tc.pkgs, tc.opt)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// The same file given twice is listed once.
	files, err := Metadata([]Package{p, p}, Options{Signer: signer, BaseURL: "x"})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f.Path, "primary.xml.gz") && !bytes.Contains(gunzip(t, f.Data), []byte(`packages="1"`)) {
			t.Error("a package given twice is listed twice")
		}
	}
}

func TestReadServed(t *testing.T) {
	signer, _ := testSigner(t)
	f := writeRPM(t, t.TempDir(), plain("aa", "1", buildTime))
	p, err := ReadPackage(f, "pool/aa.rpm")
	if err != nil {
		t.Fatal(err)
	}
	files, err := Metadata([]Package{p}, Options{Signer: signer, BaseURL: "x"})
	if err != nil {
		t.Fatal(err)
	}
	served := map[string][]byte{}
	for _, f := range files {
		served[f.Path] = f.Data
	}
	read := func(path string) ([]byte, error) {
		if b, ok := served[path]; ok {
			return b, nil
		}
		return nil, os.ErrNotExist
	}
	got, err := ReadServed(read)
	want := Served{Revision: buildTime, Packages: []Published{{Name: "aa", Arch: "noarch", Epoch: "0", Version: "1", Release: "1", Href: "pool/aa.rpm", Checksum: p.Checksum}}}
	if diff := cmp.Diff(want, got); diff != "" || err != nil {
		t.Errorf("ReadServed (%v) (-want +got):\n%s", err, diff)
	}
	if got, err := ReadServed(func(string) ([]byte, error) { return nil, os.ErrNotExist }); got.Packages != nil || err != nil {
		t.Errorf("an empty repository: %v, %v", got, err)
	}
	for path := range served {
		if strings.HasSuffix(path, "-primary.xml.gz") {
			served[path] = append([]byte(nil), served[path]...)
			served[path][20] ^= 1
		}
	}
	if _, err := ReadServed(read); err == nil || !strings.Contains(err.Error(), "does not match the checksum") {
		t.Errorf("a changed primary: %v", err)
	}
	served[RepomdPath] = []byte("<repomd")
	if _, err := ReadServed(read); err == nil {
		t.Error("a broken repomd.xml reads")
	}
}
