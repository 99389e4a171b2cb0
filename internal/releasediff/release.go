// Package releasediff compares two releases of a project, given as two editions.lock files
// or the out/manifest.json of two builds, and says what release notes need: the CVEs that
// patches newly fix and the patches dropped; the components added, removed and bumped
// (versions and pins); the composer libraries added, removed, bumped or changed (in a list
// of their own, not among the components); new or changed PHP and OS dependencies; the
// packages of the locked Debian bases the images are built on, security updates marked;
// licences that changed; and the upgrades that need maintenance/update.php. It reads and
// compares; it prints nothing. Its Markdown and JSON are stable: the same two inputs give
// the same bytes.
package releasediff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
)

// Release is one side of a comparison: every component of a lock or a build manifest (the
// composer libraries among them, as library/vendor/name) and, when the input says, which
// components each edition holds.
type Release struct {
	Name       string      // the input as the user named it, for reports and errors
	Components []Component // sorted by ID
	// Editions is nil when the input does not say which members each edition has (a lock
	// alone); NoEditions then says why, for the error an edition filter gets.
	Editions   map[string]Edition
	NoEditions string
	// PHPKnown is false for a build manifest, which records each component's OS packages but
	// not the PHP version and extensions they come from.
	PHPKnown bool
	// SystemKnown is true when the input says which system packages each component's
	// recipe declares: a project, a git revision or a build manifest, not a lock alone.
	SystemKnown bool
	// DebianKnown is true when the input records the locked Debian bases (a lock, a
	// project or a git revision; a build manifest does not), and DebianBases are they.
	DebianKnown bool
	DebianBases []lock.DebianBase
	// Revision is the git revision the input is, as git describes it ("v1.39.17.1",
	// "v1.39.17.1-2-g3f2a9c1-dirty"): of git:REV, or of a project directory git tracks.
	Revision string
}

// Label names the release for a heading: its editions' version (each edition's, when they
// differ), and its git revision; the input's name when it says neither.
func (r Release) Label() string {
	var versions []string
	for _, name := range sortedKeys(editionNames(r.Editions)) {
		if v := r.Editions[name].Version; !slices.Contains(versions, v) {
			versions = append(versions, v)
		}
	}
	label := ""
	switch {
	case len(versions) == 1:
		label = versions[0]
	case len(versions) > 1:
		var parts []string
		for _, name := range sortedKeys(editionNames(r.Editions)) {
			parts = append(parts, name+" "+r.Editions[name].Version)
		}
		label = strings.Join(parts, ", ")
	}
	switch {
	case label != "" && r.Revision != "":
		return label + " (" + r.Revision + ")"
	case r.Revision != "":
		return r.Revision
	case label != "":
		return label
	}
	return r.Name
}

func editionNames(m map[string]Edition) map[string]bool {
	out := make(map[string]bool, len(m))
	for n := range m {
		out[n] = true
	}
	return out
}

// Component is what the comparison looks at in one component.
type Component struct {
	ID            string
	Version       string
	Source        lock.Source
	Tree          string
	License       string
	SchemaUpdates bool                         // registers schema updates: upgrades need update.php
	PHP           string                       // requires.php, a composer constraint
	PHPExtensions []string                     // sorted, without "ext-"
	OSPackages    map[platform.Family][]string // the packages its PHP extensions need, per family
	// SystemPackages are the system packages its recipe declares, per family, each as
	// systemPackages writes it; known only when the release's SystemKnown is.
	SystemPackages map[platform.Family][]string
	Patches        []lock.Patch // the patches that touched it, in the order they applied
}

// Edition is one edition of a release.
type Edition struct {
	Name    string
	Version string
	Members []string // component IDs, sorted
}

// manifestFormat is the format string of the build manifests this package reads.
const manifestFormat = "mwedition-manifest-v1"

// Parse reads an editions.lock or an out/manifest.json, told apart by their content. name is
// how errors and the report refer to the input.
func Parse(name string, b []byte) (Release, error) {
	var probe struct {
		LockVersion *int   `json:"lockVersion"`
		Format      string `json:"format"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return Release{}, fmt.Errorf("%s is neither an %s nor a build manifest: %w", name, lock.FileName, err)
	}
	switch {
	case probe.LockVersion != nil:
		f, err := lock.Decode(b)
		if err != nil {
			return Release{}, fmt.Errorf("%s: %w", name, err)
		}
		if err := checkDebianBases(name, f); err != nil {
			return Release{}, err
		}
		return FromLock(name, f), nil
	case probe.Format == manifestFormat:
		var m build.Manifest
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&m); err != nil {
			return Release{}, fmt.Errorf("%s is not a valid build manifest: %w", name, err)
		}
		return FromManifest(name, m)
	case probe.Format != "":
		return Release{}, fmt.Errorf("%s has format %q; this mwedition reads %s manifests: rebuild with it, or compare the %s files", name, probe.Format, manifestFormat, lock.FileName)
	}
	return Release{}, fmt.Errorf("%s is neither an %s (no lockVersion) nor a build manifest (no format): give an %s, a project directory, an out/manifest.json or git:REV", name, lock.FileName, lock.FileName)
}

// FromLock makes a release of a lock's components, and of the composer libraries its
// editions ship as components of kind library, as a build would. The OS packages are those
// the build would make each component's packages depend on.
func FromLock(name string, f lock.File) Release {
	r := Release{Name: name, PHPKnown: true, DebianKnown: true, DebianBases: f.DebianBases,
		NoEditions: name + " is a lock, which does not say which components each edition has"}
	for _, lc := range f.Components {
		c := Component{ID: lc.ID, Version: lc.Version, Source: lc.Source, Tree: lc.Tree, License: lc.Registry.License,
			SchemaUpdates: lc.Registry.SchemaUpdates, PHP: lc.Registry.Requires.PHP,
			PHPExtensions: sortedCopy(lc.Registry.Requires.PHPExtensions), Patches: lc.Patches}
		for _, fam := range platform.Families {
			if p := platform.Packages(fam, c.PHPExtensions); len(p) > 0 {
				if c.OSPackages == nil {
					c.OSPackages = map[platform.Family][]string{}
				}
				c.OSPackages[fam] = p
			}
		}
		r.Components = append(r.Components, c)
	}
	r.Components = append(r.Components, lockLibraries(f)...)
	sortComponents(r.Components)
	return r
}

// WithGraph adds the editions of a resolved graph to a release made from the same lock.
func (r Release) WithGraph(g resolve.Graph) Release {
	r.Editions = map[string]Edition{}
	r.NoEditions = ""
	r.SystemKnown = true
	r.Components = slices.Clone(r.Components)
	for i, c := range r.Components {
		if gc, ok := g.Component(c.ID); ok {
			sys := map[string]build.ManifestSystem{}
			for _, s := range gc.Systems {
				sys[s.Distro] = build.ManifestSystem{Depends: s.Depends, Recommends: s.Recommends}
			}
			r.Components[i].SystemPackages = systemPackages(sys)
		}
	}
	for _, e := range g.Editions {
		ed := Edition{Name: e.Name, Version: e.Version}
		for _, m := range e.Members {
			ed.Members = append(ed.Members, m.ID)
		}
		sort.Strings(ed.Members)
		r.Editions[e.Name] = ed
	}
	return r
}

// FromManifest makes a release of a build manifest: its components with their OS packages,
// and its editions with their members. A manifest does not record PHP requirements.
func FromManifest(name string, m build.Manifest) (Release, error) {
	r := Release{Name: name, Editions: map[string]Edition{}, SystemKnown: true}
	ids := map[string]bool{}
	for _, mc := range m.Components {
		if mc.ID == "" {
			return Release{}, fmt.Errorf("%s: a component has no id", name)
		}
		if ids[mc.ID] {
			return Release{}, fmt.Errorf("%s: component %s is listed twice", name, mc.ID)
		}
		ids[mc.ID] = true
		c := Component{ID: mc.ID, Version: mc.Version, Source: mc.Source, Tree: mc.Tree, License: mc.License,
			SchemaUpdates: mc.SchemaUpdate, Patches: mc.Patches, SystemPackages: systemPackages(mc.System)}
		for fam, pkgs := range mc.OSDeps {
			if len(pkgs) == 0 {
				continue
			}
			if c.OSPackages == nil {
				c.OSPackages = map[platform.Family][]string{}
			}
			c.OSPackages[platform.Family(fam)] = sortedCopy(pkgs)
		}
		r.Components = append(r.Components, c)
	}
	sortComponents(r.Components)
	for _, me := range m.Editions {
		if me.Name == "" {
			return Release{}, fmt.Errorf("%s: an edition has no name", name)
		}
		if _, dup := r.Editions[me.Name]; dup {
			return Release{}, fmt.Errorf("%s: edition %s is listed twice", name, me.Name)
		}
		ed := Edition{Name: me.Name, Version: me.Version}
		for _, mem := range me.Members {
			if !ids[mem.ID] {
				return Release{}, fmt.Errorf("%s: edition %s has member %s, which is not among the components", name, me.Name, mem.ID)
			}
			ed.Members = append(ed.Members, mem.ID)
		}
		sort.Strings(ed.Members)
		r.Editions[me.Name] = ed
	}
	return r, nil
}

// Component looks a component up by ID.
func (r Release) Component(id string) (Component, bool) {
	i := sort.Search(len(r.Components), func(i int) bool { return r.Components[i].ID >= id })
	if i < len(r.Components) && r.Components[i].ID == id {
		return r.Components[i], true
	}
	return Component{}, false
}

func sortComponents(cs []Component) {
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
}

func sortedCopy(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

// systemPackages are a component's system requirements as the OS packages section lists
// them, per family (Debian's for .deb, Fedora's for .rpm): each requirement as written,
// a recommended one followed by " (recommended)". Sorted; nil when there are none.
func systemPackages(sys map[string]build.ManifestSystem) map[platform.Family][]string {
	var out map[platform.Family][]string
	for _, fam := range platform.Families {
		s, ok := sys[resolve.Distro(fam)]
		if !ok || len(s.Depends)+len(s.Recommends) == 0 {
			continue
		}
		pkgs := slices.Clone(s.Depends)
		for _, r := range s.Recommends {
			pkgs = append(pkgs, r+" (recommended)")
		}
		if out == nil {
			out = map[platform.Family][]string{}
		}
		out[fam] = sortedCopy(pkgs)
	}
	return out
}
