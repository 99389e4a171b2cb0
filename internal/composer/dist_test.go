package composer

import (
	"strings"
	"testing"
)

func TestVerifyDist(t *testing.T) {
	data := []byte("zip bytes")
	const s256 = "d3f1c5d8c2cbbd4a29b4ef6e6e59f0d08d59d61a1d7ba8b1e0e1bd61c8d8dbc7" // not the real sum
	real, err := VerifyDist("a/b", Dist{URL: "file:///srv/r/a.zip"}, data)
	if err != nil || len(real) != 64 {
		t.Fatalf("VerifyDist without sums = %q, %v", real, err)
	}
	for _, tc := range []struct {
		d    Dist
		want string
	}{
		{Dist{URL: "file:///srv/r/a.zip", SHA256: real}, ""},
		{Dist{URL: "file:///srv/r/a.zip", SHA256: strings.ToUpper(real), Shasum: sha1hex("zip bytes")}, ""},
		{Dist{URL: "file:///srv/r/a.zip", SHA256: s256}, "composer library a/b: dist file:///srv/r/a.zip has sha256 " + real + ", expected " + s256},
		{Dist{URL: "file:///srv/r/a.zip", Shasum: "00"}, "composer library a/b: dist file:///srv/r/a.zip has sha1 " + sha1hex("zip bytes") + ", the repository says 00"},
	} {
		_, err := VerifyDist("a/b", tc.d, data)
		if got := errString(err); got != tc.want {
			t.Errorf("VerifyDist(%+v) error %q, want %q", tc.d, got, tc.want)
		}
	}
}

func errString(err error) string {
	if err == nil {
		return ""
	}

	return err.Error()
}
