package debroot

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"
)

// Layer is one of the layers a root is split into, in the order they are stacked.
type Layer int

// The layers: what the system needs to boot a shell and run dpkg and apt, the other
// packages (the web server, PHP, the components' requirements), and what no package owns
// (the users, dpkg's database, the configuration maintainer scripts generated). Every
// path of the root is in exactly one, so that stacked they are the root.
const (
	System Layer = iota
	Packages
	State
	NumLayers
)

func (l Layer) String() string {
	switch l {
	case System:
		return "system"
	case Packages:
		return "packages"
	case State:
		return "state"
	}
	return fmt.Sprintf("Layer(%d)", int(l))
}

// Installed is a package dpkg's status lists as installed.
type Installed struct {
	Name, Version, Architecture string
	// System says the package is Essential or of Priority required: it goes to System.
	System bool
}

// entry is one member of the root's tar: its header, and where its bytes start.
type entry struct {
	hdr *tar.Header
	off int64
}

// root is what a pass over the root's tar found.
type root struct {
	entries  map[string]entry
	symlinks map[string]string // target by path, for resolving dpkg's paths
	lists    map[string][]string
	status   []byte
}

// Split reads the root tar src (size bytes) and writes its entries into one tar per layer,
// deterministically: sorted by path, times clamped to mtime, owners and modes as in the
// root, no owner names, no access or change times, extended attributes kept. A path goes
// to the lowest layer of a package that owns it (dpkg's var/lib/dpkg/info/*.list), to
// State when none does; a hard link goes where its target goes. It returns dpkg's
// installed packages.
func Split(src io.ReaderAt, size int64, mtime int64, layers [NumLayers]io.Writer) ([]Installed, error) {
	r, err := scan(io.NewSectionReader(src, 0, size))
	if err != nil {
		return nil, err
	}
	if r.status == nil {
		return nil, errors.New("the root has no var/lib/dpkg/status")
	}
	inst, err := parseStatus(r.status)
	if err != nil {
		return nil, err
	}
	where := r.assign(inst)
	clamp := time.Unix(mtime, 0).UTC()
	for l := Layer(0); l < NumLayers; l++ {
		if err := r.write(src, where, l, clamp, layers[l]); err != nil {
			return nil, fmt.Errorf("layer %s: %w", l, err)
		}
	}
	return inst, nil
}

// counter counts the bytes read through it: after tar's Next, the offset of the entry's
// bytes. It has no Seek, so that tar reads what it skips.
type counter struct {
	r io.Reader
	n int64
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// maxMeta bounds dpkg's status and each .list file read into memory.
const maxMeta = 64 << 20

func scan(r io.Reader) (*root, error) {
	c := &counter{r: r}
	tr := tar.NewReader(c)
	rt := &root{entries: map[string]entry{}, symlinks: map[string]string{}, lists: map[string][]string{}}
	for {
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return rt, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading the root's tar: %w", err)
		}
		p := clean(hdr.Name)
		if p == "" {
			continue // the root directory itself: a layer does not carry it
		}
		if err := checkEntry(p, hdr); err != nil {
			return nil, err
		}
		if _, dup := rt.entries[p]; dup {
			return nil, fmt.Errorf("the root's tar holds %s twice", p)
		}
		rt.entries[p] = entry{hdr: hdr, off: c.n}
		if hdr.Typeflag == tar.TypeSymlink {
			rt.symlinks[p] = hdr.Linkname
		}
		if err := rt.readMeta(p, hdr, tr); err != nil {
			return nil, err
		}
	}
}

func checkEntry(p string, hdr *tar.Header) error {
	switch hdr.Typeflag {
	case tar.TypeReg, tar.TypeDir, tar.TypeSymlink, tar.TypeLink, tar.TypeChar, tar.TypeBlock, tar.TypeFifo:
	default:
		return fmt.Errorf("the root's tar holds %s of type %q, which a layer does not carry", p, hdr.Typeflag)
	}
	for k := range hdr.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return fmt.Errorf("the root's tar holds %s as a sparse file", p)
		}
	}
	return nil
}

// readMeta keeps dpkg's status and its lists of each package's paths.
func (rt *root) readMeta(p string, hdr *tar.Header, tr io.Reader) error {
	isList := path.Dir(p) == "var/lib/dpkg/info" && strings.HasSuffix(p, ".list")
	if hdr.Typeflag != tar.TypeReg || (p != "var/lib/dpkg/status" && !isList) {
		return nil
	}
	if hdr.Size > maxMeta {
		return fmt.Errorf("the root's %s has %d bytes, more than dpkg writes", p, hdr.Size)
	}
	b, err := io.ReadAll(tr)
	if err != nil {
		return fmt.Errorf("reading the root's %s: %w", p, err)
	}
	if !isList {
		rt.status = b
		return nil
	}
	name := strings.TrimSuffix(path.Base(p), ".list")
	name, _, _ = strings.Cut(name, ":") // Multi-Arch: same packages' lists are name:arch.list
	for _, line := range strings.Split(string(b), "\n") {
		if q := clean(line); q != "" {
			rt.lists[name] = append(rt.lists[name], q)
		}
	}
	return nil
}

func clean(name string) string {
	return strings.TrimPrefix(path.Clean("/"+name), "/")
}
