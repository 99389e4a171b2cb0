package sbom

import (
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// systemPURL is how a distribution's package is known to scanners: Debian's as
// pkg:deb/debian/NAME, Fedora's as pkg:rpm/fedora/NAME. No version: the recipe requires
// the package, whatever version the target installs.
func systemPURL(distro, name string) purl {
	if distro == spec.Fedora {
		return purl{typ: "rpm", namespace: "fedora", name: name}
	}
	return purl{typ: "deb", namespace: "debian", name: name}
}

// addSystem describes the system packages the members' recipes declare: one package per
// distribution's package name (each alternative of a requirement included), which the
// component DEPENDS_ON, or which is an OPTIONAL_DEPENDENCY_OF it when recommended. A
// requirement with alternatives says so in each relationship's comment. It returns the
// packages' element IDs by distro/name.
func (d *docBuilder) addSystem(comps []resolve.Component, compIDs map[string]string) map[string]string {
	ids := map[string]string{} // distro/name -> SPDX ID
	pkg := func(distro, name string) string {
		k := distro + "/" + name
		if id, ok := ids[k]; ok {
			return id
		}
		id := d.ids.make("System-"+distro+"-", name)
		ids[k] = id
		d.add(&spdx.Package{
			PackageSPDXIdentifier: common.ElementID(id), PackageName: name,
			PackageDownloadLocation: noAssertion, PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: noAssertion,
			PackageCopyrightText: noAssertion, FilesAnalyzed: false, IsFilesAnalyzedTagPresent: true,
			PackageComment: fmt.Sprintf("A %s package the recipes require, installed by the target system, not shipped by mwedition.", strings.Title(distro)), //nolint:staticcheck // ASCII words only
			PackageExternalReferences: []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL,
				Locator: systemPURL(distro, name).String()}},
		})
		return id
	}
	seen := map[[3]string]bool{}
	rel := func(a, typ, b, comment string) {
		// Once each: the document's sort does not order two alike by their comments.
		if k := [3]string{a, typ, b}; !seen[k] {
			seen[k] = true
			d.relComment(a, typ, b, comment)
		}
	}
	for _, c := range comps {
		for _, s := range c.Systems {
			for _, r := range s.Depends {
				for _, alt := range spec.Alternatives(r) {
					rel(compIDs[c.ID], common.TypeRelationshipDependsOn, pkg(s.Distro, alt), alternativesComment(r))
				}
			}
			for _, r := range s.Recommends {
				for _, alt := range spec.Alternatives(r) {
					rel(pkg(s.Distro, alt), common.TypeRelationshipOptionalDependencyOf, compIDs[c.ID], "recommended"+alternativesComment(r))
				}
			}
		}
	}
	return ids
}

func alternativesComment(req string) string {
	if len(spec.Alternatives(req)) < 2 {
		return ""
	}
	return "; one of: " + req
}

func (d *docBuilder) relComment(a, typ, b, comment string) {
	d.rel(a, typ, b)
	d.rels[len(d.rels)-1].RelationshipComment = strings.TrimPrefix(comment, "; ")
}
