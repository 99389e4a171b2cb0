package sbom

import (
	"fmt"
	"strings"

	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/mwedition/mwedition/internal/embargo"
	"github.com/mwedition/mwedition/internal/resolve"
)

// markEmbargo says, in the document's comment and in an annotation of the edition's
// package, that the edition holds patches not public yet, and which: whoever receives
// the SBOM learns that the edition must not be passed on. A document without embargoed
// patches is left as it was.
func markEmbargo(doc *spdx.Document, edition *spdx.Package, comps []resolve.Component) {
	var ps []embargo.Patch
	for _, c := range comps {
		ps = embargo.Collect(ps, c.ID, c.Patches)
	}
	if len(ps) == 0 {
		return
	}
	var parts []string
	for _, p := range ps {
		s := fmt.Sprintf("%s (sha256 %s, in %s", p.File, p.SHA256, strings.Join(p.Components, ", "))
		if len(p.CVEs) > 0 {
			s += "; fixes " + strings.Join(p.CVEs, ", ")
		}
		parts = append(parts, s+")")
	}
	note := "EMBARGOED: this edition contains security patches that are not public yet; do not publish or redistribute it before the embargo ends. Embargoed patches: " +
		strings.Join(parts, "; ") + "."
	doc.DocumentComment = note
	edition.Annotations = append(edition.Annotations, spdx.Annotation{
		Annotator:      common.Annotator{AnnotatorType: "Tool", Annotator: doc.CreationInfo.Creators[0].Creator},
		AnnotationDate: doc.CreationInfo.Created, AnnotationType: "OTHER",
		AnnotationSPDXIdentifier: common.MakeDocElementID("", string(edition.PackageSPDXIdentifier)),
		AnnotationComment:        note,
	})
}
