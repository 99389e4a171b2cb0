package bump

import (
	"fmt"
	"strconv"
	"strings"
)

// DeriveURL is the URL of release next made from that of release prev, by replacing the
// version and, as releases.wikimedia.org files releases, the major.minor directory:
// .../1.39/mediawiki-1.39.17.tar.gz becomes .../1.43/mediawiki-1.43.1.tar.gz. It fails on
// a URL that does not name prev, where nothing says what the new one is.
func DeriveURL(url, prev, next string) (string, error) {
	if !strings.Contains(url, prev) {
		return "", fmt.Errorf("%s does not contain the version %s, so the new one cannot be derived from it", url, prev)
	}
	if pm, nm := majorMinor(prev), majorMinor(next); pm != "" && nm != "" {
		url = strings.ReplaceAll(url, "/"+pm+"/", "/"+nm+"/")
	}
	return strings.ReplaceAll(url, prev, next), nil
}

func majorMinor(v string) string {
	parts := strings.Split(v, ".")
	if len(parts) < 3 {
		return ""
	}
	return parts[0] + "." + parts[1]
}

// EditionVersion is the version an edition gets when a component it holds moves. After a
// core release, an edition numbered after the old release ("1.39.17.2") starts over on the
// new one ("1.39.18.1", as init numbers a new project's); any other version has its last
// number raised by one ("2.4" becomes "2.5"), as after an extension's ref moved.
func EditionVersion(v, prevCore, nextCore string) (string, error) {
	if prevCore != "" && strings.HasPrefix(v, prevCore+".") {
		return nextCore + ".1", nil
	}
	i := strings.LastIndex(v, ".")
	n, err := strconv.Atoi(v[i+1:])
	if err != nil || n < 0 {
		return "", fmt.Errorf("edition version %q does not end in a number to raise: give the new one with --edition-version", v)
	}
	return v[:i+1] + strconv.Itoa(n+1), nil
}
