package releasediff

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/mwedition/mwedition/internal/lock"
)

// SecurityFix is a patch that fixes CVEs the older release's component did not have
// fixed, or a patch the older release applied that the newer one no longer does.
type SecurityFix struct {
	Change     string   `json:"change"` // SecurityFixed or SecurityDropped
	ID         string   `json:"id"`     // the component
	OldVersion string   `json:"oldVersion,omitempty"`
	NewVersion string   `json:"newVersion"`
	Patch      string   `json:"patch"` // the patch file, relative to the project
	SHA256     string   `json:"sha256"`
	Subject    string   `json:"subject,omitempty"`
	CVEs       []string `json:"cves"` // fixed: those new to the component; dropped: all the patch fixed
	// Reason says why a patch was dropped: DroppedUpstream, DroppedCovered or DroppedUnknown.
	Reason string `json:"reason,omitempty"`
}

// Changes in SecurityFix.
const (
	SecurityFixed   = "fixed"
	SecurityDropped = "dropped"
)

// Reasons a patch was dropped.
const (
	// DroppedUpstream: the newer release still names the patch and found it already
	// applied: upstream's release contains the fix.
	DroppedUpstream = "upstream contains it"
	// DroppedCovered: the newer release's other patches fix every CVE it fixed.
	DroppedCovered = "its CVEs are fixed by other patches"
	// DroppedUnknown: the patch is gone and nothing says the newer release has the fix:
	// the release manager must check that it does.
	DroppedUnknown = "no longer applied"
)

// compareSecurity lists, component by component, the patches of next that fix CVEs new to
// it, then the patches prev applied that next does not. A component only one release has
// is among Added or Removed, and its patches are not repeated here.
func compareSecurity(prev, next Release) []SecurityFix {
	fixed, dropped := []SecurityFix{}, []SecurityFix{}
	for _, n := range next.Components {
		o, had := prev.Component(n.ID)
		if !had {
			continue
		}
		oldCVEs, newCVEs := lock.PatchCVEs(o.Patches), lock.PatchCVEs(n.Patches)
		applied := map[string]lock.Patch{}
		for _, p := range n.Patches {
			applied[p.File] = p
			var fresh []string
			for _, id := range p.CVEs {
				if !slices.Contains(oldCVEs, id) && !slices.Contains(fresh, id) {
					fresh = append(fresh, id)
				}
			}
			if p.Status == lock.PatchApplied && len(fresh) > 0 {
				fixed = append(fixed, securityFix(SecurityFixed, o, n, p, fresh))
			}
		}
		for _, p := range o.Patches {
			if p.Status != lock.PatchApplied {
				continue
			}
			if np, ok := applied[p.File]; ok && np.Status == lock.PatchApplied {
				continue
			}
			d := securityFix(SecurityDropped, o, n, p, p.CVEs)
			switch np, ok := applied[p.File]; {
			case ok && np.Status == lock.PatchAlreadyApplied:
				d.Reason = DroppedUpstream
			case len(p.CVEs) > 0 && containsAll(newCVEs, p.CVEs):
				d.Reason = DroppedCovered
			default:
				d.Reason = DroppedUnknown
			}
			dropped = append(dropped, d)
		}
	}
	return append(fixed, dropped...)
}

func securityFix(change string, o, n Component, p lock.Patch, cves []string) SecurityFix {
	return SecurityFix{Change: change, ID: n.ID, OldVersion: o.Version, NewVersion: n.Version, Patch: p.File, SHA256: p.SHA256,
		Subject: p.Subject, CVEs: append([]string{}, cves...)}
}

func containsAll(set, items []string) bool {
	for _, s := range items {
		if !slices.Contains(set, s) {
			return false
		}
	}
	return true
}

// securitySummary is the summary's clause for the CVEs fixed, if any.
func (r Report) securitySummary() string {
	var ids []string
	for _, s := range r.Security {
		for _, id := range s.CVEs {
			if s.Change == SecurityFixed && !slices.Contains(ids, id) {
				ids = append(ids, id)
			}
		}
	}
	if len(ids) == 0 {
		return ""
	}
	slices.Sort(ids)
	return "security fixes for " + strings.Join(ids, ", ")
}

// writeSecurity writes the "Security fixes" section: a row per fixing patch and component,
// then the patches dropped, with why.
func (r Report) writeSecurity(b *bytes.Buffer) {
	if len(r.Security) == 0 {
		return
	}
	b.WriteString("\n### Security fixes\n")
	for _, change := range []string{SecurityFixed, SecurityDropped} {
		first := true
		for _, s := range r.Security {
			if s.Change != change {
				continue
			}
			if first && change == SecurityFixed {
				b.WriteString("\n| CVE | Component | Version | Fix |\n| --- | --- | --- | --- |\n")
			} else if first {
				b.WriteString("\nPatches dropped:\n\n| Patch | Component | Version | CVE | Why |\n| --- | --- | --- | --- | --- |\n")
			}
			first = false
			fix := code(s.Patch)
			if s.Subject != "" {
				fix = s.Subject + "; " + fix
			}
			if change == SecurityFixed {
				row(b, strings.Join(s.CVEs, ", "), code(s.ID), arrow(s.OldVersion, s.NewVersion), fix)
			} else {
				row(b, fix, code(s.ID), arrow(s.OldVersion, s.NewVersion), orDash(strings.Join(s.CVEs, ", ")), droppedWhy(s))
			}
		}
	}
}

func droppedWhy(s SecurityFix) string {
	if s.Reason == DroppedUnknown {
		release, _ := lock.SplitPatched(s.NewVersion)
		return fmt.Sprintf("no longer applied: check that %s contains the fix", release)
	}
	return s.Reason
}
