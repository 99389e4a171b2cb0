package pack

import (
	"archive/tar"
	"bufio"
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/tarfile"
)

// DebCompression is the compression of both tar members of every .deb: gzip at level 6,
// written by klauspost/compress (single-threaded, no name or time in the header, so the
// bytes depend only on the input and the library's version, which go.mod pins). Every dpkg
// reads it. On MediaWiki's release it is about three times as fast as the standard
// library's level 6 for 3% more bytes (its level 8 matches the standard library's size at
// 1.5 times the speed). zstd would be faster and smaller, but lintian 2.116 (bookworm) calls
// a data.tar.zst member a malformed-deb-archive error; ulikunitz/xz is ten times slower than
// this gzip for 17% less.
const DebCompression = "gzip:6"

// debGzip is DebCompression's setting.
var debGzip = tarfile.Gzip6

// debBinary is the debian-binary member: the format version.
const debBinary = "2.0\n"

// maxArSize is the largest member an ar header (ten decimal digits) can describe.
const maxArSize = 9_999_999_999

// Deb writes p as a Debian binary package (Architecture: all, Priority: optional) to w.
// Files flagged Conffile become conffiles; md5sums lists every regular file. The caller
// supplies /usr/share/doc/<name>/copyright and changelog.Debian.gz as Extra (see Copyright
// and DebianChangelog). Nothing is written to w until the package is complete, so a refused
// package or an unreadable file leaves w untouched; if writing to w fails, w may hold part
// of a package.
//
// The ar container states each member's size before its bytes, and the control member,
// which lists every file's MD5 sum, precedes the data member. So the data member is written
// first, compressed into a temporary file (in the Store's TempDir when it has one; removed
// before Deb returns) while every file is hashed, then the control member is made from the
// sums, and the data member is copied after it. Memory holds the file list and the control
// member, never file contents or the data member, whatever the tree's size. Compressing
// twice, once to learn the size, would cost as much time as the package does.
//
// Cancelling ctx stops the writing between entries and inside the copy of a large file.
func Deb(ctx context.Context, p Package, st tarfile.Store, w io.Writer) error {
	if err := p.writeDeb(ctx, st, w); err != nil {
		return fmt.Errorf("deb %s: %w", p.Name, err)
	}
	return nil
}

func (p Package) writeDeb(ctx context.Context, st tarfile.Store, w io.Writer) error {
	if err := p.check(debFamily); err != nil {
		return err
	}
	es, err := p.entries(st)
	if err != nil {
		return err
	}
	es = debEntries(es)
	mtime := p.MTime.UTC().Truncate(time.Second)
	// The file's location never reaches the package.
	tmp, err := os.CreateTemp(tempDir(st), "mwedition-deb-*.tar.gz")
	if err != nil {
		return fmt.Errorf("creating the data member's temporary file: %w", err)
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	data, err := writeDebData(ctx, tmp, es, mtime)
	if err != nil {
		return fmt.Errorf("writing data.tar.gz: %w", err)
	}
	control, err := p.debControlTar(es, data, mtime)
	if err != nil {
		return fmt.Errorf("writing control.tar.gz: %w", err)
	}
	if data.zsize > maxArSize {
		return fmt.Errorf("data.tar.gz is %d bytes, more than an ar member can hold", data.zsize)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading data.tar.gz back: %w", err)
	}
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString("!<arch>\n")
	writeArMember(bw, "debian-binary", mtime, []byte(debBinary))
	writeArMember(bw, "control.tar.gz", mtime, control)
	bw.Write(arHeader("data.tar.gz", mtime, data.zsize))
	if n, err := io.Copy(bw, tarfile.Reader(ctx, tmp)); err != nil {
		return err
	} else if n != data.zsize {
		return fmt.Errorf("data.tar.gz's temporary file holds %d bytes, not the %d written", n, data.zsize)
	}
	if data.zsize%2 == 1 {
		bw.WriteByte('\n')
	}
	return bw.Flush() // bufio keeps the first write error and returns it here
}

// arHeader is a common ar member header, as dpkg-deb writes it: the name without a
// trailing slash, owner 0:0, mode 100644.
func arHeader(name string, mtime time.Time, size int64) []byte {
	return fmt.Appendf(nil, "%-16s%-12d%-6d%-6d%-8s%-10d`\n", name, mtime.Unix(), 0, 0, "100644", size)
}

// writeArMember writes a member and the padding that keeps members at even offsets.
func writeArMember(w *bufio.Writer, name string, mtime time.Time, b []byte) {
	w.Write(arHeader(name, mtime, int64(len(b))))
	w.Write(b)
	if len(b)%2 == 1 {
		w.WriteByte('\n')
	}
}

// debEntries adds the parent directories a .deb lists (every directory up to the root,
// owned by root, 0755, like dpkg-deb's input tree) to what the package owns, and sorts
// by path with a directory's path ending in "/" (so "a.txt" and "a-b" come before "a/").
func debEntries(es []entry) []entry {
	have := make(map[string]bool, len(es))
	for _, e := range es {
		have[e.path] = true
	}
	out := slices.Clone(es)
	for _, e := range es {
		for d := path.Dir(e.path); d != "/" && !have[d]; d = path.Dir(d) {
			have[d] = true
			out = append(out, entry{path: d, typ: fstree.Dir, mode: 0o755, from: "parent"})
		}
	}
	key := func(e entry) string {
		if e.typ == fstree.Dir {
			return e.path + "/"
		}
		return e.path
	}
	slices.SortFunc(out, func(a, b entry) int { return strings.Compare(key(a), key(b)) })
	return out
}

// debData is what writing the data member tells the control member.
type debData struct {
	zsize     int64  // data.tar.gz's bytes
	installed int64  // the regular files' bytes
	md5sums   []byte // md5sums: "<hex>  <path without the leading slash>\n" per regular file
}

// writeDebData writes es as a GNU tar archive, gzip-compressed, to out, and sums every
// regular file as it goes. Names are "./usr/...", directories end in "/"; every owner is
// root:root and every time mtime.
func writeDebData(ctx context.Context, out io.Writer, es []entry, mtime time.Time) (debData, error) {
	var d debData
	cw := &countingWriter{w: out}
	bw := bufio.NewWriterSize(cw, 256<<10)
	zw, err := debGzip.NewWriter(bw)
	if err != nil {
		return d, err
	}
	tw := tar.NewWriter(zw)
	var sums bytes.Buffer
	buf := make([]byte, 128<<10)
	for _, e := range es {
		if err := ctx.Err(); err != nil {
			return d, err
		}
		h, err := e.debHeader(mtime)
		if err != nil {
			return d, err
		}
		if err := tw.WriteHeader(h); err != nil {
			return d, fmt.Errorf("%s: %w", e.path, err)
		}
		if e.typ != fstree.File {
			continue
		}
		m := md5.New()
		if _, err := copyFile(ctx, io.MultiWriter(tw, m), e, buf); err != nil {
			return d, err
		}
		d.installed += e.size
		fmt.Fprintf(&sums, "%s  %s\n", hex.EncodeToString(m.Sum(nil)), e.path[1:])
	}
	if err := tw.Close(); err != nil {
		return d, err
	}
	if err := zw.Close(); err != nil {
		return d, err
	}
	if err := bw.Flush(); err != nil {
		return d, err
	}
	d.zsize, d.md5sums = cw.n, sums.Bytes()
	return d, nil
}

// debHeader is e's header in data.tar: GNU format with named owners, as dpkg-deb writes.
// A package's modes are 0644 or 0755 for files and 0755 for directories (check and
// entries make sure), so the tree's Exec bit says all there is to say.
func (e entry) debHeader(mtime time.Time) (*tar.Header, error) {
	te := fstree.Entry{Type: e.typ, Exec: e.mode == 0o755, Size: e.size, Target: e.target}
	h, err := tarfile.Header("."+e.path, te, mtime)
	if err != nil {
		return nil, fmt.Errorf("data.tar: %w", err)
	}
	h.Uname, h.Gname, h.Format = "root", "root", tar.FormatGNU
	return h, nil
}

// debMember is a file of the control member.
type debMember struct {
	name string
	mode int64
	body []byte
}

// debControlTar is control.tar.gz: control, md5sums, conffiles when there are any, then
// the maintainer scripts, in name order.
func (p Package) debControlTar(es []entry, data debData, mtime time.Time) ([]byte, error) {
	members := []debMember{
		{"control", 0o644, p.debControl(data.installed / 1024)},
		{"md5sums", 0o644, data.md5sums},
	}
	var conffiles []byte
	for _, e := range es {
		if e.conf {
			conffiles = append(conffiles, e.path+"\n"...)
		}
	}
	if len(conffiles) > 0 {
		members = append(members, debMember{"conffiles", 0o644, conffiles})
	}
	for _, sc := range []struct{ name, body string }{
		{"postinst", p.Scripts.PostInstall}, {"postrm", p.Scripts.PostRemove},
		{"preinst", p.Scripts.PreInstall}, {"prerm", p.Scripts.PreRemove},
	} {
		if strings.TrimSpace(sc.body) != "" {
			members = append(members, debMember{sc.name, 0o755, []byte(debScript(sc.body))})
		}
	}
	var buf bytes.Buffer
	zw, err := debGzip.NewWriter(&buf)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(zw)
	for _, m := range members {
		h := &tar.Header{Name: "./" + m.name, Size: int64(len(m.body)), Mode: m.mode, ModTime: mtime, Typeflag: tar.TypeReg,
			Uname: "root", Gname: "root", Format: tar.FormatGNU} // named owners, as in data.tar
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := tw.Write(m.body); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// debControl is the control file. Relations are given one per element (check refuses
// commas), so they are joined with ", ".
func (p Package) debControl(installedKiB int64) []byte {
	var b bytes.Buffer
	field := func(name, value string) {
		if value != "" {
			fmt.Fprintf(&b, "%s: %s\n", name, value)
		}
	}
	join := func(rels []string) string {
		var out []string
		for _, r := range rels {
			if r = strings.TrimSpace(r); r != "" {
				out = append(out, r)
			}
		}
		return strings.Join(out, ", ")
	}
	section := p.Section
	if section == "" {
		section = "web"
	}
	field("Package", p.Name)
	field("Version", DebVersion(p))
	field("Section", section)
	field("Priority", "optional")
	field("Architecture", "all")
	field("Maintainer", p.Maintainer)
	field("Installed-Size", strconv.FormatInt(installedKiB, 10))
	field("Replaces", join(p.Replaces))
	field("Provides", join(p.Provides))
	field("Depends", join(p.Depends))
	field("Recommends", join(p.Recommends))
	field("Suggests", join(p.Suggests))
	field("Conflicts", join(p.Conflicts))
	field("Breaks", join(p.Breaks))
	field("Homepage", p.Homepage)
	field("Description", debDescription(p.Summary, p.Description))
	return b.Bytes()
}

// debDescription is Debian's Description: the summary line, then the extended description
// with every line indented by one space and blank lines written as " .".
func debDescription(summary, extended string) string {
	var b strings.Builder
	b.WriteString(strings.TrimSpace(summary))
	if extended = strings.TrimSpace(extended); extended != "" {
		for _, l := range strings.Split(extended, "\n") {
			if l = strings.TrimSpace(l); l == "" {
				l = "."
			}
			b.WriteString("\n " + l)
		}
	}
	return b.String()
}

// debScript makes a body a shell script that stops at the first failure, unless it already
// names its interpreter.
func debScript(body string) string {
	if !strings.HasSuffix(body, "\n") {
		body += "\n"
	}
	if strings.HasPrefix(body, "#!") {
		return body
	}
	return "#!/bin/sh\nset -e\n" + strings.TrimLeft(body, "\n")
}
