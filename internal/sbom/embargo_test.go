package sbom

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/mwedition/mwedition/internal/lock"
)

// An edition whose core took an embargoed patch says so in the document's comment and in
// an annotation of the edition, naming the patch, its digest and CVE; the patch that is
// public is not named. The unembargoed document has neither (the golden file holds it).
func TestSPDXEmbargo(t *testing.T) {
	in := smallInput(t)
	in.Graph.Components[0].Patches = []lock.Patch{
		{File: "patches/0001-public.patch", SHA256: strings.Repeat("5", 64), Status: lock.PatchApplied},
		{File: "patches/0003-skin.patch", SHA256: strings.Repeat("6", 64), Status: lock.PatchApplied, CVEs: []string{"CVE-2026-34092"}, Embargoed: true},
	}
	b, err := SPDX(in)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("tools-golang cannot read the document: %v", err)
	}
	want := "EMBARGOED: this edition contains security patches that are not public yet; do not publish or redistribute it before the embargo ends. " +
		"Embargoed patches: patches/0003-skin.patch (sha256 " + strings.Repeat("6", 64) + ", in core/mediawiki; fixes CVE-2026-34092)."
	if diff := cmp.Diff(want, doc.DocumentComment); diff != "" {
		t.Errorf("document comment (-want +got):\n%s", diff)
	}
	var notes []string
	for _, p := range doc.Packages {
		for _, a := range p.Annotations {
			notes = append(notes, string(p.PackageSPDXIdentifier)+" "+a.AnnotationType+" "+a.Annotator.AnnotatorType+": "+a.AnnotationComment)
		}
	}
	if diff := cmp.Diff([]string{"Edition-intranet OTHER Tool: " + want}, notes); diff != "" {
		t.Errorf("annotations (-want +got):\n%s", diff)
	}
}
