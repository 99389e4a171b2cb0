package cosign

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestPAE(t *testing.T) {
	tests := []struct {
		payloadType string
		body        string
		want        string
	}{
		// The example in the DSSE specification's protocol.md.
		{"http://example.com/HelloWorld", "hello world", "DSSEv1 29 http://example.com/HelloWorld 11 hello world"},
		{"", "", "DSSEv1 0  0 "},
		{PayloadTypeInToto, "{}", "DSSEv1 28 application/vnd.in-toto+json 2 {}"},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, string(PAE(tt.payloadType, []byte(tt.body)))); diff != "" {
			t.Errorf("PAE(%q, %q) (-want +got):\n%s", tt.payloadType, tt.body, diff)
		}
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	k := mustPrivateKey(t, "pkcs8.key", "")
	body := []byte(`{"hello":"world"}`)
	env, err := SignEnvelope(k, PayloadTypeInToto, body)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := SignEnvelope(k, PayloadTypeInToto, body)
	if diff := cmp.Diff(string(env), string(again)); diff != "" {
		t.Errorf("signing twice gave different envelopes:\n%s", diff)
	}
	typ, got, err := OpenEnvelope(env, k.Public())
	if err != nil {
		t.Fatal(err)
	}
	if typ != PayloadTypeInToto || string(got) != string(body) {
		t.Errorf("OpenEnvelope = %q, %q", typ, got)
	}
	e, err := ParseEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	if len(e.Signatures) != 1 || k.Public().Verify(e.PAE(), e.Signatures[0]) != nil {
		t.Errorf("ParseEnvelope's signature does not verify the PAE")
	}
	wantPrefix := `{"payloadType":"application/vnd.in-toto+json","payload":"` + base64.StdEncoding.EncodeToString(body) + `","signatures":[{"keyid":"","sig":"`
	if !strings.HasPrefix(string(env), wantPrefix) {
		t.Errorf("envelope %s does not start with %s", env, wantPrefix)
	}
}

func TestEnvelopeTampered(t *testing.T) {
	k := mustPrivateKey(t, "pkcs8.key", "")
	other := mustPrivateKey(t, "ec-p384.key", "")
	env, err := SignEnvelope(k, PayloadTypeInToto, []byte(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(env, &raw); err != nil {
		t.Fatal(err)
	}
	edit := func(f func(map[string]any)) []byte {
		c := map[string]any{}
		for k, v := range raw {
			c[k] = v
		}
		f(c)
		b, _ := json.Marshal(c)
		return b
	}
	tests := []struct {
		name    string
		env     []byte
		pub     *PublicKey
		wantMsg string
	}{
		{"payload changed", edit(func(m map[string]any) { m["payload"] = base64.StdEncoding.EncodeToString([]byte(`{"a":2}`)) }), k.Public(), "no signature by key"},
		{"type changed", edit(func(m map[string]any) { m["payloadType"] = "text/plain" }), k.Public(), "no signature by key"},
		{"other key", env, other.Public(), "no signature by key"},
		{"no signatures", edit(func(m map[string]any) { m["signatures"] = []any{} }), k.Public(), "it has no signatures"},
		{"not JSON", []byte("{"), k.Public(), "reading the DSSE envelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := OpenEnvelope(tt.env, tt.pub)
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("error %v, want one containing %q", err, tt.wantMsg)
			}
		})
	}
}

func TestStatement(t *testing.T) {
	got, err := Statement([]Subject{
		{Name: "srv/out/x.tar", SHA256: strings.Repeat("ab", 32)},
		{Name: "a", SHA256: strings.Repeat("01", 32)},
	}, "https://slsa.dev/provenance/v1", json.RawMessage("{\n  \"b\": 1,\n  \"a\": [ ]\n}"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_type":"https://in-toto.io/Statement/v1","subject":[` +
		`{"name":"srv/out/x.tar","digest":{"sha256":"` + strings.Repeat("ab", 32) + `"}},` +
		`{"name":"a","digest":{"sha256":"` + strings.Repeat("01", 32) + `"}}],` +
		`"predicateType":"https://slsa.dev/provenance/v1","predicate":{"b":1,"a":[]}}`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("statement (-want +got):\n%s", diff)
	}
	for _, bad := range [][]Subject{nil, {{Name: "x", SHA256: "abc"}}, {{Name: "x", SHA256: strings.Repeat("zz", 32)}}} {
		if _, err := Statement(bad, "t", json.RawMessage("{}")); err == nil {
			t.Errorf("Statement(%v) made a statement", bad)
		}
	}
}
