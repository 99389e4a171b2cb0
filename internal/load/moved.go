package load

import (
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

// checkMerged reports the extensions an edition lists that its core release already holds,
// in the user's terms, instead of a missing recipe or a duplicate special page at run time.
// It returns the names it reported.
func (l *loader) checkMerged(e spec.Edition, d declaredComponents) []string {
	core, ok := d.byID[spec.ID(spec.Core, e.Core.Name)]
	if !ok {
		return nil
	}
	have, err := semver.ParseVersion(core.Version)
	if err != nil {
		return nil
	}
	var reported []string
	for _, r := range e.Extensions {
		since, ok := spec.MergedIntoCore[r.Name]
		if !ok {
			continue
		}
		v, err := semver.ParseVersion(since)
		if err != nil || semver.Compare(have, v) < 0 {
			continue
		}
		l.errorf(r.Range.Ptr(), "Extension is part of core", "%s is part of core since %s: remove it from edition %q (its core %q is %s).", r.Name, since, e.Name, core.Name, core.Version)
		reported = append(reported, r.Name)
	}
	return reported
}
