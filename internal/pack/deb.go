package pack

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goreleaser/nfpm/v2"
	"github.com/goreleaser/nfpm/v2/deb"
	"github.com/goreleaser/nfpm/v2/files"

	"github.com/mwedition/mwedition/internal/fstree"
)

// DebCompression is the data.tar compression of every .deb: gzip at level 6, written by
// nfpm with the standard library (no name or time in the header, so the bytes depend only on
// the input and the Go toolchain, which go.mod pins). Every dpkg reads it. zstd would be
// faster and smaller, but lintian 2.116 (bookworm) calls a data.tar.zst member a
// malformed-deb-archive error; nfpm's xz is three times slower than gzip for 14% less.
// Level 9 takes 2.5 times as long as 6 for 0.7% less on MediaWiki core.
const DebCompression = "gzip:6"

// Deb writes p as a Debian binary package (Architecture: all, Priority: optional) to w.
// Files flagged Conffile become conffiles; nfpm writes md5sums. The caller supplies
// /usr/share/doc/<name>/copyright and changelog.Debian.gz as Extra (see Copyright and
// DebianChangelog). On error, w may hold part of a package.
func Deb(p Package, st Store, w io.Writer) error {
	if err := p.check(debFamily); err != nil {
		return fmt.Errorf("deb %s: %w", p.Name, err)
	}
	sg, err := newStage()
	if err != nil {
		return err
	}
	defer sg.close()

	// Debian's Description: the summary line, then the extended description.
	description := p.Summary
	if d := strings.TrimSpace(p.Description); d != "" {
		description += "\n" + d
	}
	info, err := p.info(st, sg, description)
	if err != nil {
		return fmt.Errorf("deb %s: %w", p.Name, err)
	}
	info.Section = p.Section
	if info.Section == "" {
		info.Section = "web"
	}
	info.Priority = "optional"
	info.Deb.Arch = "all"
	info.Deb.Compression = DebCompression
	info.Scripts, err = p.Scripts.stage(sg, debScript)
	if err != nil {
		return err
	}
	co := &controlOwners{w: w}
	if err := deb.Default.Package(info, co); err != nil {
		return fmt.Errorf("deb %s: %w", p.Name, err)
	}
	if err := co.Close(); err != nil {
		return fmt.Errorf("deb %s: %w", p.Name, err)
	}
	return nil
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

// stage is a temporary directory for content nfpm must read from disk.
type stage struct {
	dir string
	n   int
}

func newStage() (*stage, error) {
	// The directory's location never reaches a package: nfpm reads from it, and every name
	// written comes from the Package.
	dir, err := os.MkdirTemp("", "mwedition-pack-")
	if err != nil {
		return nil, fmt.Errorf("staging generated files: %w", err)
	}
	return &stage{dir: dir}, nil
}

func (s *stage) write(b []byte) (string, error) {
	s.n++
	p := filepath.Join(s.dir, strconv.Itoa(s.n))
	if err := os.WriteFile(p, b, 0o644); err != nil {
		return "", fmt.Errorf("staging generated files: %w", err)
	}
	return p, nil
}

func (s *stage) close() { os.RemoveAll(s.dir) }

// contents turns entries into nfpm's form with every field that nfpm would otherwise fill
// from the host (stat, umask, clock) already set; generated content is staged for nfpm to read.
func contents(es []entry, mtime time.Time, sg *stage) (files.Contents, error) {
	out := make(files.Contents, 0, len(es))
	for _, e := range es {
		fi := &files.ContentFileInfo{Owner: "root", Group: "root", MTime: mtime}
		c := &files.Content{Destination: e.path, FileInfo: fi}
		switch e.typ {
		case fstree.Dir:
			c.Type = files.TypeDir
			fi.Mode = 0o755
		case fstree.File:
			c.Type = files.TypeFile
			if e.conf {
				c.Type = files.TypeConfigNoReplace
			}
			c.Source = e.src
			if c.Source == "" {
				src, err := sg.write(e.content)
				if err != nil {
					return nil, err
				}
				c.Source = src
			}
			fi.Mode = e.mode
			fi.Size = e.size
		case fstree.Symlink:
			c.Type = files.TypeSymlink
			c.Source = e.target
			// A non-zero mode and size keep nfpm from stat-ing the link target on the host.
			fi.Mode = 0o777
			fi.Size = int64(len(e.target))
		}
		out = append(out, c)
	}
	return out, nil
}

// info builds what nfpm reads; the format-specific parts are set by the caller. nfpm.WithDefaults is deliberately not used: it reads SOURCE_DATE_EPOCH and rewrites
// versions.
func (p Package) info(st Store, sg *stage, description string) (*nfpm.Info, error) {
	es, err := p.entries(st)
	if err != nil {
		return nil, err
	}
	mtime := p.MTime.UTC().Truncate(time.Second)
	cs, err := contents(es, mtime, sg)
	if err != nil {
		return nil, err
	}
	info := &nfpm.Info{
		Name:            p.Name,
		Arch:            "all",
		Platform:        "linux",
		Version:         p.Version,
		VersionSchema:   "none",
		Release:         p.release(),
		Maintainer:      p.Maintainer,
		Description:     description,
		Vendor:          p.Vendor,
		Homepage:        p.Homepage,
		License:         p.License,
		DisableGlobbing: true, // MediaWiki file names can hold glob characters such as '['
		MTime:           mtime,
		Overridables: nfpm.Overridables{
			Depends:    slices.Clone(p.Depends),
			Recommends: slices.Clone(p.Recommends),
			Suggests:   slices.Clone(p.Suggests),
			Provides:   slices.Clone(p.Provides),
			Conflicts:  slices.Clone(p.Conflicts),
			Replaces:   slices.Clone(p.Replaces),
			Contents:   cs,
			Umask:      0o022, // unused: every entry has a mode
		},
	}
	if p.Epoch != 0 {
		info.Epoch = strconv.FormatUint(uint64(p.Epoch), 10)
	}
	return info, nil
}

// stage writes the non-empty scripts and returns nfpm's form of them.
func (s Scripts) stage(sg *stage, prepare func(string) string) (nfpm.Scripts, error) {
	var out nfpm.Scripts
	for _, sc := range []struct {
		body string
		dst  *string
	}{
		{s.PreInstall, &out.PreInstall},
		{s.PostInstall, &out.PostInstall},
		{s.PreRemove, &out.PreRemove},
		{s.PostRemove, &out.PostRemove},
	} {
		if strings.TrimSpace(sc.body) == "" {
			continue
		}
		p, err := sg.write([]byte(prepare(sc.body)))
		if err != nil {
			return out, err
		}
		*sc.dst = p
	}
	return out, nil
}
