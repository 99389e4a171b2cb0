package sbom

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// NamespaceBase is where documentNamespace URIs start; the rest is the document's own
// digest, so two documents share a namespace only if they are the same document.
const NamespaceBase = "https://mwedition.example.org/spdx/"

// MediaTypeSPDX is the media type of an SPDX JSON document, and the artifact type of the
// OCI referrer that carries it.
const MediaTypeSPDX = "application/spdx+json"

const noAssertion = "NOASSERTION"

// SPDX returns the edition's SPDX 2.3 document as JSON. Packages, relationships and
// extracted licences are sorted; the creation time is the edition's; the namespace is
// derived from the rest of the document's bytes.
func SPDX(in Input) ([]byte, error) {
	doc, err := Document(in)
	if err != nil {
		return nil, err
	}
	b, err := encode(doc)
	if err != nil {
		return nil, err
	}
	// The namespace is the digest of the document as written with an empty one.
	sum := sha256.Sum256(b)
	doc.DocumentNamespace = NamespaceBase + in.Edition + "-" + hex.EncodeToString(sum[:])
	return encode(doc)
}

func encode(doc *spdx.Document) ([]byte, error) {
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return nil, fmt.Errorf("encoding the SPDX document: %w", err)
	}
	return buf.Bytes(), nil
}

// Document builds the edition's SPDX document, without its namespace.
func Document(in Input) (*spdx.Document, error) {
	e, err := in.edition()
	if err != nil {
		return nil, err
	}
	comps, err := in.members(e)
	if err != nil {
		return nil, err
	}
	d := &docBuilder{in: in, ids: idMaker{}}
	edID := d.ids.make("Edition-", e.Name)
	edPkg := &spdx.Package{
		PackageSPDXIdentifier: common.ElementID(edID), PackageName: e.Name, PackageVersion: e.Version,
		PackageSummary:          e.Title,
		PackageDescription:      fmt.Sprintf("MediaWiki edition %s %s: %d components, assembled by mwedition.", e.Name, e.Version, len(comps)),
		PackageDownloadLocation: noAssertion, PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: noAssertion,
		PackageCopyrightText: noAssertion, PrimaryPackagePurpose: "APPLICATION", IsFilesAnalyzedTagPresent: true,
	}
	d.add(edPkg)
	d.rel("DOCUMENT", common.TypeRelationshipDescribe, edID)

	compIDs, err := d.addComponents(edID, comps)
	if err != nil {
		return nil, err
	}
	d.addPatches(comps, compIDs)
	systemIDs := d.addSystem(comps, compIDs)
	var images []string // what holds the image base: the images, or the edition without one
	for _, a := range in.sortedArtifacts() {
		from := edID
		if a.From != "" {
			if from = compIDs[a.From]; from == "" {
				return nil, fmt.Errorf("artifact %s is made from %s, which is not a member of edition %s", a.Path, a.From, e.Name)
			}
		}
		id := d.ids.make("Artifact-", strings.ReplaceAll(a.Path, "/", "-"))
		d.add(artifactPackage(id, a))
		d.rel(id, common.TypeRelationshipGeneratedFrom, from)
		if a.Kind == Image {
			images = append(images, id)
		}
	}
	if len(images) == 0 {
		images = []string{edID}
	}
	d.addDebianBase(in.DebianBase, images, systemIDs)

	sort.Slice(d.pkgs, func(i, j int) bool { return d.pkgs[i].PackageSPDXIdentifier < d.pkgs[j].PackageSPDXIdentifier })
	sort.Slice(d.rels, func(i, j int) bool {
		a, b := d.rels[i], d.rels[j]
		if a.RefA.ElementRefID != b.RefA.ElementRefID {
			return a.RefA.ElementRefID < b.RefA.ElementRefID
		}
		if a.Relationship != b.Relationship {
			return a.Relationship < b.Relationship
		}
		return a.RefB.ElementRefID < b.RefB.ElementRefID
	})
	var others []*spdx.OtherLicense
	for _, r := range mergeRefs(d.refs) {
		others = append(others, &spdx.OtherLicense{LicenseIdentifier: r.ID, LicenseName: r.Declared, ExtractedText: r.describe()})
	}
	doc := &spdx.Document{
		SPDXVersion: spdx.Version, DataLicense: spdx.DataLicense, SPDXIdentifier: "DOCUMENT",
		DocumentName: "mediawiki-" + e.Name + "-" + e.Version,
		CreationInfo: &spdx.CreationInfo{
			Created:            time.Unix(in.Time, 0).UTC().Format(time.RFC3339),
			Creators:           []common.Creator{{CreatorType: "Tool", Creator: "mwedition-" + in.Builder.Version}},
			LicenseListVersion: LicenseListVersion(),
		},
		Packages: d.pkgs, Relationships: d.rels, OtherLicenses: others,
	}
	markEmbargo(doc, edPkg, comps)
	return doc, nil
}

// addComponents adds each member as a package the edition contains, and each composer
// library a member ships as a package that member contains. It returns the members'
// element IDs by component ID.
func (d *docBuilder) addComponents(edID string, comps []resolve.Component) (map[string]string, error) {
	compIDs := map[string]string{}
	libIDs := map[string]string{} // name@version@ref -> ID: a library shipped twice is one package
	for _, c := range comps {
		id := d.ids.make("Component-", strings.ReplaceAll(c.ID, "/", "-"))
		compIDs[c.ID] = id
		p, err := d.component(id, c)
		if err != nil {
			return nil, err
		}
		d.add(p)
		d.rel(edID, common.TypeRelationshipContains, id)
		for _, l := range d.in.Libraries[c.ID] {
			k := l.Name + "@" + l.Version + "@" + l.SourceRef
			lid, ok := libIDs[k]
			if !ok {
				lid = d.ids.make("Composer-", l.Name+"-"+l.Version)
				libIDs[k] = lid
				d.add(d.library(lid, l, c.ID))
			}
			d.rel(id, common.TypeRelationshipContains, lid)
		}
	}
	return compIDs, nil
}

type docBuilder struct {
	in   Input
	ids  idMaker
	pkgs []*spdx.Package
	rels []*spdx.Relationship
	refs []ExtractedLicense
}

func (d *docBuilder) add(p *spdx.Package) { d.pkgs = append(d.pkgs, p) }

func (d *docBuilder) rel(a, typ, b string) {
	d.rels = append(d.rels, &spdx.Relationship{RefA: common.MakeDocElementID("", a), RefB: common.MakeDocElementID("", b), Relationship: typ})
}

// license is a declared licence as the document writes it, NOASSERTION when none.
func (d *docBuilder) license(l License) string {
	if l.Expr == "" {
		return noAssertion
	}
	d.refs = append(d.refs, l.Refs...)
	return l.Expr
}

// component describes a core, extension or skin: where its files come from (the release
// tarball by URL and SHA-256, or the git repository at a commit), and the licence its
// registration declares.
func (d *docBuilder) component(id string, c resolve.Component) (*spdx.Package, error) {
	p := &spdx.Package{
		PackageSPDXIdentifier: common.ElementID(id), PackageName: c.Name, PackageVersion: c.Version,
		PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: d.license(NormalizeLicense(c.Info.License)),
		PackageCopyrightText: noAssertion, PrimaryPackagePurpose: "LIBRARY", IsFilesAnalyzedTagPresent: true,
		PackageComment: fmt.Sprintf("mwedition component %s; normalised tree %s (%d files, %d bytes).", c.ID, c.Tree, c.Files, c.Bytes),
	}
	if c.Kind == spec.Core {
		p.PrimaryPackagePurpose = "APPLICATION"
	}
	src, sub := c.Source, ""
	if src.Kind == spec.Bundled {
		cont, ok := d.in.Graph.Component(src.Of)
		if !ok {
			return nil, fmt.Errorf("%s is bundled in %s, which is not resolved", c.ID, src.Of)
		}
		src, sub = cont.Source, c.Source.Path
		p.PackageSourceInfo = fmt.Sprintf("%s of %s's source.", sub, cont.ID)
	}
	pu := purl{typ: "generic", name: purlName(c), version: c.Version, subpath: sub}
	if c.Kind == spec.LibraryKind {
		// A composer library is known to scanners by its composer name.
		vendor, name, _ := strings.Cut(c.Name, "/")
		pu = purl{typ: "composer", namespace: vendor, name: name, version: c.Version}
		p.PackageComment = fmt.Sprintf("mwedition component %s; a composer library, installed in %s; normalised tree %s (%d files, %d bytes).", c.ID, c.InstallDir(), c.Tree, c.Files, c.Bytes)
	}
	switch src.Kind {
	case spec.Tarball:
		p.PackageDownloadLocation = src.URL
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA256, Value: src.SHA256}}
		pu.qualifiers = map[string]string{"download_url": src.URL, "checksum": "sha256:" + src.SHA256}
	case spec.Git:
		p.PackageDownloadLocation = vcsLocator(src, sub)
		pu.qualifiers = map[string]string{"vcs_url": "git+" + src.URL + "@" + src.Commit}
	default: // a directory of the project: no location anyone else can fetch
		p.PackageDownloadLocation = noAssertion
		p.PackageSourceInfo = "A directory of the project, " + src.Path + ", locked as tree " + src.SHA256 + "."
	}
	p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: pu.String()}}
	p.PackageExternalReferences = append(p.PackageExternalReferences, advisories(c.Patches)...)
	p.PackageComment += patchComment(c.Patches)
	return p, nil
}

// vcsLocator is SPDX's VCS download location: git+URL@commit#subpath.
func vcsLocator(s lock.Source, sub string) string {
	loc := "git+" + s.URL + "@" + s.Commit
	if sub != "" {
		loc += "#" + sub
	}
	return loc
}

// purlName is a component's name in its generic purl: its OS package's name, with the
// component's own case (mediawiki-extension-Cite).
func purlName(c resolve.Component) string {
	if c.Kind == spec.Core {
		return "mediawiki"
	}
	return "mediawiki-" + string(c.Kind) + "-" + c.Name
}

// library describes a composer package of a component's vendor/ directory.
func (d *docBuilder) library(id string, l Library, owner string) *spdx.Package {
	p := &spdx.Package{
		PackageSPDXIdentifier: common.ElementID(id), PackageName: l.Name, PackageVersion: l.Version,
		PackageDownloadLocation: noAssertion, PackageLicenseConcluded: noAssertion,
		PackageLicenseDeclared: d.license(NormalizeLicenses(l.Licenses)),
		PackageCopyrightText:   noAssertion, PrimaryPackagePurpose: "LIBRARY", IsFilesAnalyzedTagPresent: true,
		PackageSourceInfo: fmt.Sprintf("Listed in %s of %s.", InstalledJSON, owner),
	}
	switch {
	case l.SourceType == "git" && l.SourceURL != "" && l.SourceRef != "":
		p.PackageDownloadLocation = "git+" + l.SourceURL + "@" + l.SourceRef
	case l.DistURL != "":
		p.PackageDownloadLocation = l.DistURL
	}
	if l.DistSHA1 != "" {
		p.PackageChecksums = []common.Checksum{{Algorithm: common.SHA1, Value: l.DistSHA1}}
	}
	vendor, name, _ := strings.Cut(l.Name, "/")
	pu := purl{typ: "composer", namespace: vendor, name: name, version: l.Version}
	p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: pu.String()}}
	return p
}

// artifactPackage describes a file the build made (or an image, by its manifest digest).
func artifactPackage(id string, a Artifact) *spdx.Package {
	p := &spdx.Package{
		PackageSPDXIdentifier: common.ElementID(id), PackageName: a.Name, PackageVersion: a.Version,
		PackageDownloadLocation: noAssertion, PackageLicenseConcluded: noAssertion, PackageLicenseDeclared: noAssertion,
		PackageCopyrightText: noAssertion, IsFilesAnalyzedTagPresent: true,
		PackageChecksums: []common.Checksum{{Algorithm: common.SHA256, Value: a.SHA256}},
	}
	var pu *purl
	switch a.Kind {
	case Deb:
		p.PrimaryPackagePurpose = "INSTALL"
		pu = &purl{typ: "deb", namespace: "mwedition", name: a.Name, version: a.Version, qualifiers: map[string]string{"arch": a.Arch}}
	case RPM:
		p.PrimaryPackagePurpose = "INSTALL"
		pu = &purl{typ: "rpm", namespace: "mwedition", name: a.Name, version: a.Version, qualifiers: map[string]string{"arch": a.Arch}}
	case Tarball:
		p.PrimaryPackagePurpose = "ARCHIVE"
	case Image:
		p.PrimaryPackagePurpose = "CONTAINER"
		pu = &purl{typ: "oci", name: a.Name, version: "sha256:" + a.SHA256, qualifiers: map[string]string{"tag": a.Tag}}
	}
	if a.Kind != Image {
		p.PackageFileName = path.Base(a.Path)
		p.PackageComment = "Published as " + a.Path + " in the build's output directory."
	} else {
		p.PackageComment = "The image's manifest, published as " + a.Path + " in the build's OCI image layout."
	}
	if pu != nil {
		p.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: common.CategoryPackageManager, RefType: common.TypePackageManagerPURL, Locator: pu.String()}}
	}
	return p
}
