package pack

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// arMembers splits an ar archive into its members' names and bodies.
func arMembers(t *testing.T, b []byte) map[string][]byte {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("!<arch>\n")) {
		t.Fatal("not an ar archive")
	}
	out := map[string][]byte{}
	for rest := b[8:]; len(rest) > 0; {
		size, err := strconv.Atoi(strings.TrimSpace(string(rest[48:58])))
		if err != nil {
			t.Fatal(err)
		}
		out[strings.TrimSpace(string(rest[:16]))] = rest[60 : 60+size]
		rest = rest[60+size+size%2:]
	}
	return out
}

func TestDebControlOwners(t *testing.T) {
	st, tree := makeStore(t)
	p := fixture(tree, debFamily)
	var whole bytes.Buffer
	if err := Deb(p, st, &whole); err != nil {
		t.Fatal(err)
	}
	members := arMembers(t, whole.Bytes())
	zr, err := gzip.NewReader(bytes.NewReader(members["control.tar.gz"]))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var got []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, h.Name+" "+h.Uname+":"+h.Gname+" "+strconv.Itoa(h.Uid)+":"+strconv.Itoa(h.Gid))
	}
	want := []string{"./control root:root 0:0", "./md5sums root:root 0:0", "./conffiles root:root 0:0", "./postinst root:root 0:0", "./postrm root:root 0:0"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("control.tar.gz entries (-want +got):\n%s", diff)
	}

	// The filter gives the same bytes however its input is cut.
	var raw bytes.Buffer
	if err := Deb(p, st, &raw); err != nil {
		t.Fatal(err)
	}
	var pieces bytes.Buffer
	c := &controlOwners{w: &pieces}
	in := whole.Bytes() // already filtered: filtering again changes nothing
	for i := 0; i < len(in); i += 7 {
		if _, err := c.Write(in[i:min(i+7, len(in))]); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(pieces.Bytes(), whole.Bytes()) || !bytes.Equal(raw.Bytes(), whole.Bytes()) {
		t.Error("the control filter's output depends on how its input is cut")
	}
	if err := (&controlOwners{w: io.Discard, state: arBody, remain: 3}).Close(); err == nil {
		t.Error("Close accepted an archive cut in a member")
	}
}
