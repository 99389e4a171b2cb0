package rpmtag

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLabel(t *testing.T) {
	for _, c := range []struct {
		tag  int
		want string
	}{
		{BuildTime, "1006 BUILDTIME"},
		{SigRSA, "268 RSAHEADER"},
		{SigSize, "1000 NAME"}, // numbers the headers share are named as in the main header
		{HeaderImmutable, "63 HEADERIMMUTABLE"},
		{4242, "4242"},
	} {
		if diff := cmp.Diff(c.want, Label(c.tag)); diff != "" {
			t.Errorf("Label(%d) (-want +got):\n%s", c.tag, diff)
		}
	}
}

func TestPerFile(t *testing.T) {
	for _, c := range []struct {
		tag  int
		want bool
	}{
		{FileSizes, true}, {BaseNames, true}, {DirIndexes, true},
		{DirNames, false}, // one element per directory, not per file
		{Name, false},
	} {
		if got := PerFile(c.tag); got != c.want {
			t.Errorf("PerFile(%s) = %v, want %v", Label(c.tag), got, c.want)
		}
	}
}
