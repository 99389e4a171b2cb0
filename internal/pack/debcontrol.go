package pack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// controlOwners passes a .deb through while it is written, rewriting its control.tar.gz so
// that every entry is owned by root:root by name too: nfpm writes the control files with
// numeric owners only, and the data files with names, and one package should say one thing
// (the metadata audit checks it). Every other member, data.tar.gz included, streams through
// unchanged; only the control member, a few KiB, is held.
type controlOwners struct {
	w      io.Writer
	buf    []byte
	state  int   // arMagic, arHeader, arBody, arControl
	remain int64 // arBody: bytes of the member (and its padding) still to pass
	hdr    []byte
	size   int64
}

const (
	arMagic = iota
	arHeader
	arBody
	arControl
)

func (c *controlOwners) Write(p []byte) (int, error) {
	if c.state == arBody && len(c.buf) == 0 && int64(len(p)) <= c.remain {
		c.remain -= int64(len(p))
		if c.remain == 0 {
			c.state = arHeader
		}
		return c.w.Write(p)
	}
	c.buf = append(c.buf, p...)
	for {
		progress, err := c.step()
		if err != nil {
			return 0, err
		}
		if !progress {
			return len(p), nil
		}
	}
}

// step handles what the buffer holds; false when it needs more bytes.
func (c *controlOwners) step() (bool, error) {
	switch c.state {
	case arMagic:
		if len(c.buf) < 8 {
			return false, nil
		}
		if string(c.buf[:8]) != "!<arch>\n" {
			return false, errors.New("the deb writer wrote no ar archive")
		}
		return true, c.emit(8, arHeader)
	case arHeader:
		if len(c.buf) < 60 {
			return false, nil
		}
		c.hdr = append([]byte(nil), c.buf[:60]...)
		c.buf = c.buf[60:]
		size, err := strconv.ParseInt(strings.TrimSpace(string(c.hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return false, fmt.Errorf("ar member header %q: bad size", c.hdr)
		}
		c.size = size
		if strings.TrimSuffix(strings.TrimSpace(string(c.hdr[:16])), "/") == "control.tar.gz" {
			c.state = arControl
			return true, nil
		}
		if _, err := c.w.Write(c.hdr); err != nil {
			return false, err
		}
		c.state, c.remain = arBody, size+size%2
		return true, nil
	case arBody:
		if len(c.buf) == 0 {
			return false, nil
		}
		n := int(min(int64(len(c.buf)), c.remain))
		c.remain -= int64(n)
		next := arBody
		if c.remain == 0 {
			next = arHeader
		}
		return true, c.emit(n, next)
	case arControl:
		total := c.size + c.size%2
		if int64(len(c.buf)) < total {
			return false, nil
		}
		body, err := rootOwnedTarGz(c.buf[:c.size])
		if err != nil {
			return false, fmt.Errorf("control.tar.gz: %w", err)
		}
		c.buf = c.buf[total:]
		copy(c.hdr[48:58], fmt.Sprintf("%-10d", len(body)))
		out := append(append(c.hdr, body...), make([]byte, len(body)%2)...)
		for i := len(c.hdr) + len(body); i < len(out); i++ {
			out[i] = '\n' // ar pads members to an even size with a newline
		}
		if _, err := c.w.Write(out); err != nil {
			return false, err
		}
		c.state = arHeader
		return true, nil
	}
	return false, nil
}

// emit writes the first n buffered bytes and moves to state next.
func (c *controlOwners) emit(n, next int) error {
	_, err := c.w.Write(c.buf[:n])
	c.buf, c.state = c.buf[n:], next
	return err
}

// Close checks that the archive ended between members.
func (c *controlOwners) Close() error {
	if c.state != arHeader || len(c.buf) > 0 {
		return errors.New("the deb writer stopped in the middle of an ar member")
	}
	return nil
}

// rootOwnedTarGz rewrites a gzip-compressed tar with root:root as every entry's owner
// names, keeping everything else; gzip as nfpm writes it (default level, no name or time).
func rootOwnedTarGz(b []byte) ([]byte, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(zr)
	var out bytes.Buffer
	zw := gzip.NewWriter(&out)
	tw := tar.NewWriter(zw)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		h.Uname, h.Gname = "root", "root"
		if err := tw.WriteHeader(h); err != nil {
			return nil, err
		}
		if _, err := io.Copy(tw, tr); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
