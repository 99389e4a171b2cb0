package sbom

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// debianReleases are the release numbers of Debian's codenames, for the purl's distro
// qualifier: scanners (syft, grype, trivy) read "debian-12" as the release whose
// security data applies.
var debianReleases = map[string]string{
	"buster":   "10",
	"bullseye": "11",
	"bookworm": "12",
	"trixie":   "13",
	"forky":    "14",
}

// debianDistro is the purl distro qualifier of a suite: debian-12 for bookworm and its
// -updates and -security suites; the codename itself for one the table does not know.
func debianDistro(suite string) string {
	codename, _, _ := strings.Cut(suite, "-")
	if n, ok := debianReleases[codename]; ok {
		return "debian-" + n
	}
	return codename
}

// debURL is where a pinned .deb is downloaded from.
func debURL(p lock.DebPackage) string {
	return strings.TrimSuffix(p.Archive, "/") + "/" + p.Filename
}

// sortedDebs are a base's packages by name, then architecture.
func sortedDebs(b *lock.DebianBase) []lock.DebPackage {
	ps := append([]lock.DebPackage(nil), b.Packages...)
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Name != ps[j].Name {
			return ps[i].Name < ps[j].Name
		}
		return ps[i].Architecture < ps[j].Architecture
	})
	return ps
}

// debDependencies are the provenance's resolved dependencies for a Debian base: every
// pinned .deb, by its URL and SHA-256.
func debDependencies(b *lock.DebianBase) []Dependency {
	var deps []Dependency
	for _, p := range sortedDebs(b) {
		deps = append(deps, Dependency{
			Name: "deb " + p.Name, URI: debURL(p), Digest: map[string]string{"sha256": p.SHA256},
			Annotations: map[string]any{"version": p.Version, "architecture": p.Architecture, "suite": p.Suite},
		})
	}
	return deps
}

// baseSuite is the suite a base's release is named by: its first (the release itself,
// before its -updates and -security suites).
func baseSuite(b *lock.DebianBase) string {
	if len(b.Suites) > 0 {
		return b.Suites[0].Suite
	}
	return b.Name
}

// addDebianBase describes the Debian base the edition's image was built on: one
// operating-system package for the base (by its image digest), which each image
// artifact CONTAINS, and which CONTAINS one package per pinned .deb. CONTAINS is the
// relationship scanners follow from an image to its OS packages; an image holds its
// base's layers, so it is also the literal one. A Debian system requirement the base pins
// is related to the pinned package with OTHER, saying so, rather than given its version:
// the requirement holds for any system the packages are installed on, the pin for the
// image only. systemIDs are the system packages' IDs by distro/name.
func (d *docBuilder) addDebianBase(b *lock.DebianBase, holders []string, systemIDs map[string]string) {
	if b == nil {
		return
	}
	baseID := d.ids.make("ImageBase-", b.Name)
	d.add(d.debianBasePackage(baseID, b))
	for _, h := range holders {
		d.rel(h, common.TypeRelationshipContains, baseID)
	}
	for _, p := range sortedDebs(b) {
		id := d.ids.make("Deb-", p.Name+"-"+p.Architecture)
		d.add(debPackage(id, p, b))
		d.rel(baseID, common.TypeRelationshipContains, id)
		if sys, ok := systemIDs[spec.Debian+"/"+p.Name]; ok {
			d.relComment(sys, common.TypeRelationshipOther, id, fmt.Sprintf("the image base %s pins this requirement at %s", b.Name, p.Version))
		}
	}
}

// osPurpose is the operating system's primary package purpose as SPDX 2.3's JSON schema
// spells it (tag-value documents spell it OPERATING-SYSTEM).
const osPurpose = "OPERATING_SYSTEM"

// debianBasePackage is the base as the operating system of the image: named and
// versioned as scanners name a Debian release (debian, 12).
func (d *docBuilder) debianBasePackage(id string, b *lock.DebianBase) *spdx.Package {
	release, _ := strings.CutPrefix(debianDistro(baseSuite(b)), "debian-")
	p := &spdx.Package{
		PackageSPDXIdentifier: common.ElementID(id), PackageName: "debian", PackageVersion: release,
		PackageSupplier:         &common.Supplier{SupplierType: "Organization", Supplier: "Debian"},
		PackageDownloadLocation: noAssertion, PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: noAssertion,
		PackageCopyrightText: noAssertion, PrimaryPackagePurpose: osPurpose, IsFilesAnalyzedTagPresent: true,
		PackageComment: fmt.Sprintf("The image base debian:%s, made by mwedition from the %d Debian packages it contains, pinned in %s.",
			b.Name, len(b.Packages), lock.FileName),
	}
	if d.in.Base != nil && d.in.Base.Digest["sha256"] != "" {
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: d.in.Base.Digest["sha256"]}}
		p.PackageComment += " Its image's digest is sha256:" + d.in.Base.Digest["sha256"] + "."
	}
	return p
}

// debPackage describes one pinned .deb of a base.
func debPackage(id string, p lock.DebPackage, b *lock.DebianBase) *spdx.Package {
	suite := p.Suite
	if suite == "" {
		suite = baseSuite(b)
	}
	pu := purl{typ: "deb", namespace: "debian", name: p.Name, version: p.Version,
		qualifiers: map[string]string{"arch": p.Architecture, "distro": debianDistro(suite)}}
	return &spdx.Package{
		PackageSPDXIdentifier: common.ElementID(id), PackageName: p.Name, PackageVersion: p.Version,
		PackageSupplier:         &common.Supplier{SupplierType: "Organization", Supplier: "Debian"},
		PackageFileName:         path.Base(p.Filename),
		PackageDownloadLocation: debURL(p), PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: noAssertion,
		PackageCopyrightText: noAssertion, PrimaryPackagePurpose: "INSTALL", IsFilesAnalyzedTagPresent: true,
		PackageChecksums: []common.Checksum{{Algorithm: common.SHA256, Value: p.SHA256}},
		PackageComment:   fmt.Sprintf("Pinned in %s from %s, installed in the image base %s.", lock.FileName, suite, b.Name),
		PackageExternalReferences: []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager,
			RefType: common.TypePackageManagerPURL, Locator: pu.String()}},
	}
}
