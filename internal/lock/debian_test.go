package lock

import (
	"testing"

	"github.com/mwedition/mwedition/internal/spec"
)

func TestDebianBaseSatisfies(t *testing.T) {
	block := spec.DebianBase{Name: "bookworm", Packages: []string{"apache2", "php-cli"},
		Sources: []spec.DebianSource{{URL: "http://deb.debian.org/debian", Suites: []string{"bookworm"}}}}
	locked := []string{"lua5.1", "python3-pygments"}
	lb := DebianBase{Name: "bookworm", Recipe: DebianRecipe(block, locked), Requirements: locked}
	other := block
	other.Packages = []string{"apache2", "php-cli", "php-xml"}
	for _, c := range []struct {
		name  string
		block spec.DebianBase
		reqs  []string
		want  bool
	}{
		{"the same requirements", block, locked, true},
		{"fewer requirements: the root still holds them", block, []string{"lua5.1"}, true},
		{"no requirements", block, nil, true},
		{"a new requirement", block, []string{"lua5.1", "ghostscript"}, false},
		{"the block asks for another package", other, locked, false},
	} {
		if got := lb.Satisfies(c.block, c.reqs); got != c.want {
			t.Errorf("%s: Satisfies = %v, want %v", c.name, got, c.want)
		}
	}
}
