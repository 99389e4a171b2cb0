package oci

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
)

// Contents is what a base image's file system holds, as far as building on it needs: every
// path (its layers flattened, whiteouts applied) and the users of /etc/passwd. The zero
// Contents is scratch's.
type Contents struct {
	// Paths maps each path, relative to the root, to "d" (directory), "f" (file) or
	// "l" (symbolic or hard link).
	Paths map[string]string `json:"paths"`
	// Passwd is /etc/passwd.
	Passwd string `json:"passwd,omitempty"`
}

// maxPasswd bounds how much of /etc/passwd is kept.
const maxPasswd = 1 << 20

// Inspect reads a stored image's file system.
func Inspect(st Store, d v1.Descriptor) (Contents, error) {
	img, err := StoredImage(st, d)
	if err != nil {
		return Contents{}, err
	}
	rc := mutate.Extract(img)
	defer rc.Close()
	c := Contents{Paths: map[string]string{}}
	tr := tar.NewReader(rc)
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Contents{}, fmt.Errorf("reading image %s: %w", d.Digest, err)
		}
		p := strings.TrimPrefix(path.Clean("/"+hdr.Name), "/")
		if p == "" {
			continue
		}
		switch hdr.Typeflag {
		case tar.TypeDir:
			c.Paths[p] = "d"
		case tar.TypeSymlink, tar.TypeLink:
			c.Paths[p] = "l"
		default:
			c.Paths[p] = "f"
		}
		if p == "etc/passwd" && hdr.Typeflag == tar.TypeReg {
			b, err := io.ReadAll(io.LimitReader(tr, maxPasswd))
			if err != nil {
				return Contents{}, fmt.Errorf("reading /etc/passwd of %s: %w", d.Digest, err)
			}
			c.Passwd = string(b)
		}
	}
	return c, nil
}

// Has reports whether p (relative to the root) exists.
func (c Contents) Has(p string) bool {
	_, ok := c.Paths[p]
	return ok
}

// Glob lists the paths matching a path.Match pattern, sorted.
func (c Contents) Glob(pattern string) []string {
	var out []string
	for p := range c.Paths {
		if ok, _ := path.Match(pattern, p); ok {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// User looks a user up in /etc/passwd: its uid and primary gid.
func (c Contents) User(name string) (uid, gid int, ok bool) {
	for _, line := range strings.Split(c.Passwd, "\n") {
		f := strings.Split(line, ":")
		if len(f) < 4 || f[0] != name {
			continue
		}
		u, err1 := strconv.Atoi(f[2])
		g, err2 := strconv.Atoi(f[3])
		if err1 != nil || err2 != nil || u < 0 || g < 0 {
			return 0, 0, false
		}
		return u, g, true
	}
	return 0, 0, false
}
