package releasediff

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/lock"
)

// DebianBaseChange is a locked Debian base (editions.lock's debianBases, what the images
// are built on) added, removed, or whose packages, suites or archive date changed. The
// package lists are filled in for a changed base only: an added or removed base is one
// line in release notes, with its package count, not hundreds of rows.
type DebianBaseChange struct {
	Name   string `json:"name"`
	Change string `json:"change"` // "added", "removed" or "changed"
	// OldTime and NewTime are the base's archive date (the newest Release Date of its
	// suites, the root's SOURCE_DATE_EPOCH) as Unix times; 0 on the side it is not on.
	OldTime     int64 `json:"oldTime,omitempty"`
	NewTime     int64 `json:"newTime,omitempty"`
	OldPackages int   `json:"oldPackages"` // how many packages it had
	NewPackages int   `json:"newPackages"` // and has
	// SuitesAdded and SuitesRemoved name suites as a sources.list line does: "ARCHIVE SUITE".
	SuitesAdded   []string      `json:"suitesAdded"`
	SuitesRemoved []string      `json:"suitesRemoved"`
	Added         []BasePackage `json:"packagesAdded"`
	Removed       []BasePackage `json:"packagesRemoved"`
	Updated       []BaseUpdate  `json:"packagesUpdated"`
}

// BasePackage is a package added to or removed from a Debian base.
type BasePackage struct {
	Name         string `json:"name"`
	Architecture string `json:"architecture"`
	Version      string `json:"version"`
	Suite        string `json:"suite,omitempty"`
	// Security is set for an added package pinned from a -security suite.
	Security bool `json:"security,omitempty"`
}

// BaseUpdate is a package of a Debian base pinned to another version, or to other bytes
// under the same version.
type BaseUpdate struct {
	Name         string `json:"name"`
	Architecture string `json:"architecture"`
	OldVersion   string `json:"oldVersion"`
	NewVersion   string `json:"newVersion"`
	OldSuite     string `json:"oldSuite,omitempty"`
	NewSuite     string `json:"newSuite,omitempty"`
	// Security is set when the new version comes from a -security suite: a Debian
	// security update, what release notes announce first.
	Security bool `json:"security,omitempty"`
	// Rebuilt is set when the version stayed and the .deb's sha256 did not: the archive
	// serves other bytes under the same version (a binNMU under the same version string is
	// not possible, so this deserves a look).
	Rebuilt bool `json:"rebuilt,omitempty"`
}

// securitySuite reports whether a suite is a Debian security suite (bookworm-security).
func securitySuite(suite string) bool { return strings.HasSuffix(suite, "-security") }

// checkDebianBases refuses a lock whose debianBases name a base twice, or a package (by
// name and architecture) twice in one base: the comparison keys them so, and a lock that
// does not is broken rather than something to guess about.
func checkDebianBases(name string, f lock.File) error {
	bases := map[string]bool{}
	for _, b := range f.DebianBases {
		if b.Name == "" {
			return fmt.Errorf("%s: a Debian base under debianBases has no name", name)
		}
		if bases[b.Name] {
			return fmt.Errorf("%s: Debian base %s is listed twice under debianBases", name, b.Name)
		}
		bases[b.Name] = true
		pkgs := map[string]bool{}
		for _, p := range b.Packages {
			k := p.Name + ":" + p.Architecture
			if p.Name == "" {
				return fmt.Errorf("%s: a package of Debian base %s has no name", name, b.Name)
			}
			if pkgs[k] {
				return fmt.Errorf("%s: Debian base %s lists package %s twice", name, b.Name, k)
			}
			pkgs[k] = true
		}
	}
	return nil
}

// compareDebianBases compares the locked Debian bases of two releases, by name.
func compareDebianBases(prev, next Release) []DebianBaseChange {
	old, cur := map[string]lock.DebianBase{}, map[string]lock.DebianBase{}
	names := map[string]bool{}
	for _, b := range prev.DebianBases {
		old[b.Name], names[b.Name] = b, true
	}
	for _, b := range next.DebianBases {
		cur[b.Name], names[b.Name] = b, true
	}
	out := []DebianBaseChange{}
	for _, n := range sortedKeys(names) {
		o, inOld := old[n]
		c, inNew := cur[n]
		ch := DebianBaseChange{Name: n, OldTime: o.Time, NewTime: c.Time, OldPackages: len(o.Packages), NewPackages: len(c.Packages),
			SuitesAdded: []string{}, SuitesRemoved: []string{}, Added: []BasePackage{}, Removed: []BasePackage{}, Updated: []BaseUpdate{}}
		switch {
		case !inOld:
			ch.Change = ChangeAdded
		case !inNew:
			ch.Change = ChangeRemoved
		default:
			ch.Change = ChangeChanged
			ch.SuitesAdded, ch.SuitesRemoved = minus(suiteNames(c), suiteNames(o)), minus(suiteNames(o), suiteNames(c))
			ch.comparePackages(o.Packages, c.Packages)
			if o.Time == c.Time && len(ch.SuitesAdded)+len(ch.SuitesRemoved)+len(ch.Added)+len(ch.Removed)+len(ch.Updated) == 0 {
				continue
			}
		}
		out = append(out, ch)
	}
	return out
}

func suiteNames(b lock.DebianBase) []string {
	var out []string
	for _, s := range b.Suites {
		out = append(out, s.Archive+" "+s.Suite)
	}
	return out
}

// comparePackages fills in the packages added, removed and updated, each sorted by name
// and architecture. A package whose .deb is the same bytes is unchanged, whatever suite it
// is now listed in (a point release moves security updates into the main suite).
func (ch *DebianBaseChange) comparePackages(prev, next []lock.DebPackage) {
	key := func(p lock.DebPackage) string { return p.Name + "\x00" + p.Architecture }
	old := map[string]lock.DebPackage{}
	for _, p := range prev {
		old[key(p)] = p
	}
	seen := map[string]bool{}
	for _, p := range sortedPackages(next) {
		seen[key(p)] = true
		o, ok := old[key(p)]
		switch {
		case !ok:
			ch.Added = append(ch.Added, basePackage(p))
		case o.Version != p.Version || o.SHA256 != p.SHA256:
			ch.Updated = append(ch.Updated, BaseUpdate{Name: p.Name, Architecture: p.Architecture,
				OldVersion: o.Version, NewVersion: p.Version, OldSuite: o.Suite, NewSuite: p.Suite,
				Security: securitySuite(p.Suite), Rebuilt: o.Version == p.Version})
		}
	}
	for _, p := range sortedPackages(prev) {
		if !seen[key(p)] {
			b := basePackage(p)
			b.Security = false // a removed package brings no security fix
			ch.Removed = append(ch.Removed, b)
		}
	}
}

func basePackage(p lock.DebPackage) BasePackage {
	return BasePackage{Name: p.Name, Architecture: p.Architecture, Version: p.Version, Suite: p.Suite, Security: securitySuite(p.Suite)}
}

func sortedPackages(ps []lock.DebPackage) []lock.DebPackage {
	out := append([]lock.DebPackage(nil), ps...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Architecture < out[j].Architecture
	})
	return out
}

// debianNotes says which inputs do not record the Debian bases, so that their section is
// known to be missing rather than empty: one note, naming one input or both.
func debianNotes(prev, next Release) []string {
	var names []string
	for _, rel := range []Release{prev, next} {
		if !rel.DebianKnown {
			names = append(names, rel.Name)
		}
	}
	is := "is a build manifest, which does not"
	switch len(names) {
	case 0:
		return nil
	case 2:
		is = "are build manifests, which do not"
	}
	return []string{fmt.Sprintf("Debian base packages not compared: %s %s record the debianBases of %s; compare the %s files, project directories or git revisions for them",
		strings.Join(names, " and "), is, lock.FileName, lock.FileName)}
}

// maxBaseRows is how many rows of a base's table the Markdown shows besides its security
// updates, which it always shows: release notes want every security fix and a taste of
// the rest; the JSON lists them all.
const maxBaseRows = 25

// writeDebianBases writes one part per base: what happened to it in a sentence, its
// suites and archive date when they moved, then its packages, security updates first.
func (r Report) writeDebianBases(b *bytes.Buffer) {
	if len(r.DebianBases) == 0 {
		return
	}
	b.WriteString("\n### Debian base packages\n\nThe Debian bases the images are built on, as " + lock.FileName + " pins them under `debianBases`.\n")
	for _, d := range r.DebianBases {
		fmt.Fprintf(b, "\n#### %s\n\n", code(d.Name))
		switch d.Change {
		case ChangeAdded:
			fmt.Fprintf(b, "New base: %s, archive as of %s.\n", count(d.NewPackages, "package"), day(d.NewTime))
			continue
		case ChangeRemoved:
			fmt.Fprintf(b, "Removed: no image is built on it any more (it had %s).\n", count(d.OldPackages, "package"))
			continue
		}
		fmt.Fprintf(b, "%s; archive as of %s.\n", d.countLine(), arrow(day(d.OldTime), day(d.NewTime)))
		var suites []string
		if len(d.SuitesAdded) > 0 {
			suites = append(suites, "added "+codes(d.SuitesAdded))
		}
		if len(d.SuitesRemoved) > 0 {
			suites = append(suites, "removed "+codes(d.SuitesRemoved))
		}
		if len(suites) > 0 {
			fmt.Fprintf(b, "\nSuites %s.\n", strings.Join(suites, "; "))
		}
		d.writePackages(b)
	}
}

// countLine counts a changed base's packages by change: "3 packages updated (2 security
// updates), 1 added, 1 removed".
func (d DebianBaseChange) countLine() string {
	var parts []string
	if n := len(d.Updated); n > 0 {
		s := count(n, "package") + " updated"
		if sec := d.securityUpdates(); sec > 0 {
			s += " (" + count(sec, "security update") + ")"
		}
		parts = append(parts, s)
	}
	if n := len(d.Added); n > 0 {
		parts = append(parts, fmt.Sprintf("%d added", n))
	}
	if n := len(d.Removed); n > 0 {
		parts = append(parts, fmt.Sprintf("%d removed", n))
	}
	if len(parts) == 0 {
		return "No package changed"
	}
	parts[0] = strings.ToUpper(parts[0][:1]) + parts[0][1:]
	return strings.Join(parts, ", ")
}

func (d DebianBaseChange) securityUpdates() int {
	n := 0
	for _, u := range d.Updated {
		if u.Security {
			n++
		}
	}
	return n
}

// writePackages writes a changed base's table: security updates (and packages added from
// a security suite), then removed, added and other updated packages, at most maxBaseRows
// of those, then how many more there are.
func (d DebianBaseChange) writePackages(b *bytes.Buffer) {
	type line struct {
		cells []string
		kind  string // for the count of what was left out
	}
	var first, rest []line
	for _, u := range d.Updated {
		l := line{[]string{d.pkgCell(u.Name, u.Architecture), "updated", arrow(u.OldVersion, u.NewVersion), arrow(orDash(u.OldSuite), orDash(u.NewSuite))}, "updated"}
		if u.Rebuilt {
			l.cells[1] = "same version, other sha256"
		}
		if u.Security {
			l.cells[1] = "**security update**"
			first = append(first, l)
		} else {
			rest = append(rest, l)
		}
	}
	var added []line
	for _, p := range d.Added {
		l := line{[]string{d.pkgCell(p.Name, p.Architecture), "new", p.Version, orDash(p.Suite)}, "added"}
		if p.Security {
			first = append(first, l)
		} else {
			added = append(added, l)
		}
	}
	var removed []line
	for _, p := range d.Removed {
		removed = append(removed, line{[]string{d.pkgCell(p.Name, p.Architecture), "removed", p.Version, orDash(p.Suite)}, "removed"})
	}
	rest = append(append(removed, added...), rest...)
	if len(first)+len(rest) == 0 {
		return
	}
	b.WriteString("\n| Package | Change | Version | Suite |\n| --- | --- | --- | --- |\n")
	for _, l := range first {
		row(b, l.cells...)
	}
	shown := min(len(rest), maxBaseRows)
	for _, l := range rest[:shown] {
		row(b, l.cells...)
	}
	if left := rest[shown:]; len(left) > 0 {
		kinds := make([]string, len(left))
		for i, l := range left {
			kinds[i] = l.kind
		}
		writeLeftOut(b, kinds)
	}
}

// writeLeftOut says how many rows, of which kinds, a base's table left out.
func writeLeftOut(b *bytes.Buffer, kinds []string) {
	n := map[string]int{}
	for _, k := range kinds {
		n[k]++
	}
	var parts []string
	for _, k := range []string{"removed", "added", "updated"} {
		if n[k] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k], k))
		}
	}
	fmt.Fprintf(b, "\n…and %d more (%s), none from a security suite; `mwedition diff --json` lists every package.\n", len(kinds), strings.Join(parts, ", "))
}

// pkgCell names a package, with its architecture when the base changed it under more
// than one (a multi-arch package), so that two rows never read the same.
func (d DebianBaseChange) pkgCell(name, arch string) string {
	n := 0
	for _, u := range d.Updated {
		if u.Name == name {
			n++
		}
	}
	for _, ps := range [][]BasePackage{d.Added, d.Removed} {
		for _, p := range ps {
			if p.Name == name {
				n++
			}
		}
	}
	if n > 1 {
		return code(name + ":" + arch)
	}
	return code(name)
}

// day is a Unix time as a UTC date; "unknown" for none.
func day(t int64) string {
	if t == 0 {
		return "unknown"
	}
	return time.Unix(t, 0).UTC().Format("2006-01-02")
}

// debianSummary counts the bases' changes for the summary line; "" when there are none.
func (r Report) debianSummary() string {
	n := map[string]int{}
	for _, d := range r.DebianBases {
		if d.Change != ChangeChanged {
			n["bases "+d.Change]++
			continue
		}
		n[ChangeChanged] += len(d.Updated)
		n["security"] += d.securityUpdates()
		n[ChangeAdded] += len(d.Added)
		n[ChangeRemoved] += len(d.Removed)
	}
	var parts []string
	if n[ChangeChanged] > 0 {
		s := fmt.Sprintf("%d updated", n[ChangeChanged])
		if n["security"] > 0 {
			s += fmt.Sprintf(" (%d from Debian security)", n["security"])
		}
		parts = append(parts, s)
	}
	for _, c := range []string{ChangeAdded, ChangeRemoved} {
		if n[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[c], c))
		}
	}
	var out []string
	if len(parts) > 0 {
		out = append(out, "Debian base packages: "+strings.Join(parts, ", "))
	}
	for _, c := range []string{ChangeAdded, ChangeRemoved} {
		if k := n["bases "+c]; k > 0 {
			out = append(out, count(k, "Debian base")+" "+c)
		}
	}
	return strings.Join(out, "; ")
}
