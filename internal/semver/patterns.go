package semver

import (
	"regexp"
	"strings"
)

// The regular expressions below express composer's documented grammar in
// Go's RE2 syntax. Three differences from PHP's PCRE are compensated for:
//
//   - PCRE's \s includes \v, Go's does not, so whitespace classes are
//     spelled out (pcreSpace).
//   - PCRE's $ also matches before a final newline; eol reproduces that.
//   - Go's (?i) folds some non-ASCII runes (U+017F matches "s"), PCRE
//     without /u does not, so case-insensitive words are spelled as ASCII
//     character classes (fold).
//
// Possessive quantifiers in composer's patterns never change a match result
// there (what follows them cannot start with what they consume), so plain
// greedy quantifiers are used.

const (
	// pcreSpace is the body of a character class, in regexp syntax.
	pcreSpace = `\t\n\v\f\r `
	eol       = `\n?$`
)

// fold spells an ASCII literal so that it matches case-insensitively.
func fold(lit string) string {
	var b strings.Builder
	for i := 0; i < len(lit); i++ {
		c := lit[i]
		lower, upper := c|0x20, c&^0x20
		if lower >= 'a' && lower <= 'z' {
			b.WriteString("[" + string(lower) + string(upper) + "]")

			continue
		}
		b.WriteString(regexp.QuoteMeta(string(c)))
	}

	return b.String()
}

func alternatives(f func(string) string, words ...string) string {
	for i, w := range words {
		words[i] = f(w)
	}

	return strings.Join(words, "|")
}

func same(s string) string { return s }

// modifier is composer's pre-release suffix: an optional separator, a
// stability word with optional numbers (groups 1 and 2), and an optional
// dev marker (group 3).
func modifier(f func(string) string) string {
	return `[._-]?(?:(` +
		alternatives(f, "stable", "beta", "b", "RC", "alpha", "a", "patch", "pl", "p") +
		`)((?:[.-]?\d+)*)?)?([.-]?` + f("dev") + `)?`
}

var (
	modifierFolded = modifier(fold)
	flagWords      = `(` + alternatives(fold, "stable", "RC", "beta", "alpha", "dev") + `)`

	// version is a constraint operand: numbers in groups 1-4, modifier in
	// 5-7, or a ".x-dev" branch suffix in 8, then build metadata.
	version = `[vV]?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.(\d+))?(?:` + modifierFolded +
		`|\.([xX*][.-]?` + fold("dev") + `))(?:\+[^` + pcreSpace + `]+)?`
)

// Versions (VersionParser::normalize and friends).
var (
	reAlias          = regexp.MustCompile(`^([^,` + pcreSpace + `]+) +as +([^,` + pcreSpace + `]+)` + eol)
	reVersionFlag    = regexp.MustCompile(`@` + flagWords + `$`)
	reBuildMeta      = regexp.MustCompile(`^([^,+` + pcreSpace + `]+)\+[^` + pcreSpace + `]+` + eol)
	reClassical      = regexp.MustCompile(`^[vV]?(\d{1,5})(\.\d+)?(\.\d+)?(\.\d+)?` + modifierFolded + eol)
	reDate           = regexp.MustCompile(`^[vV]?(\d{4}(?:[.:-]?\d{2}){1,6}(?:[.:-]?\d{1,3}){0,2})` + modifierFolded + eol)
	reDevTail        = regexp.MustCompile(`(.*?)[.-]?` + fold("dev") + eol)
	reNumberedBranch = regexp.MustCompile(`^[vV]?(\d+)(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?(\.(?:\d+|[xX*]))?` + eol)
	reStabilityTail  = regexp.MustCompile(modifierFolded + `(?:\+.*)?$`)
)

// Constraints (VersionParser::parseConstraint).
var (
	reFlag     = regexp.MustCompile(`^([^,` + pcreSpace + `]*?)@` + flagWords + eol)
	reRef      = regexp.MustCompile(`^(` + fold("dev-") + `[^,@` + pcreSpace + `]+?|[^,@` + pcreSpace + `]+?\.` + fold("x-dev") + `)#.+` + eol)
	reWildcard = regexp.MustCompile(`^([vV])?[xX*](\.[xX*])*` + eol)
	reTilde    = regexp.MustCompile(`^~>?` + version + eol)
	reCaret    = regexp.MustCompile(`^\^` + version + eol)
	// Composer matches x-ranges case-sensitively: only a lowercase "v".
	reXRange = regexp.MustCompile(`^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:\.[xX*])+` + eol)
	// Groups: 1 from (2-9 its parts), 10 to (11-18 its parts).
	reHyphen = regexp.MustCompile(`^(` + version + `) +- +(` + version + `)` + eol)
	// Always matches; "." stops at a newline, so anything after one is
	// ignored, as in composer.
	reBasic      = regexp.MustCompile(`^(<>|!=|>=?|<=?|==?)?[` + pcreSpace + `]*(.*)`)
	reDevRecover = regexp.MustCompile(`^[0-9a-zA-Z./-]+` + eol)
	// Applied to the lowercased operand without case folding, so "RC" never
	// matches (composer then appends -dev to an RC bound too).
	reDashModifier = regexp.MustCompile(`-` + modifier(same) + `$`)
)
