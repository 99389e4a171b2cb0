package sbom

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
)

// ProvenanceV02Type is SLSA's provenance predicate v0.2: what `cosign verify-attestation
// --type slsaprovenance` asks for, and what admission policies written before SLSA 1.0
// match.
const ProvenanceV02Type = "https://slsa.dev/provenance/v0.2"

// provenanceV02 is the v0.2 predicate: the same facts as v1 under older names.
type provenanceV02 struct {
	Builder struct {
		ID string `json:"id"`
	} `json:"builder"`
	BuildType  string `json:"buildType"`
	Invocation struct {
		Parameters map[string]any `json:"parameters"`
	} `json:"invocation"`
	Metadata struct {
		Reproducible bool `json:"reproducible"`
		Completeness struct {
			Parameters bool `json:"parameters"`
			Materials  bool `json:"materials"`
		} `json:"completeness"`
	} `json:"metadata"`
	Materials []material `json:"materials"`
}

type material struct {
	URI    string            `json:"uri"`
	Digest map[string]string `json:"digest,omitempty"`
}

// ProvenanceV02 restates a provenance statement made by ProvenanceStatement with SLSA's
// v0.2 predicate: the same subjects, parameters and dependencies (as materials, each
// named by its URI or, for a source without one, its name). The build is marked
// reproducible: `mwedition verify` rebuilds it byte for byte.
func ProvenanceV02(statement []byte) ([]byte, error) {
	var v1 Statement
	if err := json.Unmarshal(statement, &v1); err != nil {
		return nil, fmt.Errorf("reading the provenance statement: %w", err)
	}
	var p provenanceV02
	p.Builder.ID = v1.Predicate.RunDetails.Builder.ID
	p.BuildType = v1.Predicate.BuildDefinition.BuildType
	p.Invocation.Parameters = v1.Predicate.BuildDefinition.ExternalParameters
	p.Metadata.Reproducible = true
	p.Metadata.Completeness.Parameters, p.Metadata.Completeness.Materials = true, true
	for _, d := range v1.Predicate.BuildDefinition.ResolvedDependencies {
		uri := d.URI
		if uri == "" {
			uri = d.Name
		}
		p.Materials = append(p.Materials, material{URI: uri, Digest: d.Digest})
	}
	sort.SliceStable(p.Materials, func(i, j int) bool { return p.Materials[i].URI < p.Materials[j].URI })
	st := struct {
		Type          string        `json:"_type"`
		Subject       []Dependency  `json:"subject"`
		PredicateType string        `json:"predicateType"`
		Predicate     provenanceV02 `json:"predicate"`
	}{StatementType, v1.Subject, ProvenanceV02Type, p}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(st); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
