package pack

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/tarfile"
)

// Copyright describes a package's licensing for Debian's machine-readable copyright file
// (https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/).
type Copyright struct {
	Upstream string   // Upstream-Name: "Cite"
	Source   string   // where upstream's source is
	Holders  []string // Copyright lines: "2004-2024 Jane Doe"; "<Year> the <Upstream> authors" when empty
	Year     int      // for the default holder; DebDocs uses the package's MTime year when zero
	License  string   // SPDX expression covering every file: "GPL-2.0-or-later AND MIT"
	// LicenseFile is where the package installs the full text (COPYING, LICENSE), pointed to
	// for licenses that Debian does not carry in /usr/share/common-licenses.
	LicenseFile string
}

// spdxToDEP5 maps SPDX identifiers to the copyright format's short names where they differ.
var spdxToDEP5 = map[string]string{
	"GPL-1.0-only": "GPL-1", "GPL-1.0-or-later": "GPL-1+",
	"GPL-2.0-only": "GPL-2", "GPL-2.0-or-later": "GPL-2+", "GPL-2.0": "GPL-2", "GPL-2.0+": "GPL-2+",
	"GPL-3.0-only": "GPL-3", "GPL-3.0-or-later": "GPL-3+", "GPL-3.0": "GPL-3", "GPL-3.0+": "GPL-3+",
	"LGPL-2.0-only": "LGPL-2", "LGPL-2.0-or-later": "LGPL-2+",
	"LGPL-2.1-only": "LGPL-2.1", "LGPL-2.1-or-later": "LGPL-2.1+",
	"LGPL-3.0-only": "LGPL-3", "LGPL-3.0-or-later": "LGPL-3+",
	"AGPL-3.0-only": "AGPL-3", "AGPL-3.0-or-later": "AGPL-3+",
	"MIT": "Expat", "BSD-2-Clause": "BSD-2-clause", "BSD-3-Clause": "BSD-3-clause",
}

// commonLicenses are the texts in Debian's /usr/share/common-licenses, by short name
// without a "+" suffix.
var commonLicenses = map[string]string{
	"Apache-2.0": "Apache License, Version 2.0", "CC0-1.0": "Creative Commons CC0 1.0 Universal",
	"GPL-1": "GNU General Public License version 1", "GPL-2": "GNU General Public License version 2",
	"GPL-3": "GNU General Public License version 3", "LGPL-2": "GNU Library General Public License version 2",
	"LGPL-2.1": "GNU Lesser General Public License version 2.1", "LGPL-3": "GNU Lesser General Public License version 3",
	"MPL-1.1": "Mozilla Public License version 1.1", "MPL-2.0": "Mozilla Public License version 2.0",
}

var licenseToken = regexp.MustCompile(`[A-Za-z0-9.+-]+`)

// Render writes the copyright file: one Files paragraph for the whole package, then one
// paragraph per license naming where its full text is.
func (c Copyright) Render() []byte {
	var names []string
	exception := false
	expr := licenseToken.ReplaceAllStringFunc(c.License, func(tok string) string {
		switch strings.ToUpper(tok) {
		case "AND", "OR":
			return strings.ToLower(tok)
		case "WITH":
			exception = true
			return "with"
		}
		if exception { // an exception qualifies the license before it; it has no paragraph
			exception = false
			return tok
		}
		name := tok
		if d, ok := spdxToDEP5[tok]; ok {
			name = d
		}
		names = append(names, name)
		return name
	})
	holders := c.Holders
	if len(holders) == 0 {
		holder := "the " + c.Upstream + " authors"
		if c.Year != 0 {
			holder = strconv.Itoa(c.Year) + " " + holder
		}
		holders = []string{holder}
	}
	var b strings.Builder
	b.WriteString("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
	fmt.Fprintf(&b, "Upstream-Name: %s\n", c.Upstream)
	if c.Source != "" {
		fmt.Fprintf(&b, "Source: %s\n", c.Source)
	}
	fmt.Fprintf(&b, "\nFiles: *\nCopyright: %s\n", strings.Join(holders, "\n "))
	fmt.Fprintf(&b, "License: %s\n", strings.TrimSpace(expr))
	// Sorted for a stable file.
	slices.Sort(names)
	for _, name := range slices.Compact(names) {
		fmt.Fprintf(&b, "\nLicense: %s\n", name)
		base := strings.TrimSuffix(name, "+")
		switch title, ok := commonLicenses[base]; {
		case ok:
			fmt.Fprintf(&b, " On Debian systems, the full text of the %s\n can be found in /usr/share/common-licenses/%s.\n", title, base)
		case c.LicenseFile != "":
			fmt.Fprintf(&b, " The full text of the license is in %s.\n", c.LicenseFile)
		default:
			b.WriteString(" The full text of the license is in the upstream source.\n")
		}
	}
	return []byte(b.String())
}

// DebVersion is p's full Debian version: [epoch:]version-release.
func DebVersion(p Package) string {
	v := p.Version + "-" + p.release()
	if p.Epoch != 0 {
		v = fmt.Sprintf("%d:%s", p.Epoch, v)
	}
	return v
}

// changes is p's changelog items, or a plain "Release <version>." when it has none.
func (p Package) changes(version string) []string {
	if len(p.Changes) == 0 {
		return []string{"Release " + version + "."}
	}
	return p.Changes
}

// DebianChangelog renders a one-entry Debian changelog of p.Changes, dated p.MTime in UTC,
// and returns it gzip-compressed without a name or time in the header (gzip -n).
func DebianChangelog(p Package) []byte {
	changes := p.changes(DebVersion(p))
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s) unstable; urgency=medium\n\n", p.Name, DebVersion(p))
	for _, c := range changes {
		b.WriteString(wrap("  * ", "    ", c, 78))
	}
	fmt.Fprintf(&b, "\n -- %s  %s\n", p.Maintainer, p.MTime.UTC().Format(time.RFC1123Z))
	return GzipN([]byte(b.String()))
}

// DebDocs returns Debian's /usr/share/doc/<name>/copyright and changelog.Debian.gz for p.
func DebDocs(p Package, c Copyright) []File {
	dir := "/usr/share/doc/" + p.Name
	if c.Year == 0 {
		c.Year = p.MTime.UTC().Year()
	}
	return []File{
		{Path: dir + "/changelog.Debian.gz", Type: fstree.File, Content: DebianChangelog(p)},
		{Path: dir + "/copyright", Type: fstree.File, Content: c.Render()},
	}
}

// wrap fills words into lines of at most width bytes (longer words stay whole).
func wrap(first, rest, text string, width int) string {
	var b strings.Builder
	line := first
	indent := first
	for _, w := range strings.Fields(text) {
		if len(line) > len(indent) && len(line)+1+len(w) > width {
			b.WriteString(line + "\n")
			line, indent = rest, rest
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += w
	}
	b.WriteString(line + "\n")
	return b.String()
}

// GzipN compresses like gzip -9n: no file name, no time, Unix as the OS, so the same
// bytes always give the same archive (Debian's policy for shipped .gz files).
func GzipN(data []byte) []byte {
	var buf bytes.Buffer
	zw, _ := tarfile.StdGzipBestUnix.NewWriter(&buf) // the setting is valid
	zw.Write(data)                                   // writes to a bytes.Buffer cannot fail
	zw.Close()
	return buf.Bytes()
}
