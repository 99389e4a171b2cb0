package sbom

import (
	"fmt"
	"sort"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
)

// CVERecordBase is where a CVE identifier's record is read: SPDX's advisory references
// point there.
const CVERecordBase = "https://www.cve.org/CVERecord?id="

// sourcePatch is one patch file of the project, as the edition's components took it: a
// patch on core's tarball touches core and the bundled components it reaches, and is one
// input however many components it touched.
type sourcePatch struct {
	lock.Patch // as the first component (by ID) recorded it; Embargoed is carried as locked
	// Components are the IDs of the components it touched, sorted.
	Components []string
}

// patchesOf gathers the patches of comps, one per file and digest, sorted by file. With
// applied, only the patches that changed something; otherwise those found already applied
// too, which were inputs of the build all the same.
func patchesOf(comps []resolve.Component, applied bool) []sourcePatch {
	byKey := map[string]*sourcePatch{}
	var keys []string
	for _, c := range comps { // by ID, so each Components list is sorted
		for _, p := range c.Patches {
			if applied && p.Status != lock.PatchApplied {
				continue
			}
			k := p.File + "\x00" + p.SHA256
			sp, ok := byKey[k]
			if !ok {
				sp = &sourcePatch{Patch: p}
				byKey[k] = sp
				keys = append(keys, k)
			}
			sp.Components = append(sp.Components, c.ID)
		}
	}
	sort.Strings(keys)
	out := make([]sourcePatch, 0, len(keys))
	for _, k := range keys {
		out = append(out, *byKey[k])
	}
	return out
}

// describePatch is one patch in a sentence: its file, digest and the CVEs it fixes.
func describePatch(p lock.Patch) string {
	s := fmt.Sprintf("%s (sha256 %s", p.File, p.SHA256)
	if len(p.CVEs) > 0 {
		s += ", fixes " + strings.Join(p.CVEs, ", ")
	}
	return s + ")"
}

// patchComment is what a patched component's PackageComment adds: every patch applied to
// it, so that a reader of the document alone sees which files and digests changed it.
func patchComment(ps []lock.Patch) string {
	var applied []string
	for _, p := range ps {
		if p.Status == lock.PatchApplied {
			applied = append(applied, describePatch(p))
		}
	}
	if len(applied) == 0 {
		return ""
	}
	return " Patched by mwedition with " + strings.Join(applied, "; ") + "."
}

// advisories are a component's SECURITY references, one "advisory" per CVE its applied
// patches fix. These are the reference types SPDX 2.3 (Annex F) defines for the purpose,
// kept by every SPDX reader; vulnerability scanners such as grype and trivy match a
// package by its purl (whose version ends in +pN once patched) and do not read them as
// "fixed": saying a CVE no longer affects a package is a VEX document's job, which this
// is not. No "fix" reference is written: its locator must be a URL where the fix can be
// fetched, and a patch is a file of the project, which is named instead by a package of
// its own (with its sha256) and a PATCH_APPLIED relationship.
func advisories(ps []lock.Patch) []*spdx.PackageExternalReference {
	var refs []*spdx.PackageExternalReference
	for _, id := range lock.PatchCVEs(ps) {
		refs = append(refs, &spdx.PackageExternalReference{Category: common.CategorySecurity, RefType: common.TypeSecurityAdvisory, Locator: CVERecordBase + id})
	}
	return refs
}

// patchPackage describes a patch file that changed some of the edition's components.
func patchPackage(id string, p sourcePatch) *spdx.Package {
	comment := fmt.Sprintf("A patch file of the project, applied by mwedition to %s.", strings.Join(p.Components, ", "))
	if len(p.CVEs) > 0 {
		comment += " Fixes " + strings.Join(p.CVEs, ", ") + "."
	}
	return &spdx.Package{
		PackageSPDXIdentifier: common.ElementID(id), PackageName: p.File, PackageFileName: p.File,
		PackageSummary:          p.Subject,
		PackageDownloadLocation: noAssertion, PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: noAssertion,
		PackageCopyrightText: noAssertion, PrimaryPackagePurpose: "SOURCE", IsFilesAnalyzedTagPresent: true,
		PackageChecksums: []common.Checksum{{Algorithm: common.SHA256, Value: p.SHA256}},
		PackageComment:   comment,
	}
}

// addPatches adds a package per applied patch and a PATCH_APPLIED relationship from it to
// each component it changed (compIDs: component ID -> SPDX ID).
func (d *docBuilder) addPatches(comps []resolve.Component, compIDs map[string]string) {
	for _, p := range patchesOf(comps, true) {
		id := d.ids.make("Patch-", p.File)
		d.add(patchPackage(id, p))
		for _, c := range p.Components {
			d.rel(id, common.TypeRelationshipPatchApplied, compIDs[c])
		}
	}
}

// patchDependencies are the provenance's resolved dependencies for the patches: each file
// by its path in the project and its sha256, with what it did, so that a verifier sees
// every change made to the sources named beside it.
func patchDependencies(comps []resolve.Component) []Dependency {
	var out []Dependency
	for _, p := range patchesOf(comps, false) {
		ann := map[string]any{"components": p.Components, "status": p.Status}
		if p.Subject != "" {
			ann["subject"] = p.Subject
		}
		if len(p.CVEs) > 0 {
			ann["cves"] = p.CVEs
		}
		out = append(out, Dependency{Name: p.File, URI: p.File, Digest: map[string]string{"sha256": p.SHA256}, Annotations: ann})
	}
	return out
}
