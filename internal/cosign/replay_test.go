package cosign

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestReplaySigner(t *testing.T) {
	k := mustPrivateKey(t, "pkcs8.key", "")
	sigA, _ := k.Sign([]byte("a"))
	sigB, _ := k.Sign([]byte("b"))
	forged := bytes.Clone(sigB)
	forged[len(forged)-1] ^= 1
	r := NewReplaySigner(k.Public(), []Recorded{
		{Message: []byte("a"), Signature: sigA},
		{Message: []byte("c"), Signature: forged},
	})
	if r.Public() != k.Public() {
		t.Error("Public() is not the given key")
	}
	tests := []struct {
		msg     string
		want    []byte
		wantErr string
	}{
		{msg: "a", want: sigA},
		{msg: "b", wantErr: "no signature of this payload in the original output"},
		{msg: "c", wantErr: "the original output's signature of this payload is not valid"},
	}
	for _, tt := range tests {
		got, err := r.Sign([]byte(tt.msg))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Sign(%q) error %v, want %q", tt.msg, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !bytes.Equal(got, tt.want) {
			t.Errorf("Sign(%q) = %x, %v; want the recorded signature", tt.msg, got, err)
		}
	}
	if _, err := r.Sign([]byte("b")); !errors.Is(err, ErrNotRecorded) {
		t.Errorf("unknown message: %v is not ErrNotRecorded", err)
	}
	// Replaying an envelope reproduces it byte for byte.
	env, _ := SignEnvelope(k, PayloadTypeInToto, []byte("{}"))
	e, _ := ParseEnvelope(env)
	replayed, err := SignEnvelope(NewReplaySigner(k.Public(), []Recorded{{Message: e.PAE(), Signature: e.Signatures[0]}}), PayloadTypeInToto, []byte("{}"))
	if err != nil || !bytes.Equal(env, replayed) {
		t.Errorf("replayed envelope differs (%v):\n%s\n%s", err, env, replayed)
	}
}
