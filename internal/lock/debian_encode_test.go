package lock_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
)

// The lock's bytes keep its Debian bases, which images on "debian:NAME" are built from.
func TestEncodeKeepsDebianBases(t *testing.T) {
	b := lock.DebianBase{Name: "web", Recipe: "r", Time: 1700000000,
		Suites:   []lock.DebianSuite{{Archive: "http://deb.debian.org/debian", Suite: "bookworm", Date: 1700000000}},
		Packages: []lock.DebPackage{{Name: "apache2", Version: "2.4.62-1~deb12u2", Architecture: "amd64", Filename: "pool/main/a/apache2/apache2_2.4.62-1~deb12u2_amd64.deb", Size: 1, SHA256: "ab"}}}
	f := lock.New(nil).WithDebianBases([]lock.DebianBase{b})
	enc, err := f.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := lock.Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]lock.DebianBase{b}, got.DebianBases); d != "" {
		t.Errorf("debian bases after a round trip (-want +got):\n%s", d)
	}
}
