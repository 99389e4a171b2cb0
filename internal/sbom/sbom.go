// Package sbom describes what an edition is made of and how it was made: an SPDX 2.3
// document per edition (the edition, its core, extensions and skins with their versions,
// sources and licences; the composer libraries their trees ship; the artifacts the build
// made from them; and the relationships between all of these) and an in-toto statement
// with an SLSA provenance predicate (the locked inputs with their digests, the builder,
// the outputs with theirs). Both are pure functions of the resolved graph and the build's
// outcomes: no clock, no host, no path, so the same lock gives the same bytes.
package sbom

import (
	"fmt"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
)

// Builder is the program that built the artifacts: mwedition's version and the Go
// toolchain it was built with (layer digests depend on it: see DESIGN §5).
type Builder struct {
	Version string // mwedition's module version, "(devel)" for a source build
	Go      string // runtime.Version() of the build, e.g. "go1.26.8"
}

// ArtifactKind is what kind of file an artifact is.
type ArtifactKind string

const (
	Deb     ArtifactKind = "deb"
	RPM     ArtifactKind = "rpm"
	Tarball ArtifactKind = "tarball"
	Image   ArtifactKind = "image"
)

// Artifact is one output of a build that belongs to an edition.
type Artifact struct {
	Kind ArtifactKind
	// Path is the file relative to the output directory, slash-separated
	// ("deb/mediawiki-core_1.39.17-1_all.deb"); for an image, the layout's name for it
	// ("oci/core-1.39.17.1").
	Path string
	// Name and Version are the package's (deb, rpm), the edition's (tarball, image).
	Name, Version string
	Arch          string // deb, rpm: all, noarch
	SHA256        string // hex; an image's manifest (or index) digest
	Size          int64
	// From is the ID of the component the artifact was made from; "" when it was made
	// from the edition (its meta-package, tarballs and image).
	From string
	Tag  string // image: the tag naming its version
}

// Input is what an edition's SBOM and provenance are made from.
type Input struct {
	Graph   resolve.Graph
	Edition string
	// Time is the edition's source time, clamped to SOURCE_DATE_EPOCH: the documents' time.
	Time int64
	// Libraries are the composer libraries each component's tree ships, by component ID.
	Libraries map[string][]Library
	Artifacts []Artifact
	Builder   Builder
	// Lock is the hex SHA-256 of editions.lock's canonical encoding.
	Lock string
	// Parameters are the build's options that shape the outputs (formats, image base,
	// signing key, SOURCE_DATE_EPOCH), for the provenance; JSON-encodable, sorted.
	Parameters map[string]any
	// Base is the image base the edition's image was built on, if any.
	Base *Dependency
	// DebianBase is the locked Debian base Base was made from, when it was: its pinned
	// packages are the image's operating system.
	DebianBase *lock.DebianBase
}

func (in Input) edition() (resolve.Edition, error) {
	for _, e := range in.Graph.Editions {
		if e.Name == in.Edition {
			return e, nil
		}
	}
	return resolve.Edition{}, fmt.Errorf("edition %q is not in the resolved graph", in.Edition)
}

// members returns the edition's components, in ID order.
func (in Input) members(e resolve.Edition) ([]resolve.Component, error) {
	var cs []resolve.Component
	for _, m := range e.Members {
		c, ok := in.Graph.Component(m.ID)
		if !ok {
			return nil, fmt.Errorf("edition %s: member %s is not resolved", e.Name, m.ID)
		}
		cs = append(cs, c)
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return cs, nil
}

// sortedArtifacts are the input's artifacts by path.
func (in Input) sortedArtifacts() []Artifact {
	as := append([]Artifact(nil), in.Artifacts...)
	sort.Slice(as, func(i, j int) bool { return as[i].Path < as[j].Path })
	return as
}

// idMaker hands out SPDX element IDs: "SPDXRef-" is added by the model; the rest may hold
// only letters, digits, '.' and '-', so other characters become '-', and a name that
// collides with an earlier one gets a counter.
type idMaker map[string]bool

func (m idMaker) make(prefix, name string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, r := range name {
		if r < 0x80 && (r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-') {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	id := b.String()
	for i := 2; m[id]; i++ {
		id = fmt.Sprintf("%s-%d", b.String(), i)
	}
	m[id] = true
	return id
}
