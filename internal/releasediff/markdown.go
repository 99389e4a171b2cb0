package releasediff

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/spec"
)

// shortHash is how many hex digits of a commit or sha256 the Markdown shows; the JSON has
// them whole.
const shortHash = 12

// familyNames are the distributions each family is named by in release notes.
var familyNames = map[platform.Family]string{platform.Debian: "Debian", platform.RPM: "Fedora"}

// Markdown renders the report for release notes: a summary, then one section per kind of
// change, leaving out the empty ones except the schema updates, which always say whether
// update.php is needed.
func (r Report) Markdown() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "## Changes from %s to %s\n\n", releaseName(r.OldRelease, r.Old), releaseName(r.NewRelease, r.New))
	if r.Edition != "" {
		fmt.Fprintf(&b, "Edition %s only.\n\n", code(r.Edition))
	}
	for _, n := range r.Notes {
		fmt.Fprintf(&b, "> Note: %s.\n\n", n)
	}
	if r.Identical {
		b.WriteString("No differences: the same components at the same versions and pins.\n")
		return b.Bytes()
	}
	fmt.Fprintf(&b, "%s\n", r.summary())
	r.writeSecurity(&b) // first: what a release manager announces before anything else
	r.writeEditions(&b)
	r.writeComponents(&b)
	r.writeLibraries(&b)
	r.writePlatform(&b)
	r.writeDebianBases(&b)
	r.writeLicences(&b)
	r.writeSchemaUpdates(&b)
	r.writeLeftBehind(&b)
	return b.Bytes()
}

func (r Report) writeEditions(b *bytes.Buffer) {
	if len(r.Editions) > 0 {
		b.WriteString("\n### Editions\n\n| Edition | Version | Members added | Members removed |\n| --- | --- | --- | --- |\n")
		for _, e := range r.Editions {
			v := arrow(e.OldVersion, e.NewVersion)
			switch e.Change {
			case ChangeAdded:
				v = e.NewVersion + " (new)"
			case ChangeRemoved:
				v = e.OldVersion + " (removed)"
			}
			row(b, code(e.Name), v, codes(e.Added), codes(e.Removed))
		}
	}
}

// writeComponents writes the added, removed and bumped components' tables.
func (r Report) writeComponents(b *bytes.Buffer) {
	if len(r.Added) > 0 {
		b.WriteString("\n### Added\n\n| Component | Version | Source | Licence |\n| --- | --- | --- | --- |\n")
		for _, e := range r.Added {
			row(b, code(e.ID), e.Version, describe(e.Source, e.Tree), orDash(e.License))
		}
	}
	if len(r.Removed) > 0 {
		b.WriteString("\n### Removed\n\n| Component | Version | Source |\n| --- | --- | --- |\n")
		for _, e := range r.Removed {
			src := describe(e.Source, e.Tree)
			if e.MergedIntoCore != "" {
				src = fmt.Sprintf("part of core since %s: remove it from the editions; core's own takes its place. %s", e.MergedIntoCore, src)
			}
			row(b, code(e.ID), e.Version, src)
		}
	}
	if len(r.Bumped) > 0 {
		b.WriteString("\n### Bumped\n\n| Component | Version | Source |\n| --- | --- | --- |\n")
		for _, u := range r.Bumped {
			v := arrow(u.Old.Version, u.New.Version)
			if u.Downgrade {
				v += " (downgrade)"
			}
			row(b, code(u.ID), v, describeMove(u.Old, u.New))
		}
	}
}

// writeLibraries writes the composer libraries' table: one row per library, whatever
// happened to it, with its version and licence, and where its files come from.
func (r Report) writeLibraries(b *bytes.Buffer) {
	if len(r.Libraries) == 0 {
		return
	}
	b.WriteString("\n### Composer libraries\n\n| Library | Change | Version | Licence | Source |\n| --- | --- | --- | --- | --- |\n")
	for _, l := range r.Libraries {
		switch {
		case l.Old == nil && l.New != nil:
			row(b, code(l.Name), "new", l.New.Version, orDash(l.New.License), describe(l.New.Source, l.New.Tree))
		case l.New == nil && l.Old != nil:
			row(b, code(l.Name), "removed", l.Old.Version, orDash(l.Old.License), describe(l.Old.Source, l.Old.Tree))
		case l.Old != nil && l.New != nil:
			v := arrow(l.Old.Version, l.New.Version)
			if l.Downgrade {
				v += " (downgrade)"
			}
			word := "bumped"
			if l.Change == ChangeReplaced {
				word = "same version, other files"
				if pinOf(*l.Old) == pinOf(*l.New) {
					word = "licence changed"
				}
			}
			row(b, code(l.Name), word, v, arrow(orDash(l.Old.License), orDash(l.New.License)),
				describeMove(pinOf(*l.Old), pinOf(*l.New)))
		}
	}
}

func pinOf(l LibraryPin) Pin { return Pin{Version: l.Version, Source: l.Source, Tree: l.Tree} }

// writePlatform writes what the target system must provide: PHP versions and extensions,
// and OS packages.
func (r Report) writePlatform(b *bytes.Buffer) {
	if len(r.PHP)+len(r.PHPExtensions) > 0 {
		b.WriteString("\n### PHP\n")
		if len(r.PHP) > 0 {
			b.WriteString("\n| Component | Requires PHP |\n| --- | --- |\n")
			for _, p := range r.PHP {
				row(b, code(p.ID), arrow(orNone(p.Old), orNone(p.New)))
			}
		}
		if len(r.PHPExtensions) > 0 {
			b.WriteString("\n| PHP extension | Change | Needed by |\n| --- | --- | --- |\n")
			for _, e := range r.PHPExtensions {
				row(b, code(e.Name), changeWord(e.Change), codes(e.Components))
			}
		}
	}
	if len(r.OSPackages) > 0 {
		b.WriteString("\n### OS packages\n\n| Distribution | Package | Change | Needed by |\n| --- | --- | --- | --- |\n")
		for _, p := range r.OSPackages {
			row(b, familyName(p.Family), code(p.Name), changeWord(p.Change), codes(p.Components))
		}
	}
}

func (r Report) writeLicences(b *bytes.Buffer) {
	if len(r.Licenses) > 0 {
		b.WriteString("\n### Licences\n\n| Component | Licence |\n| --- | --- |\n")
		for _, l := range r.Licenses {
			row(b, code(l.ID), arrow(orNone(l.Old), orNone(l.New)))
		}
	}
}

// writeSchemaUpdates always writes its section: whether update.php is needed is what an
// upgrader looks for.
func (r Report) writeSchemaUpdates(b *bytes.Buffer) {
	b.WriteString("\n### Database schema updates\n\n")
	if len(r.SchemaUpdates) == 0 {
		b.WriteString("No added or bumped component registers schema updates.\n")
		return
	}
	b.WriteString("Run `php maintenance/update.php` after upgrading: these components change the database schema.\n\n")
	for _, s := range r.SchemaUpdates {
		switch s.Reason {
		case SchemaAdded:
			fmt.Fprintf(b, "- %s %s: new, its tables are created\n", code(s.ID), s.NewVersion)
		case SchemaCore:
			fmt.Fprintf(b, "- %s %s: MediaWiki's own schema\n", code(s.ID), arrow(s.OldVersion, s.NewVersion))
		default:
			fmt.Fprintf(b, "- %s %s\n", code(s.ID), arrow(s.OldVersion, s.NewVersion))
		}
	}
}

// writeLeftBehind says which removed components leave tables behind, and what an
// administrator does about them: MediaWiki neither drops them nor warns.
func (r Report) writeLeftBehind(b *bytes.Buffer) {
	if len(r.TablesLeftBehind) == 0 {
		return
	}
	b.WriteString("\n### Database tables left behind\n\n")
	b.WriteString("Removing an extension does not drop its tables: MediaWiki leaves them, and their data, in the wiki's database. " +
		"Keep them to enable the extension again later with its data, or, once no wiki needs them, back up the database and " +
		"drop them by hand (the extension's `sql/` files of the version named here list them; `php maintenance/update.php` does not).\n\n")
	for _, l := range r.TablesLeftBehind {
		if len(l.Editions) == 0 {
			fmt.Fprintf(b, "- %s %s: removed\n", code(l.ID), l.Version)
			continue
		}
		word := "edition"
		if len(l.Editions) > 1 {
			word = "editions"
		}
		fmt.Fprintf(b, "- %s %s: removed from %s %s\n", code(l.ID), l.Version, word, codes(l.Editions))
	}
}

// summary is one sentence a release manager can paste as it is.
func (r Report) summary() string {
	parts := []string{fmt.Sprintf("%s added, %s removed, %s bumped",
		count(len(r.Added), "component"), count(len(r.Removed), "component"), count(len(r.Bumped), "component"))}
	if len(r.Libraries) > 0 {
		parts = append(parts, r.librarySummary())
	}
	if sec := r.securitySummary(); sec != "" {
		parts = append(parts, sec)
	}
	if n := countChange(r.PHPExtensions, ChangeAdded); n > 0 {
		parts = append(parts, count(n, "new PHP extension"))
	}
	for _, fam := range platform.Families {
		var names []string
		for _, p := range r.OSPackages {
			if p.Family == fam && p.Change == ChangeAdded {
				names = append(names, p.Name)
			}
		}
		if len(names) > 0 {
			parts = append(parts, fmt.Sprintf("new %s packages: %s", familyName(fam), strings.Join(names, ", ")))
		}
	}
	if deb := r.debianSummary(); deb != "" {
		parts = append(parts, deb)
	}
	if len(r.Licenses) > 0 {
		parts = append(parts, count(len(r.Licenses), "licence")+" changed")
	}
	if n := len(r.SchemaUpdates); n > 0 {
		parts = append(parts, fmt.Sprintf("%s `maintenance/update.php`", count(n, "component needs", "components need")))
	}
	if n := len(r.TablesLeftBehind); n > 0 {
		parts = append(parts, fmt.Sprintf("%s database tables behind", count(n, "removed component leaves", "removed components leave")))
	}
	return strings.Join(parts, "; ") + "."
}

// librarySummary counts the composer libraries by change, naming only the changes there are.
func (r Report) librarySummary() string {
	n := map[string]int{}
	for _, l := range r.Libraries {
		n[l.Change]++
	}
	var parts []string
	for _, c := range []string{ChangeAdded, ChangeRemoved, ChangeBumped, ChangeReplaced} {
		if n[c] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[c], c))
		}
	}
	return count(len(r.Libraries), "composer library", "composer libraries") + ": " + strings.Join(parts, ", ")
}

func countChange(es []ExtensionChange, change string) int {
	n := 0
	for _, e := range es {
		if e.Change == change {
			n++
		}
	}
	return n
}

// count says "1 component" or "2 components"; an irregular plural is given.
func count(n int, one string, many ...string) string {
	if n == 1 {
		return "1 " + one
	}
	if len(many) > 0 {
		return fmt.Sprintf("%d %s", n, many[0])
	}
	return fmt.Sprintf("%d %ss", n, one)
}

// describe says where a component's bytes come from, briefly.
func describe(s lock.Source, tree string) string {
	switch s.Kind {
	case spec.Git:
		return "git " + short(s.Commit)
	case spec.Tarball:
		return "tarball sha256 " + short(s.SHA256)
	case spec.Bundled:
		return fmt.Sprintf("in %s (sha256 %s)", s.Of, short(s.SHA256))
	case spec.Dir:
		return fmt.Sprintf("dir %s (tree %s)", s.Path, short(tree))
	}
	return "tree " + short(tree)
}

// describeMove says how a bumped component's pin moved, naming what stayed once, and its
// tree where the pin alone does not say that the bytes changed.
func describeMove(a, b Pin) string {
	s, t := a.Source, b.Source
	var out string
	switch {
	case s.Kind != t.Kind:
		out = describe(s, a.Tree) + " → " + describe(t, b.Tree)
	case s.Kind == spec.Git && s.Commit != t.Commit:
		return "git " + arrow(short(s.Commit), short(t.Commit)) // a new commit: a new tree goes without saying
	case s.Kind == spec.Tarball && s.SHA256 != t.SHA256:
		return "tarball sha256 " + arrow(short(s.SHA256), short(t.SHA256))
	case s.Kind == spec.Bundled && s.Of == t.Of && s.Path == t.Path:
		out = fmt.Sprintf("in %s (sha256 %s)", s.Of, arrow(short(s.SHA256), short(t.SHA256)))
	case s.Kind == spec.Dir && s.Path == t.Path:
		return fmt.Sprintf("dir %s (tree %s)", s.Path, arrow(short(a.Tree), short(b.Tree)))
	default:
		out = arrow(describe(s, a.Tree), describe(t, b.Tree))
	}
	if a.Tree != b.Tree {
		out += "; tree " + arrow(short(a.Tree), short(b.Tree))
	}
	return out
}

// short cuts a commit or an "algorithm:hex" digest to its first hex digits.
func short(h string) string {
	if i := strings.IndexByte(h, ':'); i >= 0 {
		h = h[i+1:]
	}
	if len(h) > shortHash {
		return h[:shortHash]
	}
	return h
}

func familyName(f platform.Family) string {
	if n, ok := familyNames[f]; ok {
		return n
	}
	return string(f)
}

func changeWord(c string) string {
	if c == ChangeAdded {
		return "new"
	}
	return "no longer needed"
}

func arrow(a, b string) string {
	if a == b {
		return a
	}
	return a + " → " + b
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// code quotes s as Markdown code, with a fence longer than any backtick run in it.
func code(s string) string {
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}

func codes(ss []string) string {
	if len(ss) == 0 {
		return "—"
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = code(s)
	}
	return strings.Join(out, ", ")
}

// row writes a table row; a pipe or line break in a cell would end it, so they are escaped.
func row(b *bytes.Buffer, cells ...string) {
	b.WriteString("|")
	for _, c := range cells {
		c = strings.NewReplacer("|", `\|`, "\r", " ", "\n", " ").Replace(c)
		b.WriteString(" " + c + " |")
	}
	b.WriteString("\n")
}

// releaseName is a release's label for the heading; a label that is only the input's name
// (a lock file says neither versions nor revision) is a file name, so it is quoted as code.
func releaseName(label, input string) string {
	if label == input {
		return code(label)
	}
	return label
}
