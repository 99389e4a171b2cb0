package composer

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mwedition/mwedition/internal/semver"
)

// fuzzConstraints are the constraints a fuzzed universe draws from.
var fuzzConstraints = []string{"^1.0", "^2.0", ">=2.0", "<3.0", "*", "1.0.0 || 3.0.0", "!=2.0.0", "3.0.0"}

var fuzzVersions = []string{"1.0.0", "2.0.0", "3.0.0"}

// fuzzUniverse builds four packages of three versions from data: each
// version may require and conflict with later packages (no cycles needed
// for coverage, but allowed through the root).
func fuzzUniverse(data []byte) (Static, []Requirement) {
	next := func() int {
		if len(data) == 0 {
			return 0
		}
		b := int(data[0])
		data = data[1:]
		return b
	}
	pkgs := map[string][]Package{}
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("p/p%d", i)
		for _, v := range fuzzVersions {
			var raw strings.Builder
			fmt.Fprintf(&raw, `{"name":%q,"version":%q,"require":{`, name, v)
			sep := ""
			for j := 0; j < 4; j++ {
				if j != i && next()%3 == 0 {
					fmt.Fprintf(&raw, `%s"p/p%d":%q`, sep, j, fuzzConstraints[next()%len(fuzzConstraints)])
					sep = ","
				}
			}
			raw.WriteString(`},"conflict":{`)
			if j := next() % 8; j < 4 && j != i {
				fmt.Fprintf(&raw, `"p/p%d":%q`, j, fuzzConstraints[next()%len(fuzzConstraints)])
			}
			raw.WriteString(`}}`)
			p, err := parseVersion("fuzz", []byte(raw.String()))
			if err != nil {
				panic(err)
			}
			pkgs[name] = append(pkgs[name], p)
		}
	}
	var root []Requirement
	for i := 0; i < 2; i++ {
		c, _ := semver.ParseConstraint(fuzzConstraints[next()%len(fuzzConstraints)])
		root = append(root, Requirement{Link: Link{Target: fmt.Sprintf("p/p%d", next()%4), Constraint: c}, By: "root"})
	}

	return Static{Name: "fuzz", Packages: pkgs}, root
}

// valid reports whether an assignment (name -> version index, -1 absent)
// installs a consistent set that meets the root requirements.
func valid(u Static, root []Requirement, pick map[string]int) bool {
	chosen := map[string]Package{}
	for name, i := range pick {
		if i >= 0 {
			chosen[name] = u.Packages[name][i]
		}
	}
	meets := func(l Link) bool {
		p, ok := chosen[l.Target]
		return ok && l.Constraint.Matches(p.Norm)
	}
	for _, r := range root {
		if !meets(r.Link) {
			return false
		}
	}
	for _, p := range chosen {
		for _, l := range p.Require {
			if !meets(l) {
				return false
			}
		}
		for _, l := range p.Conflict {
			if q, ok := chosen[l.Target]; ok && l.Constraint.Matches(q.Norm) {
				return false
			}
		}
	}

	return true
}

// bruteForce tries every assignment.
func bruteForce(u Static, root []Requirement) bool {
	for code := 0; code < 4*4*4*4; code++ {
		pick := map[string]int{}
		c := code
		for i := 0; i < 4; i++ {
			pick[fmt.Sprintf("p/p%d", i)] = c%4 - 1
			c /= 4
		}
		if valid(u, root, pick) {
			return true
		}
	}

	return false
}

// FuzzResolve holds the resolver to a brute-force search on small
// universes: whatever it chooses is consistent, and it finds a choice
// whenever one exists.
func FuzzResolve(f *testing.F) {
	f.Add([]byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9})
	f.Add([]byte{3, 0, 3, 1, 0, 3, 2, 7, 7, 1, 0, 0, 3, 3})
	f.Fuzz(func(t *testing.T, data []byte) {
		u, root := fuzzUniverse(data)
		res, err := Resolve(context.Background(), Input{Require: root, Catalogs: []Catalog{u}})
		exists := bruteForce(u, root)
		if err != nil {
			if exists {
				t.Fatalf("Resolve failed (%v) but a solution exists", err)
			}
			return
		}
		pick := map[string]int{"p/p0": -1, "p/p1": -1, "p/p2": -1, "p/p3": -1}
		for _, l := range res.Libraries {
			for i, p := range u.Packages[l.Name] {
				if p.Version == l.Version {
					pick[l.Name] = i
				}
			}
		}
		if !valid(u, root, pick) {
			t.Fatalf("Resolve chose an inconsistent set: %v", viewResult(res))
		}
	})
}
