package pack

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fixturePaths is every path the fixture's packages hold below the prefix, with its mode as
// ls prints it.
func fixturePaths() map[string]string {
	out := map[string]string{prefix: "drwxr-xr-x"}
	for name := range fixtureFiles {
		mode := "-rw-r--r--"
		if strings.HasSuffix(name, "*") {
			name, mode = strings.TrimSuffix(name, "*"), "-rwxr-xr-x"
		}
		out[prefix+"/"+name] = mode
		for dir := filepath.Dir(name); dir != "."; dir = filepath.Dir(dir) {
			out[prefix+"/"+dir] = "drwxr-xr-x"
		}
	}
	for name := range fixtureSymlinks {
		out[prefix+"/"+name] = "lrwxrwxrwx"
	}
	return out
}

func TestDebControl(t *testing.T) {
	need(t, "dpkg-deb")
	st, tree := makeStore(t)
	p := fixture(tree, debFamily)
	_, deb := build(t, st, p, debFamily, nil)

	info := run(t, "dpkg-deb", "--info", deb)
	for _, field := range []string{
		"Package: mediawiki-extension-example",
		"Version: 1.2.3-1",
		"Architecture: all",
		"Section: web",
		"Priority: optional",
		"Maintainer: mwedition tests <tests@mwedition.example.org>",
		"Depends: mediawiki-core (>= 1.39.0~), php-cli, php-intl",
		"Recommends: php-apcu",
		"Homepage: https://www.mediawiki.org/wiki/Extension:Example",
		"Description: Example extension for MediaWiki\n  Example shows how an extension is packaged by mwedition.\n  .\n  It does nothing useful.",
	} {
		if !strings.Contains(info, field) {
			t.Errorf("dpkg-deb --info lacks %q:\n%s", field, info)
		}
	}

	// The control archive: every member root-owned, scripts executable, data files not.
	ctrl := t.TempDir()
	run(t, "dpkg-deb", "--control", deb, ctrl)
	listing := run(t, "sh", "-c", "dpkg-deb --ctrl-tarfile \"$1\" | tar -tv --numeric-owner", "sh", deb)
	t.Logf("control archive:\n%s", listing)
	for _, member := range []string{"./control", "./md5sums", "./conffiles", "./postinst", "./postrm"} {
		if !regexp.MustCompile(`(?m) 0/0 .* ` + regexp.QuoteMeta(member) + `$`).MatchString(listing) {
			t.Errorf("control archive lacks a root-owned %s", member)
		}
	}
	conffiles, err := os.ReadFile(filepath.Join(ctrl, "conffiles"))
	if err != nil {
		t.Fatal(err)
	}
	if string(conffiles) != confPath+"\n" {
		t.Errorf("conffiles = %q, want %q", conffiles, confPath+"\n")
	}
	postinst, err := os.ReadFile(filepath.Join(ctrl, "postinst"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(postinst), "#!/bin/sh\nset -e\n") {
		t.Errorf("postinst does not start with a shebang and set -e:\n%s", postinst)
	}

	// md5sums lists every regular file, with the right sum, and nothing else.
	md5sums, err := os.ReadFile(filepath.Join(ctrl, "md5sums"))
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	run(t, "dpkg-deb", "--extract", deb, root)
	var want []string
	filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		sum := md5.Sum(b)
		rel, _ := filepath.Rel(root, path)
		want = append(want, hex.EncodeToString(sum[:])+"  "+rel)
		return nil
	})
	got := strings.Split(strings.TrimSuffix(string(md5sums), "\n"), "\n")
	slices.Sort(want)
	slices.Sort(got)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("md5sums (-want +got):\n%s", diff)
	}
	// Extracted contents are the store's bytes.
	for name, content := range fixtureFiles {
		name = strings.TrimSuffix(name, "*")
		b, err := os.ReadFile(filepath.Join(root, prefix, name))
		if err != nil || string(b) != content {
			t.Errorf("%s: extracted %q, %v; want %q", name, b, err, content)
		}
	}
}

var dpkgListLine = regexp.MustCompile(`^([-dl][-rwxst]{9}) (\S+)/(\S+) +\d+ (\d{4}-\d\d-\d\d \d\d:\d\d) \./(.*?)/?( -> .*)?$`)

func TestDebContents(t *testing.T) {
	need(t, "dpkg-deb")
	st, tree := makeStore(t)
	_, deb := build(t, st, fixture(tree, debFamily), debFamily, nil)
	listing := run(t, "dpkg-deb", "--contents", deb)
	t.Logf("dpkg-deb --contents:\n%s", listing)

	wantModes := fixturePaths()
	for _, dir := range []string{"/etc", "/etc/mediawiki", "/etc/mediawiki/edition.d", "/usr", "/usr/share", "/usr/share/doc",
		"/usr/share/doc/mediawiki-extension-example", "/usr/share/mediawiki", "/usr/share/mediawiki/extensions",
		"/var", "/var/lib", "/var/lib/mediawiki", "/var/lib/mediawiki/images"} {
		wantModes[dir] = "drwxr-xr-x"
	}
	for _, f := range []string{confPath, "/usr/share/doc/mediawiki-extension-example/copyright",
		"/usr/share/doc/mediawiki-extension-example/changelog.Debian.gz"} {
		wantModes[f] = "-rw-r--r--"
	}
	gotModes := map[string]string{}
	wantTime := mtime.UTC().Format("2006-01-02 15:04")
	for _, line := range strings.Split(strings.TrimSpace(listing), "\n") {
		m := dpkgListLine.FindStringSubmatch(line)
		if m == nil {
			t.Errorf("unexpected line %q", line)
			continue
		}
		mode, owner, group, when, path := m[1], m[2], m[3], m[4], "/"+m[5]
		if strings.Contains(path, `\`) { // dpkg-deb writes other than ASCII in octal escapes
			unquoted, err := strconv.Unquote(`"` + path + `"`)
			if err != nil {
				t.Fatalf("%q: %v", path, err)
			}
			path = unquoted
		}
		if owner != "root" || group != "root" {
			t.Errorf("%s: owned by %s/%s", path, owner, group)
		}
		if when != wantTime {
			t.Errorf("%s: time %s, want %s", path, when, wantTime)
		}
		gotModes[path] = mode
	}
	if diff := cmp.Diff(wantModes, gotModes); diff != "" {
		t.Errorf("paths and modes (-want +got):\n%s", diff)
	}
	if !strings.Contains(listing, "COPYING.txt -> COPYING") {
		t.Errorf("the symlink's target is lost")
	}
}

func TestDebChangelogAndCopyright(t *testing.T) {
	need(t, "dpkg-parsechangelog", "gzip")
	_, tree := makeStore(t)
	p := fixture(tree, debFamily)
	dir := t.TempDir()
	p.Changes = []string{"First change, long enough to wrap: " + strings.Repeat("word ", 30), "Second change."}
	docs := DebDocs(p, Copyright{Upstream: "Example", License: "GPL-2.0-or-later AND MIT"})
	gz := filepath.Join(dir, "changelog.gz")
	if err := os.WriteFile(gz, docs[0].Content, 0o644); err != nil {
		t.Fatal(err)
	}
	// gzip -n semantics: no name, no time in the header.
	if h := docs[0].Content; h[3] != 0 || string(h[4:8]) != "\x00\x00\x00\x00" {
		t.Errorf("gzip header has flags %#x, time % x", h[3], h[4:8])
	}
	text := run(t, "gzip", "-dc", gz)
	for _, line := range strings.Split(text, "\n") {
		if len(line) > 80 && !strings.HasPrefix(line, " -- ") {
			t.Errorf("changelog line longer than 80: %q", line)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "changelog"), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	parsed := run(t, "dpkg-parsechangelog", "-l", filepath.Join(dir, "changelog"))
	for _, field := range []string{"Source: mediawiki-extension-example", "Version: 1.2.3-1", "Distribution: unstable",
		"Maintainer: mwedition tests <tests@mwedition.example.org>", "Date: Tue, 05 Mar 2024 06:07:08 +0000",
		"\n   * First change, long enough to wrap: word", "\n   * Second change."} {
		if !strings.Contains(parsed, field) {
			t.Errorf("dpkg-parsechangelog lacks %q:\n%s", field, parsed)
		}
	}
	withException := string(Copyright{Upstream: "X", License: "GPL-2.0-or-later WITH Classpath-exception-2.0 OR MIT"}.Render())
	if !strings.Contains(withException, "License: GPL-2+ with Classpath-exception-2.0 or Expat\n") ||
		strings.Contains(withException, "\nLicense: Classpath") || !strings.Contains(withException, "Copyright: the X authors\n") {
		t.Errorf("copyright with an exception:\n%s", withException)
	}
	copyright := string(docs[1].Content)
	for _, want := range []string{"License: GPL-2+ and Expat\n", "\nLicense: GPL-2+\n On Debian systems", "/usr/share/common-licenses/GPL-2.\n", "\nLicense: Expat\n"} {
		if !strings.Contains(copyright, want) {
			t.Errorf("copyright lacks %q:\n%s", want, copyright)
		}
	}
}

// TestLintian: no errors, and no warnings other than those in testdata/lintian-allow.
func TestLintian(t *testing.T) {
	need(t, "lintian")
	st, tree := makeStore(t)
	_, deb := build(t, st, fixture(tree, debFamily), debFamily, nil)
	// Unfiltered first, so that the log shows every finding.
	out, err := command("lintian", "--display-info", "--pedantic", "--tag-display-limit", "0", deb).CombinedOutput()
	t.Logf("lintian (unfiltered, with info and pedantic; %v):\n%s", err, out)

	out, err = command("lintian", "--fail-on", "error,warning", "--suppress-tags-from-file", filepath.Join("testdata", "lintian-allow"), deb).CombinedOutput()
	if err != nil || regexp.MustCompile(`(?m)^[EW]: `).Match(out) {
		t.Fatalf("lintian found errors or warnings outside testdata/lintian-allow (%v):\n%s", err, out)
	}
}

// TestDebLayout reads the ar container the way dpkg does: the magic, then debian-binary,
// control.tar.gz and data.tar.gz in that order, each with owner 0:0, mode 100644 and the
// package's time, at even offsets; both tar members are gzip streams without a name or a
// time, and the whole file is exactly the members.
func TestDebLayout(t *testing.T) {
	st, tree := makeStore(t)
	b, _ := build(t, st, fixture(tree, debFamily), debFamily, nil)
	if string(b[:8]) != "!<arch>\n" {
		t.Fatalf("magic %q", b[:8])
	}
	var names []string
	off := 8
	for off < len(b) {
		if off%2 != 0 || off+60 > len(b) {
			t.Fatalf("member header at odd or truncated offset %d of %d", off, len(b))
		}
		h := string(b[off : off+60])
		name := strings.TrimSpace(h[0:16])
		size, err := strconv.Atoi(strings.TrimSpace(h[48:58]))
		if err != nil {
			t.Fatalf("%s: size %q", name, h[48:58])
		}
		if got, want := h[16:58], fmt.Sprintf("%-12d%-6d%-6d%-8s", mtime.Unix(), 0, 0, "100644"); !strings.HasPrefix(got, want) || h[58:] != "`\n" {
			t.Errorf("%s: header %q, want time, owner and mode %q", name, h, want)
		}
		body := b[off+60 : off+60+size]
		if strings.HasSuffix(name, ".gz") {
			// ID1 ID2 CM FLG MTIME(4) XFL OS: deflate, no flags (no name), time 0.
			if body[0] != 0x1f || body[1] != 0x8b || body[2] != 8 || body[3] != 0 || string(body[4:8]) != "\x00\x00\x00\x00" {
				t.Errorf("%s: gzip header % x", name, body[:10])
			}
		}
		names = append(names, name)
		off += 60 + size + size%2
	}
	if off != len(b) {
		t.Errorf("members end at %d, the file at %d", off, len(b))
	}
	if diff := cmp.Diff([]string{"debian-binary", "control.tar.gz", "data.tar.gz"}, names); diff != "" {
		t.Errorf("members (-want +got):\n%s", diff)
	}
}

// tempStore is a Store with a TempDir, as internal/cache.Store has.
type tempStore struct {
	dirStore
	tmp string
}

func (s tempStore) TempDir() string { return s.tmp }

// TestTempDir: both writers put their payload in the Store's TempDir and leave it empty.
func TestTempDir(t *testing.T) {
	st, tree := makeStore(t)
	for _, fam := range []family{debFamily, rpmFamily} {
		ts := tempStore{st, filepath.Join(t.TempDir(), "missing")}
		var err error
		if fam == debFamily {
			err = Deb(context.Background(), fixture(tree, fam), ts, &bytes.Buffer{})
		} else {
			err = RPM(context.Background(), fixture(tree, fam), ts, &bytes.Buffer{}, nil)
		}
		if err == nil || !strings.Contains(err.Error(), "temporary file") || !strings.Contains(err.Error(), ts.tmp) {
			t.Errorf("%s with a missing TempDir: got %v, want an error naming it", fam, err)
		}
		ts.tmp = t.TempDir()
		want, _ := build(t, st, fixture(tree, fam), fam, nil)
		got, _ := build(t, ts, fixture(tree, fam), fam, nil)
		if !bytes.Equal(got, want) {
			t.Errorf("%s: the package depends on where its temporary file was", fam)
		}
		if left, _ := os.ReadDir(ts.tmp); len(left) != 0 {
			t.Errorf("%s left %d files in its TempDir", fam, len(left))
		}
	}
}

// TestDebMemory packs 8 and 64 MiB of incompressible files and checks what Deb allocates
// in all: the same few MiB for both (the compressor's state, fixed buffers), because file
// contents and the data member stream through and are never held whole.
func TestDebMemory(t *testing.T) {
	const size = 1 << 20
	allocs := map[int]uint64{}
	for _, files := range []int{8, 64} {
		st, tree := bigTree(t, files, size)
		p := fixture(tree, debFamily)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		n := &countWriter{}
		if err := Deb(context.Background(), p, st, n); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		allocs[files] = after.TotalAlloc - before.TotalAlloc
		t.Logf("%d MiB packed into %d bytes with %.1f MiB allocated", files*size>>20, n.n, float64(allocs[files])/(1<<20))
		if n.n < files*size {
			t.Errorf("the package is %d bytes, smaller than its incompressible files", n.n)
		}
	}
	if a := allocs[64]; a > 8<<20 {
		t.Errorf("Deb allocated %.1f MiB for a 64 MiB tree; want under 8 MiB", float64(a)/(1<<20))
	}
	if growth := int64(allocs[64]) - int64(allocs[8]); growth > 1<<20 {
		t.Errorf("Deb allocated %.1f MiB more for 56 more MiB of files; want under 1 MiB", float64(growth)/(1<<20))
	}
}

// BenchmarkDeb packs 64 MiB of incompressible files, reporting throughput and allocations.
func BenchmarkDeb(b *testing.B) {
	const files, size = 64, 1 << 20
	st, tree := bigTree(b, files, size)
	p := fixture(tree, debFamily)
	b.SetBytes(files * size)
	b.ReportAllocs()
	for b.Loop() {
		if err := Deb(context.Background(), p, st, io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
