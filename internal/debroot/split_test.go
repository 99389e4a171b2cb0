package debroot_test

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/debroot"
)

// member is one tar entry of a synthetic root, or of a layer as read back.
type member struct {
	Name, Link string
	Type       byte
	Body       string
	MTime      int64
	UID        int
}

const clampTime = 1_700_000_000

var status = `Package: base-files
Status: install ok installed
Priority: required
Essential: yes
Architecture: amd64
Version: 12.4
Description: the base
 system, on two lines

Package: web
Status: install ok installed
Priority: optional
Architecture: amd64
Version: 2.4-1

Package: gone
Status: deinstall ok config-files
Priority: optional
Architecture: all
Version: 1
`

// syntheticRoot is a merged-/usr root as mmdebstrap writes it: base-files (Essential)
// lists /bin/sh, which the tar holds as usr/bin/sh; web owns usr/sbin/web and a hard link
// to it that sorts first; /etc/passwd belongs to no one.
func syntheticRoot() []member {
	later := int64(clampTime + 1000)
	return []member{
		{Name: "./", Type: tar.TypeDir},
		{Name: "./bin", Type: tar.TypeSymlink, Link: "usr/bin"},
		{Name: "./etc/", Type: tar.TypeDir},
		{Name: "./etc/passwd", Type: tar.TypeReg, Body: "root:x:0:0::/root:/bin/sh\n", MTime: later},
		{Name: "./usr/", Type: tar.TypeDir},
		{Name: "./usr/bin/", Type: tar.TypeDir},
		{Name: "./usr/bin/sh", Type: tar.TypeReg, Body: "#!sh", MTime: 100},
		{Name: "./usr/sbin/", Type: tar.TypeDir, UID: 33},
		{Name: "./usr/sbin/web", Type: tar.TypeReg, Body: "web server"},
		{Name: "./usr/sbin/a-web", Type: tar.TypeLink, Link: "./usr/sbin/web"},
		{Name: "./var/", Type: tar.TypeDir},
		{Name: "./var/lib/", Type: tar.TypeDir},
		{Name: "./var/lib/dpkg/", Type: tar.TypeDir},
		{Name: "./var/lib/dpkg/status", Type: tar.TypeReg, Body: status},
		{Name: "./var/lib/dpkg/info/", Type: tar.TypeDir},
		{Name: "./var/lib/dpkg/info/base-files.list", Type: tar.TypeReg, Body: "/.\n/bin\n/bin/sh\n/usr\n/usr/bin\n/etc\n/var\n"},
		{Name: "./var/lib/dpkg/info/web:amd64.list", Type: tar.TypeReg, Body: "/.\n/usr\n/usr/sbin\n/usr/sbin/web\n/usr/sbin/a-web\n"},
	}
}

func writeTar(t *testing.T, ms []member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		h := &tar.Header{Name: m.Name, Typeflag: m.Type, Linkname: m.Link, Mode: 0o644, Uid: m.UID, Uname: "someone",
			ModTime: time.Unix(m.MTime, 0), AccessTime: time.Unix(5, 0), Format: tar.FormatGNU}
		if m.Type == tar.TypeReg {
			h.Size = int64(len(m.Body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, m.Body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func readTar(t *testing.T, b []byte) []member {
	t.Helper()
	var out []member
	tr := tar.NewReader(bytes.NewReader(b))
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if h.Uname != "" || !h.AccessTime.IsZero() {
			t.Errorf("%s: the layer keeps the owner name %q or the access time %s", h.Name, h.Uname, h.AccessTime)
		}
		body, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, member{Name: h.Name, Link: h.Linkname, Type: h.Typeflag, Body: string(body), MTime: h.ModTime.Unix(), UID: h.Uid})
	}
}

func split(t *testing.T, root []byte) ([debroot.NumLayers][]member, []debroot.Installed, error) {
	t.Helper()
	var bufs [debroot.NumLayers]bytes.Buffer
	var ws [debroot.NumLayers]io.Writer
	for i := range ws {
		ws[i] = &bufs[i]
	}
	inst, err := debroot.Split(bytes.NewReader(root), int64(len(root)), clampTime, ws)
	var out [debroot.NumLayers][]member
	if err != nil {
		return out, nil, err
	}
	for i := range bufs {
		out[i] = readTar(t, bufs[i].Bytes())
	}
	return out, inst, nil
}

func TestSplit(t *testing.T) {
	root := writeTar(t, syntheticRoot())
	got, inst, err := split(t, root)
	if err != nil {
		t.Fatal(err)
	}
	later := int64(clampTime)
	want := [debroot.NumLayers][]member{
		debroot.System: {
			{Name: "bin", Type: tar.TypeSymlink, Link: "usr/bin"},
			{Name: "etc/", Type: tar.TypeDir},
			{Name: "usr/", Type: tar.TypeDir},
			{Name: "usr/bin/", Type: tar.TypeDir},
			{Name: "usr/bin/sh", Type: tar.TypeReg, Body: "#!sh", MTime: 100},
			{Name: "var/", Type: tar.TypeDir},
		},
		debroot.Packages: {
			// The link sorted first, so it is the file now, and the file links to it.
			{Name: "usr/sbin/", Type: tar.TypeDir, UID: 33},
			{Name: "usr/sbin/a-web", Type: tar.TypeReg, Body: "web server"},
			{Name: "usr/sbin/web", Type: tar.TypeLink, Link: "usr/sbin/a-web"},
		},
		debroot.State: {
			{Name: "etc/passwd", Type: tar.TypeReg, Body: "root:x:0:0::/root:/bin/sh\n", MTime: later},
			{Name: "var/lib/", Type: tar.TypeDir},
			{Name: "var/lib/dpkg/", Type: tar.TypeDir},
			{Name: "var/lib/dpkg/info/", Type: tar.TypeDir},
			{Name: "var/lib/dpkg/info/base-files.list", Type: tar.TypeReg, Body: "/.\n/bin\n/bin/sh\n/usr\n/usr/bin\n/etc\n/var\n"},
			{Name: "var/lib/dpkg/info/web:amd64.list", Type: tar.TypeReg, Body: "/.\n/usr\n/usr/sbin\n/usr/sbin/web\n/usr/sbin/a-web\n"},
			{Name: "var/lib/dpkg/status", Type: tar.TypeReg, Body: status},
		},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("layers (-want +got):\n%s", d)
	}
	wantInst := []debroot.Installed{
		{Name: "base-files", Version: "12.4", Architecture: "amd64", System: true},
		{Name: "web", Version: "2.4-1", Architecture: "amd64"},
	}
	if d := cmp.Diff(wantInst, inst); d != "" {
		t.Errorf("installed (-want +got):\n%s", d)
	}
	// The same root in another order gives the same layers.
	ms := syntheticRoot()
	for i, j := 1, len(ms)-1; i < j; i, j = i+1, j-1 {
		ms[i], ms[j] = ms[j], ms[i]
	}
	// A hard link must follow its target, in the root as in a layer.
	for i := range ms {
		if ms[i].Name == "./usr/sbin/a-web" {
			ms = append(append(ms[:i:i], ms[i+1:]...), ms[i])
			break
		}
	}
	again, _, err := split(t, writeTar(t, ms))
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(got, again); d != "" {
		t.Errorf("another order of the root gives other layers (-first +second):\n%s", d)
	}
}

func TestSplitRefuses(t *testing.T) {
	noStatus := syntheticRoot()[:len(syntheticRoot())-4]
	dangling := append(syntheticRoot(), member{Name: "./usr/sbin/other", Type: tar.TypeLink, Link: "./usr/sbin/none"})
	dup := append(syntheticRoot(), member{Name: "etc/passwd", Type: tar.TypeReg})
	for _, tc := range []struct {
		name string
		root []member
		want string
	}{
		{"no status", noStatus, "the root has no var/lib/dpkg/status"},
		{"dangling hard link", dangling, "usr/sbin/other is a hard link to usr/sbin/none, which is not a file of the root"},
		{"twice", dup, "the root's tar holds etc/passwd twice"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := split(t, writeTar(t, tc.root))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("got %v, want an error saying %q", err, tc.want)
			}
		})
	}
}
