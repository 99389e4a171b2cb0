package lock

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPatchedVersions(t *testing.T) {
	for _, tc := range []struct {
		base     string
		n        int
		want     string
		composer string
	}{
		{"1.39.17", 0, "1.39.17", "1.39.17"},
		{"1.39.17", 3, "1.39.17+p3", "1.39.17-p3"},
		{"0.5.0+mw1.39.17", 1, "0.5.0+mw1.39.17+p1", "0.5.0+mw1.39.17-p1"},
		{"7.3.0+git20240611.093000.f7ba032", 12, "7.3.0+git20240611.093000.f7ba032+p12", "7.3.0+git20240611.093000.f7ba032-p12"},
	} {
		v := PatchedVersion(tc.base, tc.n)
		base, n := SplitPatched(v)
		got := []any{v, base, n, ComposerVersion(v)}
		if diff := cmp.Diff([]any{tc.want, tc.base, tc.n, tc.composer}, got); diff != "" {
			t.Errorf("%s after %d patches (-want +got):\n%s", tc.base, tc.n, diff)
		}
	}
}
