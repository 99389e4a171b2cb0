package sbom

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestProvenanceV02 restates the golden v1 provenance: the same subjects, parameters and
// dependencies under v0.2's names, which `cosign verify-attestation --type slsaprovenance`
// matches.
func TestProvenanceV02(t *testing.T) {
	v1, err := os.ReadFile("testdata/intranet.provenance.json")
	if err != nil {
		t.Fatal(err)
	}
	b, err := ProvenanceV02(v1)
	if err != nil {
		t.Fatal(err)
	}
	var old, got map[string]any
	if err := json.Unmarshal(v1, &old); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &got); err != nil {
		t.Fatal(err)
	}
	oldPred, gotPred := old["predicate"].(map[string]any), got["predicate"].(map[string]any)
	def := oldPred["buildDefinition"].(map[string]any)
	deps := def["resolvedDependencies"].([]any)
	materials := gotPred["materials"].([]any)
	if len(materials) != len(deps) || len(deps) == 0 {
		t.Fatalf("%d materials for %d resolved dependencies", len(materials), len(deps))
	}
	for _, c := range []struct {
		name      string
		want, got any
	}{
		{"_type", StatementType, got["_type"]},
		{"predicateType", ProvenanceV02Type, got["predicateType"]},
		{"subject", old["subject"], got["subject"]},
		{"buildType", def["buildType"], gotPred["buildType"]},
		{"parameters", def["externalParameters"], gotPred["invocation"].(map[string]any)["parameters"]},
		{"builder", oldPred["runDetails"].(map[string]any)["builder"].(map[string]any)["id"], gotPred["builder"].(map[string]any)["id"]},
		{"reproducible", true, gotPred["metadata"].(map[string]any)["reproducible"]},
	} {
		if diff := cmp.Diff(c.want, c.got); diff != "" {
			t.Errorf("%s (-v1 +v0.2):\n%s", c.name, diff)
		}
	}
	again, err := ProvenanceV02(v1)
	if err != nil || string(again) != string(b) {
		t.Errorf("a second restatement differs (%v)", err)
	}
	if _, err := ProvenanceV02([]byte("{")); err == nil {
		t.Error("a truncated statement was restated")
	}
}
