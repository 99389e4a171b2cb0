package dnf

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Namespaces of rpm-md, as createrepo_c writes them.
const (
	nsCommon    = "http://linux.duke.edu/metadata/common"
	nsFilelists = "http://linux.duke.edu/metadata/filelists"
	nsOther     = "http://linux.duke.edu/metadata/other"
	nsRepo      = "http://linux.duke.edu/metadata/repo"
	nsRPM       = "http://linux.duke.edu/metadata/rpm"
	xmlDecl     = `<?xml version="1.0" encoding="UTF-8"?>` + "\n"
)

// xmlWriter writes indented XML with the escaping done here, so that the bytes depend on
// nothing but the values.
type xmlWriter struct{ bytes.Buffer }

// attrs is an element's attributes in order; empty values are written too.
type attrs [][2]string

func (w *xmlWriter) open(indent int, name string, a attrs, empty bool) {
	w.WriteString(strings.Repeat("  ", indent))
	w.WriteByte('<')
	w.WriteString(name)
	for _, kv := range a {
		w.WriteByte(' ')
		w.WriteString(kv[0])
		w.WriteString(`="`)
		w.WriteString(escape(kv[1], true))
		w.WriteByte('"')
	}
	if empty {
		w.WriteString("/>\n")
		return
	}
	w.WriteString(">")
}

// start writes <name a...> and a newline, for an element with children.
func (w *xmlWriter) start(indent int, name string, a attrs) {
	w.open(indent, name, a, false)
	w.WriteByte('\n')
}

func (w *xmlWriter) end(indent int, name string) {
	w.WriteString(strings.Repeat("  ", indent))
	w.WriteString("</" + name + ">\n")
}

// empty writes <name a.../>.
func (w *xmlWriter) empty(indent int, name string, a attrs) { w.open(indent, name, a, true) }

// text writes <name a...>text</name>.
func (w *xmlWriter) text(indent int, name string, a attrs, text string) {
	w.open(indent, name, a, false)
	w.WriteString(escape(text, false))
	w.WriteString("</" + name + ">\n")
}

// escape makes s safe in XML text or, with attr, in a double-quoted attribute: markup
// characters become entities; characters XML 1.0 cannot hold at all (most control
// characters, invalid UTF-8) become U+FFFD, since a header may hold any bytes. In
// attributes, tabs and line breaks are kept as character references, which a parser would
// otherwise turn into spaces; in text, a carriage return is, which it would drop.
func escape(s string, attr bool) string {
	clean := true
	for _, c := range []byte(s) {
		if c < 0x20 || c == '&' || c == '<' || c == '>' || c == '"' || c >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			b.WriteRune('\uFFFD')
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\r' || (attr && (r == '\n' || r == '\t')):
			b.WriteString("&#" + strconv.Itoa(int(r)) + ";")
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0xFFFE || r == 0xFFFF:
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func (p Package) versionAttrs() attrs {
	return attrs{{"epoch", p.Epoch}, {"ver", p.Version}, {"rel", p.Release}}
}

// primaryXML is primary.xml: each package's metadata, relations and primary files.
func primaryXML(pkgs []Package) []byte {
	var w xmlWriter
	w.WriteString(xmlDecl)
	w.start(0, "metadata", attrs{{"xmlns", nsCommon}, {"xmlns:rpm", nsRPM}, {"packages", strconv.Itoa(len(pkgs))}})
	for _, p := range pkgs {
		w.start(0, "package", attrs{{"type", "rpm"}})
		w.text(1, "name", nil, p.Name)
		w.text(1, "arch", nil, p.Arch)
		w.empty(1, "version", p.versionAttrs())
		w.text(1, "checksum", attrs{{"type", "sha256"}, {"pkgid", "YES"}}, p.Checksum)
		w.text(1, "summary", nil, p.Summary)
		w.text(1, "description", nil, p.Description)
		w.text(1, "packager", nil, p.Packager)
		w.text(1, "url", nil, p.URL)
		// The file's time is the package's build time: a copy of a package does not change it.
		w.empty(1, "time", attrs{{"file", itoa(p.BuildTime)}, {"build", itoa(p.BuildTime)}})
		w.empty(1, "size", attrs{{"package", itoa(p.Size)}, {"installed", itoa(p.InstalledSize)}, {"archive", itoa(p.ArchiveSize)}})
		w.empty(1, "location", attrs{{"href", p.Href}})
		w.start(1, "format", nil)
		w.text(2, "rpm:license", nil, p.License)
		w.text(2, "rpm:vendor", nil, p.Vendor)
		w.text(2, "rpm:group", nil, p.Group)
		w.text(2, "rpm:buildhost", nil, p.BuildHost)
		w.text(2, "rpm:sourcerpm", nil, p.SourceRPM)
		w.empty(2, "rpm:header-range", attrs{{"start", itoa(p.HeaderStart)}, {"end", itoa(p.HeaderEnd)}})
		for _, rel := range []struct {
			name string
			deps []Dep
		}{
			{"rpm:provides", p.Provides}, {"rpm:requires", p.Requires}, {"rpm:conflicts", p.Conflicts}, {"rpm:obsoletes", p.Obsoletes},
			{"rpm:suggests", p.Suggests}, {"rpm:enhances", p.Enhances}, {"rpm:recommends", p.Recommends}, {"rpm:supplements", p.Supplements},
		} {
			if len(rel.deps) == 0 {
				continue
			}
			w.start(2, rel.name, nil)
			for _, d := range rel.deps {
				w.empty(3, "rpm:entry", d.attrs())
			}
			w.end(2, rel.name)
		}
		for _, f := range p.Files {
			if isPrimary(f.Path) {
				w.file(2, f)
			}
		}
		w.end(1, "format")
		w.end(0, "package")
	}
	w.end(0, "metadata")
	return w.Bytes()
}

func (d Dep) attrs() attrs {
	a := attrs{{"name", d.Name}}
	if d.Flags != "" {
		a = append(a, [2]string{"flags", d.Flags})
		for _, kv := range [][2]string{{"epoch", d.Epoch}, {"ver", d.Version}, {"rel", d.Release}} {
			if kv[1] != "" {
				a = append(a, kv)
			}
		}
	}
	if d.Pre {
		a = append(a, [2]string{"pre", "1"})
	}
	return a
}

func (w *xmlWriter) file(indent int, f File) {
	var a attrs
	if f.Type != "" {
		a = attrs{{"type", f.Type}}
	}
	w.text(indent, "file", a, f.Path)
}

func (p Package) idAttrs() attrs {
	return attrs{{"pkgid", p.Checksum}, {"name", p.Name}, {"arch", p.Arch}}
}

// filelistsXML is filelists.xml: every file of every package.
func filelistsXML(pkgs []Package) []byte {
	var w xmlWriter
	w.WriteString(xmlDecl)
	w.start(0, "filelists", attrs{{"xmlns", nsFilelists}, {"packages", strconv.Itoa(len(pkgs))}})
	for _, p := range pkgs {
		w.start(0, "package", p.idAttrs())
		w.empty(1, "version", p.versionAttrs())
		for _, f := range p.Files {
			w.file(1, f)
		}
		w.end(0, "package")
	}
	w.end(0, "filelists")
	return w.Bytes()
}

// otherXML is other.xml: the changelogs, oldest entry first. Entries of one second are
// told apart as createrepo_c does, by moving the newer ones a second later each.
func otherXML(pkgs []Package) []byte {
	var w xmlWriter
	w.WriteString(xmlDecl)
	w.start(0, "otherdata", attrs{{"xmlns", nsOther}, {"packages", strconv.Itoa(len(pkgs))}})
	for _, p := range pkgs {
		w.start(0, "package", p.idAttrs())
		w.empty(1, "version", p.versionAttrs())
		dates := make([]int64, len(p.Changelog))
		for i, c := range p.Changelog {
			dates[i] = c.Date
			if i > 0 && c.Date == p.Changelog[i-1].Date {
				for j, t := i-1, c.Date; j >= 0 && dates[j] == t; j, t = j-1, t+1 {
					dates[j]++
				}
			}
		}
		for i := len(p.Changelog) - 1; i >= 0; i-- {
			c := p.Changelog[i]
			w.text(1, "changelog", attrs{{"author", c.Author}, {"date", itoa(dates[i])}}, c.Text)
		}
		w.end(0, "package")
	}
	w.end(0, "otherdata")
	return w.Bytes()
}
