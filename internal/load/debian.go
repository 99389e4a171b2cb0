package load

import (
	"net/url"
	"path"
	"regexp"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/spec"
)

var (
	debianBaseSchema   = spec.DebianBaseBlock.Schema()
	debianSourceSchema = spec.DebianSourceBlock.Schema()
	// debianPackage is Debian policy 5.6.1's package name (lower case, digits, +, - and .,
	// at least two characters, starting with a letter or digit); debianSuite a codename as dak
	// writes it (bookworm, bookworm-security).
	debianPackage = regexp.MustCompile(`^[a-z0-9][a-z0-9+.-]+$`)
	debianSuite   = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]*$`)
)

// debianBase reads a debian_base block: its sources and suites, its packages, its keyring.
func (l *loader) debianBase(file string, b *hcl.Block) {
	base := spec.DebianBase{Name: b.Labels[0], DeclRange: b.DefRange, Keyring: spec.DefaultDebianKeyring}
	if !editionName.MatchString(base.Name) {
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid Debian base name", "%q is not a valid base name: use lower-case letters, digits and '-', starting with a letter or digit.", base.Name)
	}
	content, d := b.Body.Content(debianBaseSchema)
	l.diags = append(l.diags, d...)
	if a, ok := content.Attributes["packages"]; ok {
		seen := map[string]hcl.Range{}
		for _, r := range l.strList(a.Expr) {
			switch prev, dup := seen[r.Name]; {
			case !debianPackage.MatchString(r.Name):
				l.errorf(r.Range.Ptr(), "Invalid package name", "%q is not a Debian package name: lower-case letters, digits, '+', '-' and '.', at least two, starting with a letter or digit.", r.Name)
			case dup:
				l.errorf(r.Range.Ptr(), "Duplicate name", "%q is already listed in packages at %s.", r.Name, prev)
			default:
				seen[r.Name] = r.Range
				base.Packages = append(base.Packages, r.Name)
			}
		}
	}
	if a, ok := content.Attributes["keyring"]; ok {
		var k string
		if l.str(a.Expr, &k) {
			base.Keyring = l.debianKeyring(file, a, k)
		}
	}
	for _, sb := range content.Blocks {
		if s, ok := l.debianSource(base.Name, sb); ok {
			base.Sources = append(base.Sources, s)
		}
	}
	if len(content.Blocks) == 0 {
		l.errorf(b.DefRange.Ptr(), "Missing source block", "debian_base %q needs at least one source \"URL\" { suites = [...] } block, such as source \"http://deb.debian.org/debian\" { suites = [\"bookworm\"] }.", base.Name)
	}
	l.checkSuites(base)
	for _, prev := range l.debian {
		if prev.Name == base.Name {
			l.errorf(b.DefRange.Ptr(), "Duplicate Debian base", "debian_base %q is already declared at %s.", base.Name, prev.DeclRange)
			return
		}
	}
	l.debian = append(l.debian, base)
}

// debianKeyring is an absolute keyring path as written (a system keyring, checked when
// the lock reads it), or a recipe-relative one made relative to the project.
func (l *loader) debianKeyring(file string, a *hcl.Attribute, k string) string {
	if path.IsAbs(k) {
		return path.Clean(k)
	}
	return l.keyring(file, a, k)
}

// debianSource reads one source "URL" { suites = [...] } block of a base.
func (l *loader) debianSource(base string, b *hcl.Block) (spec.DebianSource, bool) {
	s := spec.DebianSource{URL: strings.TrimSuffix(b.Labels[0], "/"), Range: b.DefRange}
	content, d := b.Body.Content(debianSourceSchema)
	l.diags = append(l.diags, d...)
	u, err := url.Parse(s.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "file"):
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid archive URL", "debian_base %q: %q is not an http, https or file URL of a Debian archive's root, such as \"http://deb.debian.org/debian\".", base, b.Labels[0])
		return s, false
	case u.Scheme != "file" && u.Host == "":
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid archive URL", "debian_base %q: %q has no host.", base, b.Labels[0])
		return s, false
	case u.RawQuery != "" || u.Fragment != "" || u.User != nil:
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid archive URL", "debian_base %q: %q carries a query, fragment or credentials: give the archive's root only.", base, b.Labels[0])
		return s, false
	}
	a, ok := content.Attributes["suites"]
	if !ok {
		return s, false // the schema reported it
	}
	for _, r := range l.strList(a.Expr) {
		if !debianSuite.MatchString(r.Name) {
			l.errorf(r.Range.Ptr(), "Invalid suite", "%q is not a suite codename such as \"bookworm\" or \"bookworm-security\".", r.Name)
			continue
		}
		s.Suites = append(s.Suites, r.Name)
	}
	if len(s.Suites) == 0 {
		l.errorf(a.Expr.Range().Ptr(), "Missing suites", "debian_base %q: source %q names no suite.", base, s.URL)
		return s, false
	}
	return s, true
}

// checkSuites refuses a suite taken twice from one archive: apt would read it once, and
// the lock would pin it twice.
func (l *loader) checkSuites(base spec.DebianBase) {
	seen := map[string]hcl.Range{}
	for _, s := range base.Sources {
		for _, suite := range s.Suites {
			key := s.URL + " " + suite
			if prev, dup := seen[key]; dup {
				l.errorf(s.Range.Ptr(), "Duplicate suite", "debian_base %q takes suite %q from %s twice (also at %s).", base.Name, suite, s.URL, prev)
				continue
			}
			seen[key] = s.Range
		}
	}
}

// checkImageBases reports an image output whose base names a debian_base that is not
// declared.
func (l *loader) checkImageBases() {
	var names []string
	for _, b := range l.debian {
		names = append(names, b.Name)
	}
	sort.Strings(names)
	for _, e := range l.editions {
		for _, o := range e.Outputs {
			name, ok := spec.DebianBaseName(o.Base)
			if !ok || contains(names, name) {
				continue
			}
			known := "no debian_base block is declared"
			if len(names) > 0 {
				known = "the declared ones are " + quoteList(names)
			}
			l.errorf(o.BaseRange.Ptr(), "Unknown Debian base", "Edition %q's %s output names base %q, but no debian_base block is named %q (%s).%s", e.Name, o.Format, o.Base, name, known, didYouMean(name, names))
		}
	}
}
