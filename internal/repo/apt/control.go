package apt

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// field is one field of a deb822 stanza; Value keeps continuation lines, with their leading
// space, after a newline.
type field struct{ Name, Value string }

// stanza is one paragraph of a control file or Packages index, in its fields' order.
type stanza []field

func (s stanza) get(name string) string {
	for _, f := range s {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// parseStanzas reads deb822 paragraphs separated by blank lines.
func parseStanzas(b []byte) ([]stanza, error) {
	var out []stanza
	var cur stanza
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	line := 0
	for sc.Scan() {
		line++
		l := sc.Text()
		switch {
		case strings.TrimSpace(l) == "":
			if len(cur) > 0 {
				out = append(out, cur)
				cur = nil
			}
		case l[0] == ' ' || l[0] == '\t':
			if len(cur) == 0 {
				return nil, fmt.Errorf("line %d: a continuation line before any field", line)
			}
			cur[len(cur)-1].Value += "\n" + l
		case l[0] == '#':
		default:
			name, value, ok := strings.Cut(l, ":")
			if !ok || name == "" || strings.ContainsAny(name, " \t") {
				return nil, fmt.Errorf("line %d: %q is not a field", line, l)
			}
			cur = append(cur, field{name, strings.TrimSpace(value)})
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out, nil
}

func (s stanza) write(b *bytes.Buffer) {
	for _, f := range s {
		b.WriteString(f.Name)
		b.WriteByte(':')
		if f.Value != "" && f.Value[0] != '\n' {
			b.WriteByte(' ')
		}
		b.WriteString(f.Value)
		b.WriteByte('\n')
	}
}

// debInfo is what the index needs of one .deb: its control stanza, size, digest, and the
// time dpkg-deb (here pack.Deb) recorded in its ar headers.
type debInfo struct {
	control stanza
	size    int64
	sha256  string
	mtime   time.Time
}

// readDeb reads a .deb's control file from its control.tar member, hashing the whole file
// as it goes.
func readDeb(p string) (debInfo, error) {
	var info debInfo
	f, err := os.Open(p)
	if err != nil {
		return info, err
	}
	defer f.Close()
	h := sha256.New()
	r := bufio.NewReaderSize(io.TeeReader(f, h), 1<<20)
	magic := make([]byte, 8)
	if _, err := io.ReadFull(r, magic); err != nil || string(magic) != "!<arch>\n" {
		return info, fmt.Errorf("%s: not a .deb (no ar header)", p)
	}
	for {
		hdr := make([]byte, 60)
		if _, err := io.ReadFull(r, hdr); err == io.EOF {
			break
		} else if err != nil {
			return info, fmt.Errorf("%s: truncated ar archive: %w", p, err)
		}
		if string(hdr[58:60]) != "`\n" {
			return info, fmt.Errorf("%s: bad ar member header", p)
		}
		name := strings.TrimRight(strings.TrimSpace(string(hdr[0:16])), "/")
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return info, fmt.Errorf("%s: bad ar member size %q", p, hdr[48:58])
		}
		if sec, err := strconv.ParseInt(strings.TrimSpace(string(hdr[16:28])), 10, 64); err == nil {
			if t := time.Unix(sec, 0).UTC(); t.After(info.mtime) {
				info.mtime = t
			}
		}
		member := io.LimitReader(r, size)
		if strings.HasPrefix(name, "control.tar") && info.control == nil {
			c, err := controlFromTar(member, strings.TrimPrefix(name, "control.tar"))
			if err != nil {
				return info, fmt.Errorf("%s: %s: %w", p, name, err)
			}
			if info.control, err = parseControl(c); err != nil {
				return info, fmt.Errorf("%s: control: %w", p, err)
			}
		}
		if _, err := io.Copy(io.Discard, member); err != nil {
			return info, fmt.Errorf("%s: %w", p, err)
		}
		if size%2 == 1 {
			if _, err := r.ReadByte(); err != nil && err != io.EOF {
				return info, err
			}
		}
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return info, err
	}
	if info.control == nil {
		return info, fmt.Errorf("%s: not a .deb (no control.tar member)", p)
	}
	fi, err := f.Stat()
	if err != nil {
		return info, err
	}
	info.size = fi.Size()
	info.sha256 = hex.EncodeToString(h.Sum(nil))
	return info, nil
}

func controlFromTar(r io.Reader, ext string) ([]byte, error) {
	var dr io.Reader
	switch ext {
	case ".gz":
		z, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		dr = z
	case ".xz":
		z, err := xz.NewReader(r)
		if err != nil {
			return nil, err
		}
		dr = z
	case ".zst":
		z, err := zstd.NewReader(r)
		if err != nil {
			return nil, err
		}
		defer z.Close()
		dr = z
	case "":
		dr = r
	default:
		return nil, fmt.Errorf("unknown compression %q", ext)
	}
	tr := tar.NewReader(dr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil, errors.New("no control file")
		}
		if err != nil {
			return nil, err
		}
		if strings.TrimPrefix(h.Name, "./") == "control" {
			return io.ReadAll(io.LimitReader(tr, 1<<20))
		}
	}
}

func parseControl(b []byte) (stanza, error) {
	st, err := parseStanzas(b)
	if err != nil {
		return nil, err
	}
	if len(st) != 1 {
		return nil, fmt.Errorf("%d paragraphs, want 1", len(st))
	}
	for _, f := range []string{"Package", "Version", "Architecture"} {
		if st[0].get(f) == "" {
			return nil, fmt.Errorf("no %s field", f)
		}
	}
	return st[0], nil
}
