// Package outdir is the contract of a build's output directory (out/): the names of what a
// build publishes there and of the annotations its OCI image layout carries. The build
// writes them; verify, push and publish read them; so they are spelled here once, and this
// package imports nothing, so that any layer may use it.
package outdir

// Directories below out/, one per kind of artifact.
const (
	Deb      = "deb"      // .deb packages
	RPM      = "rpm"      // .rpm packages
	Tarballs = "tarballs" // release tarballs, their SHA256SUMS and signatures
	SBOM     = "sbom"     // per edition: <edition>.spdx.json and <edition>.provenance.json
	OCI      = "oci"      // one OCI image layout holding every edition's images
)

// Files at the top of out/ (Sums also in Tarballs).
const (
	Manifest = "manifest.json" // every edition and component, and every file published
	Sums     = "SHA256SUMS"    // "cd out && sha256sum -c SHA256SUMS"
)

// Annotations of the OCI layout's index.json and images.
const (
	// AnnotationEdition and AnnotationTag name what a descriptor of index.json is published
	// as; a pusher reads nothing else (never ref.name, whose form is a convention).
	AnnotationEdition = "io.mwedition.edition"
	AnnotationTag     = "io.mwedition.tag"
	// AnnotationComponents lists, comma-separated, the components an image holds.
	AnnotationComponents = "io.mwedition.components"
	// AnnotationEmbargoed is "true" on an image (and its index.json descriptors) holding
	// an embargoed patch, and AnnotationEmbargoedPatches lists those patches' files,
	// comma-separated: publish refuses such images to a registry not declared private.
	AnnotationEmbargoed        = "io.mwedition.embargoed"
	AnnotationEmbargoedPatches = "io.mwedition.embargoed-patches"
)
