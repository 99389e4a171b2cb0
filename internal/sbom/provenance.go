package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

// The in-toto and SLSA names a provenance statement carries.
const (
	StatementType   = "https://in-toto.io/Statement/v1"
	ProvenanceType  = "https://slsa.dev/provenance/v1"
	MediaTypeInToto = "application/vnd.in-toto+json"
	// BuildType names what the predicate's parameters mean: an mwedition build of one
	// edition from editions.lock (README: SBOMs and provenance).
	BuildType = "https://github.com/mwedition/mwedition/build-types/edition/v1"
	// BuilderID names the builder: the mwedition command run by whoever holds the lock.
	BuilderID = "https://github.com/mwedition/mwedition"
)

// Statement is an in-toto attestation statement (v1) with an SLSA provenance predicate.
type Statement struct {
	Type          string       `json:"_type"`
	Subject       []Dependency `json:"subject"`
	PredicateType string       `json:"predicateType"`
	Predicate     Provenance   `json:"predicate"`
}

// Dependency is an in-toto ResourceDescriptor: an input or output, by name and digest.
type Dependency struct {
	Name        string            `json:"name,omitempty"`
	URI         string            `json:"uri,omitempty"`
	Digest      map[string]string `json:"digest,omitempty"`
	Annotations map[string]any    `json:"annotations,omitempty"`
}

// Provenance is SLSA's provenance predicate (v1). It has no run metadata: start and end
// times would make two builds of the same lock differ.
type Provenance struct {
	BuildDefinition struct {
		BuildType            string         `json:"buildType"`
		ExternalParameters   map[string]any `json:"externalParameters"`
		ResolvedDependencies []Dependency   `json:"resolvedDependencies"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID      string            `json:"id"`
			Version map[string]string `json:"version"`
		} `json:"builder"`
	} `json:"runDetails"`
}

// treeDigestKey is the digest-set key for a locked directory's tree digest, which hashes
// mwedition's tree encoding rather than any one file.
const treeDigestKey = "mweditionTreeSha256"

// ProvenanceStatement returns the edition's provenance as indented JSON: the artifacts as
// subjects; the lock, the edition and the build's options as external parameters; every
// source the edition's components come from, with its digest, and every patch file applied
// to them, with its own, the image base and, for a Debian base, every .deb it was made
// from, as resolved dependencies.
func ProvenanceStatement(in Input) ([]byte, error) {
	e, err := in.edition()
	if err != nil {
		return nil, err
	}
	comps, err := in.members(e)
	if err != nil {
		return nil, err
	}
	if len(in.Artifacts) == 0 {
		return nil, fmt.Errorf("edition %s: no artifacts to state the provenance of", e.Name)
	}
	st := Statement{Type: StatementType, PredicateType: ProvenanceType}
	for _, a := range in.sortedArtifacts() {
		st.Subject = append(st.Subject, Dependency{Name: a.Path, Digest: map[string]string{"sha256": a.SHA256}})
	}
	p := &st.Predicate
	p.BuildDefinition.BuildType = BuildType
	params := map[string]any{"edition": e.Name, "version": e.Version, "lock": map[string]string{"path": "editions.lock", "sha256": in.Lock}}
	for k, v := range in.Parameters {
		params[k] = v
	}
	p.BuildDefinition.ExternalParameters = params

	deps, err := sourceDependencies(in, comps)
	if err != nil {
		return nil, err
	}
	p.BuildDefinition.ResolvedDependencies = append(deps, patchDependencies(comps)...)
	if in.Base != nil {
		p.BuildDefinition.ResolvedDependencies = append(p.BuildDefinition.ResolvedDependencies, *in.Base)
	}
	if in.DebianBase != nil {
		p.BuildDefinition.ResolvedDependencies = append(p.BuildDefinition.ResolvedDependencies, debDependencies(in.DebianBase)...)
	}
	p.RunDetails.Builder.ID = BuilderID
	p.RunDetails.Builder.Version = map[string]string{"mwedition": in.Builder.Version, "go": in.Builder.Go}

	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, fmt.Errorf("encoding the provenance of %s: %w", e.Name, err)
	}
	return buf.Bytes(), nil
}

// sourceDependencies are the sources the edition's components come from, one per source
// (the bundled extensions and skins come from their core's), by name.
func sourceDependencies(in Input, comps []resolve.Component) ([]Dependency, error) {
	deps := map[string]*Dependency{}
	var names []string
	for _, c := range comps {
		src, from := c.Source, c.ID
		if src.Kind == spec.Bundled {
			cont, ok := in.Graph.Component(src.Of)
			if !ok {
				return nil, fmt.Errorf("%s is bundled in %s, which is not resolved", c.ID, src.Of)
			}
			src, from = cont.Source, cont.ID
		}
		d, ok := deps[from]
		if !ok {
			d = &Dependency{Name: from, Annotations: map[string]any{}}
			switch src.Kind {
			case spec.Tarball:
				d.URI, d.Digest = src.URL, map[string]string{"sha256": src.SHA256}
			case spec.Git:
				d.URI, d.Digest = "git+"+src.URL, map[string]string{"gitCommit": src.Commit}
				if src.Ref != "" {
					d.URI += "@" + src.Ref
				}
			default:
				d.Digest = map[string]string{treeDigestKey: strings.TrimPrefix(src.SHA256, "sha256:")}
				d.Annotations["path"] = src.Path
			}
			deps[from] = d
			names = append(names, from)
		}
		list, _ := d.Annotations["components"].([]string)
		d.Annotations["components"] = append(list, c.ID)
	}
	sort.Strings(names)
	var out []Dependency
	for _, n := range names {
		out = append(out, *deps[n])
	}
	return out, nil
}
