package debroot

import (
	"archive/tar"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/lock"
)

// assign places each path in the lowest layer of the packages that own it, State when
// none does, and each hard link with its target.
func (rt *root) assign(inst []Installed) map[string]Layer {
	owner := map[string]Layer{}
	for _, p := range inst {
		if p.System {
			owner[p.Name] = System
		} else if _, ok := owner[p.Name]; !ok {
			owner[p.Name] = Packages
		}
	}
	where := make(map[string]Layer, len(rt.entries))
	for p := range rt.entries {
		where[p] = State
	}
	for name, paths := range rt.lists {
		l, ok := owner[name]
		if !ok {
			l = Packages // a package dpkg no longer lists as installed still owns its files
		}
		for _, q := range paths {
			for _, p := range []string{q, rt.resolve(q)} {
				if cur, ok := where[p]; ok && l < cur {
					where[p] = l
				}
			}
		}
	}
	for p, e := range rt.entries {
		if e.hdr.Typeflag == tar.TypeLink {
			if t, ok := where[clean(e.hdr.Linkname)]; ok {
				where[p] = t
			}
		}
	}
	return where
}

// resolve follows the root's symbolic links in p's directories, as dpkg's paths do when
// /bin is a link to /usr/bin: what dpkg lists as bin/ls is usr/bin/ls in the tar.
func (rt *root) resolve(p string) string {
	for range 16 {
		changed := false
		parts := strings.Split(p, "/")
		for i := 1; i < len(parts); i++ {
			dir := strings.Join(parts[:i], "/")
			t, ok := rt.symlinks[dir]
			if !ok {
				continue
			}
			if !strings.HasPrefix(t, "/") {
				t = path.Join(path.Dir(dir), t)
			}
			p, changed = clean(path.Join(t, strings.Join(parts[i:], "/"))), true
			break
		}
		if !changed {
			return p
		}
	}
	return p
}

// write writes layer l's entries as a tar to w. Hard links are written with the
// first of their names (in the layer's order) as the file, and the others linking to it,
// since a link must follow its target.
func (rt *root) write(src io.ReaderAt, where map[string]Layer, l Layer, clamp time.Time, w io.Writer) error {
	var names []string
	groups := map[string][]string{} // a hard link target's names, itself included
	for p, e := range rt.entries {
		if where[p] != l {
			continue
		}
		names = append(names, p)
		if e.hdr.Typeflag == tar.TypeLink {
			t := clean(e.hdr.Linkname)
			te, ok := rt.entries[t]
			if !ok || te.hdr.Typeflag != tar.TypeReg {
				return fmt.Errorf("%s is a hard link to %s, which is not a file of the root", p, t)
			}
			if len(groups[t]) == 0 {
				groups[t] = []string{t}
			}
			groups[t] = append(groups[t], p)
		}
	}
	sort.Strings(names)
	first := map[string]string{} // each name of a group: the group's target
	for t, g := range groups {
		sort.Strings(g)
		for _, n := range g {
			first[n] = t
		}
	}
	tw := tar.NewWriter(w)
	for _, p := range names {
		e := rt.entries[p]
		if t, ok := first[p]; ok {
			g := groups[t]
			e = rt.entries[t]
			if p != g[0] {
				e = entry{hdr: &tar.Header{Typeflag: tar.TypeLink, Linkname: g[0], Mode: e.hdr.Mode, Uid: e.hdr.Uid, Gid: e.hdr.Gid, ModTime: e.hdr.ModTime}}
			}
		}
		if err := writeEntry(tw, src, p, e, clamp); err != nil {
			return err
		}
	}
	return tw.Close()
}

// writeEntry writes e under the name p with a header that says only what a layer needs.
func writeEntry(tw *tar.Writer, src io.ReaderAt, p string, e entry, clamp time.Time) error {
	in := e.hdr
	mt := time.Unix(in.ModTime.Unix(), 0).UTC()
	if mt.After(clamp) {
		mt = clamp
	}
	h := &tar.Header{Typeflag: in.Typeflag, Name: p, Linkname: in.Linkname, Mode: in.Mode, Uid: in.Uid, Gid: in.Gid,
		ModTime: mt, Devmajor: in.Devmajor, Devminor: in.Devminor}
	switch in.Typeflag {
	case tar.TypeDir:
		h.Name += "/"
	case tar.TypeReg:
		h.Size = in.Size
	case tar.TypeLink:
		h.Linkname = clean(in.Linkname)
	}
	for k, v := range in.PAXRecords {
		if strings.HasPrefix(k, "SCHILY.xattr.") {
			if h.PAXRecords == nil {
				h.PAXRecords = map[string]string{}
			}
			h.PAXRecords[k] = v
		}
	}
	if h.PAXRecords != nil {
		h.Format = tar.FormatPAX
	}
	if err := tw.WriteHeader(h); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	if h.Typeflag != tar.TypeReg {
		return nil
	}
	if _, err := io.Copy(tw, io.NewSectionReader(src, e.off, in.Size)); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}

// parseStatus reads dpkg's status: the packages installed, and which are the system's.
func parseStatus(b []byte) ([]Installed, error) {
	var out []Installed
	fields := map[string]string{}
	flush := func() {
		if strings.HasSuffix(fields["Status"], " installed") && fields["Package"] != "" {
			out = append(out, Installed{Name: fields["Package"], Version: fields["Version"], Architecture: fields["Architecture"],
				System: fields["Essential"] == "yes" || fields["Priority"] == "required"})
		}
		fields = map[string]string{}
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush()
		case line[0] == ' ' || line[0] == '\t':
			// a continuation line: none of the fields read here has one
		default:
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return nil, fmt.Errorf("var/lib/dpkg/status: malformed line %q", line)
			}
			fields[k] = strings.TrimSpace(v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("var/lib/dpkg/status: %w", err)
	}
	flush()
	sort.Slice(out, func(i, j int) bool { return out[i].Name+":"+out[i].Architecture < out[j].Name+":"+out[j].Architecture })
	return out, nil
}

// Check compares what dpkg installed with b's pins: every installed package must be
// pinned at the version installed, and every pin installed.
func Check(b lock.DebianBase, inst []Installed) error {
	pins := map[string]string{}
	for _, p := range b.Packages {
		pins[p.Name+":"+p.Architecture] = p.Version
	}
	var problems []string
	for _, p := range inst {
		key := p.Name + ":" + p.Architecture
		v, ok := pins[key]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("%s %s is installed but not pinned", key, p.Version))
		case v != p.Version:
			problems = append(problems, fmt.Sprintf("%s is installed at %s but pinned at %s", key, p.Version, v))
		}
		delete(pins, key)
	}
	for key, v := range pins {
		problems = append(problems, fmt.Sprintf("%s %s is pinned but not installed", key, v))
	}
	if len(problems) == 0 {
		return nil
	}
	sort.Strings(problems)
	return fmt.Errorf("debian base %s: the root does not hold exactly the lock's packages: %s", b.Name, strings.Join(problems, "; "))
}
