package ospkg

import (
	"slices"
	"strings"

	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
)

// patchChanges are a component's changelog items for its applied patches, one each, in
// the order they applied: what the fix is (its subject), the CVEs it fixes, and the patch
// file with its sha256, so that an administrator reading `apt changelog` or `rpm -q
// --changelog` can tell which advisory the package answers and which file made it. A patch
// found already applied changed nothing, and gets no item: the package must stay the same
// bytes at the same version. An unpatched component gets none at all.
func patchChanges(ps []lock.Patch) []string {
	var out []string
	for _, p := range ps {
		if p.Status != lock.PatchApplied {
			continue
		}
		out = append(out, patchChange(p))
	}
	return out
}

// patchChange is one item: "SECURITY: <subject> (CVE-…), patches/x.patch sha256 …". The
// subject of an upstream security commit usually says SECURITY and names its CVEs already;
// what it leaves out is added, never repeated.
func patchChange(p lock.Patch) string {
	text := strings.TrimSpace(p.Subject)
	if text == "" {
		text = "Patched"
	}
	if len(p.CVEs) > 0 && !strings.HasPrefix(strings.ToUpper(text), "SECURITY") {
		text = "SECURITY: " + text
	}
	var missing []string
	for _, id := range p.CVEs {
		if !strings.Contains(text, id) {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		text += " (" + strings.Join(missing, ", ") + ")"
	}
	return text + ", " + p.File + " sha256 " + p.SHA256
}

// editionSecurity is the meta-package's changelog item naming the CVEs its members'
// patches fix, and the packages that carry them; none for an edition without patches.
func (ps packageSet) editionSecurity(e resolve.Edition) []string {
	var patches []lock.Patch
	var pkgs []string
	for _, m := range e.Members {
		c := ps.byID[m.ID]
		if len(lock.PatchCVEs(c.Patches)) == 0 {
			continue
		}
		patches = append(patches, c.Patches...)
		pkgs = append(pkgs, format.PackageName(c.Kind, c.Name))
	}
	if len(patches) == 0 {
		return nil
	}
	slices.Sort(pkgs)
	return []string{"SECURITY: fixes " + strings.Join(lock.PatchCVEs(patches), ", ") + " by patches to " + strings.Join(pkgs, ", ") + "."}
}
