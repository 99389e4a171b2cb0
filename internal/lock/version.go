package lock

import (
	"regexp"
	"strconv"
)

// A patched component's version is its release's followed by +pN, N the number of patches
// that changed it: 1.39.17+p3. dpkg and rpm sort it after 1.39.17 and before 1.39.17.1 and
// 1.39.18 (dpkg compares "+p3" after the release's last digit, rpm sees one more segment);
// composer ignores a "+" suffix, so its form is 1.39.17-p3, a patch release of 1.39.17.
var patchedVersion = regexp.MustCompile(`^(.*)\+p([1-9][0-9]*)$`)

// PatchedVersion is base after n patches; base itself when n is 0.
func PatchedVersion(base string, n int) string {
	if n == 0 {
		return base
	}
	return base + "+p" + strconv.Itoa(n)
}

// SplitPatched undoes PatchedVersion: the release's version and the number of patches.
func SplitPatched(v string) (base string, n int) {
	m := patchedVersion.FindStringSubmatch(v)
	if m == nil {
		return v, 0
	}
	n, err := strconv.Atoi(m[2])
	if err != nil {
		return v, 0
	}
	return m[1], n
}

// ComposerVersion is a patched version as composer orders it: 1.39.17-p3.
func ComposerVersion(v string) string {
	base, n := SplitPatched(v)
	if n == 0 {
		return v
	}
	return base + "-p" + strconv.Itoa(n)
}
