package ospkg

import (
	"sort"

	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/platform"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

// withMerged makes a core package take the place of the extensions its release holds
// (Renameuser since 1.40): an installation upgraded from an older line loses the extension's
// package, whose files would otherwise load a second Special:RenameUser, instead of keeping
// it for ever. Debian: Breaks and Replaces on the versions before the merge; RPM: Obsoletes.
func withMerged(fam platform.Family, p pack.Package, core resolve.Component) pack.Package {
	have, err := semver.ParseVersion(core.Version)
	if err != nil {
		return p
	}
	names := make([]string, 0, len(spec.MergedIntoCore))
	for name := range spec.MergedIntoCore {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		since := spec.MergedIntoCore[name]
		v, err := semver.ParseVersion(since)
		if err != nil || semver.Compare(have, v) < 0 {
			continue
		}
		pkg := format.PackageName(spec.Extension, name)
		// "~" sorts before anything, so 1.40~ is below every 1.40 pre-release as well.
		if fam == platform.Debian {
			rel := pkg + " (<< " + since + "~)"
			p.Breaks = append(p.Breaks, rel)
			p.Replaces = append(p.Replaces, rel)
		} else {
			p.Replaces = append(p.Replaces, pkg+" < "+since+"~")
		}
	}
	return p
}
