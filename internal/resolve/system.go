package resolve

import (
	"slices"
	"sort"

	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/spec"
)

// Distro is the distribution whose system blocks a package family's packages follow:
// Debian's for .deb, Fedora's for .rpm.
func Distro(f platform.Family) string {
	if f == platform.RPM {
		return spec.Fedora
	}
	return spec.Debian
}

// System returns the component's requirements on distro's packages: none when its recipe
// declares no system block for it.
func (c Component) System(distro string) spec.System {
	for _, s := range c.Systems {
		if s.Distro == distro {
			return s
		}
	}
	return spec.System{Distro: distro}
}

// SettingsFor are the component's settings in distro's packages: its own, with those its
// system block for distro declares in their place; "" gives its own alone. Sorted by name.
func (c Component) SettingsFor(distro string) []spec.Setting {
	over := c.System(distro).Settings
	if distro == "" || len(over) == 0 {
		return c.Settings
	}
	out := slices.Clone(over)
	for _, s := range c.Settings {
		if !slices.ContainsFunc(over, func(o spec.Setting) bool { return o.Name == s.Name }) {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// DebianRequirements are the Debian packages the edition's components declare, depends
// and recommends alike, each requirement by its first (preferred) alternative: the
// packages an image base for the edition installs. Sorted, each once.
func (e Edition) DebianRequirements(g Graph) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range e.Members {
		c, _ := g.Component(m.ID)
		s := c.System(spec.Debian)
		for _, req := range append(slices.Clone(s.Depends), s.Recommends...) {
			if first := spec.Alternatives(req)[0]; !seen[first] {
				seen[first] = true
				out = append(out, first)
			}
		}
	}
	sort.Strings(out)
	return out
}
