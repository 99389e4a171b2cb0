package semver

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestConjuncts(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"^1.0", []string{"^1.0"}},
		{">=1.0 <2.0 || 3.0@dev", []string{">=1.0", "<2.0", "3.0@dev"}},
		{"~1.0|~2", []string{"~1.0", "~2"}},
		{"1.0 - 2.0", []string{"1.0 - 2.0"}},
		{">= 1.0, < 2.0", []string{">= 1.0", "< 2.0"}},
		{"dev-master as 1.0.x-dev", []string{"dev-master as 1.0.x-dev"}},
	} {
		if diff := cmp.Diff(tc.want, Conjuncts(tc.in)); diff != "" {
			t.Errorf("Conjuncts(%q) (-want +got):\n%s", tc.in, diff)
		}
	}
}

func TestIntersects(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want bool
	}{
		{"^1.0", "1.5.0", true},
		{"^1.0", "2.0.0", false},
		{"^1.0", "^1.5", true},
		{"^1.0", "^2.0", false},
		{">=1.0 <2.0", "<1.0", false},
		{">=1.0", "<=1.0", true},
		{">1.0", "<=1.0", false},
		{">=1.0", "<1.0.0.0", false},
		{"*", "dev-master", true},
		{"dev-master", "dev-master", true},
		{"dev-master", "dev-main", false},
		{"dev-master", "^1.0", false},
		{"^1.0 || ^3.0", "~3.1", true},
		{"!=1.5", "1.5", false},
		{"!=1.5", ">=1.0 <2.0", true},
	} {
		a, errA := ParseConstraint(tc.a)
		b, errB := ParseConstraint(tc.b)
		if errA != nil || errB != nil {
			t.Fatalf("parsing %q, %q: %v %v", tc.a, tc.b, errA, errB)
		}
		if got := Intersects(a, b); got != tc.want {
			t.Errorf("Intersects(%q, %q) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
		if got := Intersects(b, a); got != tc.want {
			t.Errorf("Intersects(%q, %q) = %v, want %v", tc.b, tc.a, got, tc.want)
		}
	}
}

func TestStabilityOf(t *testing.T) {
	for in, want := range map[string]string{
		">=1.1.0-RC1": "RC", "1.0.0-beta2": "beta", "dev-main": "dev", "1.x-dev": "dev",
		"^1.0": "stable", "1.0.0-p1": "stable", "2.0a1": "alpha",
	} {
		if got := StabilityOf(in); got != want {
			t.Errorf("StabilityOf(%q) = %q, want %q", in, got, want)
		}
	}
}
