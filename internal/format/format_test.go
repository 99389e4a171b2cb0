package format

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/engine"
)

type record struct {
	Blob string `json:"blob"`
	File string `json:"file"`
}

func TestOutcomesRoundTrip(t *testing.T) {
	o, err := Encode(record{Blob: "ab", File: "x.deb"}, 7)
	if err != nil {
		t.Fatal(err)
	}
	if o.Bytes != 7 {
		t.Errorf("bytes %d, want 7", o.Bytes)
	}
	got, err := Lookup[record](engine.NewInputs(map[string]engine.Outcome{"deb/x": o}), "deb/x")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(record{Blob: "ab", File: "x.deb"}, got); diff != "" {
		t.Errorf("decoded (-want +got):\n%s", diff)
	}
}

// Records of older builds (space-separated strings) and of other kinds are refused, so
// that the engine makes them again rather than serve a misread outcome.
func TestDecodeRefusesOtherRecords(t *testing.T) {
	for _, out := range []string{
		"0123abcd mediawiki-core_1.39.17-1_all.deb",
		`{"blob":"ab","unknown":1}`,
		`{"blob":"ab"} trailing`,
		"",
	} {
		if _, err := Decode[record](engine.Outcome{Output: out}); err == nil {
			t.Errorf("Decode(%q) succeeded", out)
		}
		if Valid(func(record) bool { return true })(engine.Outcome{Output: out}) {
			t.Errorf("Valid accepted %q", out)
		}
	}
	if _, err := Lookup[record](engine.NewInputs(nil), "deb/x"); err == nil {
		t.Error("Lookup of a missing outcome succeeded")
	}
}

func TestSums(t *testing.T) {
	got := string(Sums(map[string]string{"b.tar.gz": "22", "a.tar.gz": "11"}))
	if diff := cmp.Diff("11  a.tar.gz\n22  b.tar.gz\n", got); diff != "" {
		t.Errorf("SHA256SUMS (-want +got):\n%s", diff)
	}
}
