package signature

import (
	"bytes"
	"crypto"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"
	"github.com/ProtonMail/go-crypto/openpgp/armor"
	"github.com/ProtonMail/go-crypto/openpgp/clearsign"
	"github.com/ProtonMail/go-crypto/openpgp/packet"
	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

var update = flag.Bool("update", false, "rewrite testdata/armor/*.golden")

// body is n bytes that are not all alike, the same on every run.
func body(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7 + n)
	}
	return b
}

// armorLengths cover the three lengths modulo 3 (whether the base64 ends with "==", "=" or
// no padding, the case GnuPG 2.2 misreads without a checksum), a last line just short of,
// exactly at and just past 64 characters, and several lines.
var armorLengths = []int{1, 2, 3, 46, 47, 48, 49, 96, 307, 308, 309}

// TestArmorBlockGolden pins the armor's bytes.
func TestArmorBlockGolden(t *testing.T) {
	for _, n := range []int{1, 47, 48, 49} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			got := armorBlock("PGP SIGNATURE", body(n))
			golden := filepath.Join("testdata", "armor", fmt.Sprintf("%d.golden", n))
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to write it)", err)
			}
			if diff := cmp.Diff(string(want), string(got)); diff != "" {
				t.Errorf("armorBlock (-golden +got):\n%s", diff)
			}
		})
	}
}

// TestArmorBlockIsGoCryptos: for detached signatures and keys, armorBlock writes what
// go-crypto's armor.Encode wrote before it (the signers added the final newline), so that
// taking over the armor changed no published Release.gpg, .asc or key file.
func TestArmorBlockIsGoCryptos(t *testing.T) {
	for n := 0; n <= 200; n++ {
		var b bytes.Buffer
		w, err := armor.Encode(&b, openpgp.SignatureType, nil)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(body(n))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		b.WriteByte('\n')
		if got := armorBlock(openpgp.SignatureType, body(n)); !bytes.Equal(got, b.Bytes()) {
			t.Fatalf("%d bytes: armorBlock differs from armor.Encode:\n%s\n%s", n, got, b.Bytes())
		}
	}
}

// TestArmorBlockGPG: gpg --enarmor writes the same data and checksum lines (its only other
// line is a Comment header), and gpg --dearmor reads back the bytes, saying nothing.
func TestArmorBlockGPG(t *testing.T) {
	home := gpgHome(t)
	for _, n := range armorLengths {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			in := filepath.Join(home, fmt.Sprintf("body-%d", n))
			if err := os.WriteFile(in, body(n), 0o644); err != nil {
				t.Fatal(err)
			}
			theirs, stderr, err := gpg(home, "--enarmor", "--output", "-", in)
			if err != nil {
				t.Fatalf("gpg --enarmor: %v\n%s", err, stderr)
			}
			var kept []string
			for _, l := range strings.SplitAfter(string(theirs), "\n") {
				if !strings.HasPrefix(l, "Comment: ") {
					kept = append(kept, l)
				}
			}
			ours := armorBlock("PGP ARMORED FILE", body(n))
			if diff := cmp.Diff(strings.Join(kept, ""), string(ours)); diff != "" {
				t.Errorf("gpg --enarmor without its Comment, and armorBlock (-gpg +ours):\n%s", diff)
			}

			armored := in + ".asc"
			if err := os.WriteFile(armored, armorBlock(openpgp.SignatureType, body(n)), 0o644); err != nil {
				t.Fatal(err)
			}
			back, stderr, err := gpg(home, "--dearmor", "--output", "-", armored)
			if err != nil || len(stderr) > 0 {
				t.Errorf("gpg --dearmor: %v\n%s", err, stderr)
			}
			if !bytes.Equal(back, body(n)) {
				t.Errorf("gpg --dearmor gave %d bytes back, want the %d armored", len(back), n)
			}
		})
	}
}

// TestCleartextSignaturesGPG: cleartext signatures of every length modulo 3 verify under
// gpgv and gpg --verify, exit 0 and without a warning. A message carrying n copies of one
// signature packet has n times its length, so one to three copies give every residue when
// one packet's length is not a multiple of 3 (the test makes sure of it).
func TestCleartextSignaturesGPG(t *testing.T) {
	k := signaturetest.Keys(t)[0]
	s, err := NewSigner(k.Priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	home := gpgHome(t)
	importKey(t, home, s)

	text := []byte("Origin: mwedition\nSuite: stable\n- a dashed line\n-----BEGIN PGP SIGNATURE-----\n")
	residues := map[int]bool{}
	for sec := 0; len(residues) < 3 && sec < 20; sec++ {
		residues = map[int]bool{}
		at := time.Date(2025, 12, 1, 0, 0, sec, 0, time.UTC)
		for n := 1; n <= 3; n++ {
			msg, raw := multiClearsign(t, s, text, at, n)
			residues[len(raw)%3] = true
			name := fmt.Sprintf("InRelease-%d-%d", sec, n)
			p := filepath.Join(home, name)
			if err := os.WriteFile(p, msg, 0o644); err != nil {
				t.Fatal(err)
			}
			checkGPG(t, home, name, p)
		}
	}
	if len(residues) < 3 {
		t.Fatalf("signature lengths cover residues %v modulo 3, want all three", residues)
	}

	// And what Clearsign itself writes, as InRelease.
	msg, err := s.Clearsign(text, time.Date(2025, 12, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(home, "InRelease")
	os.WriteFile(p, msg, 0o644)
	checkGPG(t, home, "Clearsign", p)
}

// multiClearsign clearsigns text with n copies of the signer's signature, and armors it
// again as Clearsign does; raw is the signature packets.
func multiClearsign(t *testing.T, s *Signer, text []byte, at time.Time, n int) (msg, raw []byte) {
	t.Helper()
	k, _, err := s.key(at)
	if err != nil {
		t.Fatal(err)
	}
	keys := make([]*packet.PrivateKey, n)
	for i := range keys {
		keys[i] = k.PrivateKey
	}
	noSalt := false
	cfg := &packet.Config{DefaultHash: crypto.SHA256, Time: func() time.Time { return at }, NonDeterministicSignaturesViaNotation: &noSalt}
	var out bytes.Buffer
	w, err := clearsign.EncodeMulti(&out, keys, cfg)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(text)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	msg, err = rearmorCleartext(out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	i := bytes.Index(out.Bytes(), []byte(sigBlockStart))
	if i < 0 || !bytes.Equal(msg[:i], out.Bytes()[:i]) {
		t.Errorf("armoring again changed the signed text:\n%s\n%s", out.Bytes(), msg)
	}
	b, _ := clearsign.Decode(msg)
	if b == nil {
		t.Fatalf("not a cleartext signature:\n%s", msg)
	}
	if raw, err = io.ReadAll(b.ArmoredSignature.Body); err != nil {
		t.Fatal(err)
	}
	return msg, raw
}

// checkGPG runs gpgv and gpg --verify on a cleartext-signed file: both must exit 0, report
// a good signature and print no armor complaint.
func checkGPG(t *testing.T, home, name, p string) {
	t.Helper()
	for _, args := range [][]string{
		{"gpgv", "--homedir", home, "--keyring", filepath.Join(home, "key.gpg"), p},
		{"gpg", "--homedir", home, "--batch", "--verify", p},
	} {
		cmd := exec.Command(args[0], args[1:]...)
		cmd.Env = append(os.Environ(), "LC_ALL=C")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Good signature") || strings.Contains(string(out), "invalid") {
			t.Errorf("%s: %s: %v\n%s", name, args[0], err, out)
		}
	}
}

func gpgHome(t *testing.T) string {
	t.Helper()
	for _, tool := range []string{"gpg", "gpgv"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: run `make deps`", tool)
		}
	}
	home := t.TempDir()
	if err := os.Chmod(home, 0o700); err != nil { // else gpg warns about its permissions
		t.Fatal(err)
	}
	return home
}

func gpg(home string, args ...string) (stdout, stderr []byte, err error) {
	cmd := exec.Command("gpg", append([]string{"--homedir", home, "--batch"}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.Bytes(), e.Bytes(), err
}

// importKey imports the signer's exported public key into gpg's keyring, and writes it
// unarmored to key.gpg for gpgv; both must take it without a word about its armor.
func importKey(t *testing.T, home string, s *Signer) {
	t.Helper()
	pub, err := s.ArmoredPublicKey()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(home, "key.asc")
	if err := os.WriteFile(p, pub, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, err := gpg(home, "--import", p); err != nil || bytes.Contains(stderr, []byte("invalid")) {
		t.Fatalf("gpg --import: %v\n%s", err, stderr)
	}
	bin, stderr, err := gpg(home, "--dearmor", "--output", "-", p)
	if err != nil || len(stderr) > 0 {
		t.Fatalf("gpg --dearmor: %v\n%s", err, stderr)
	}
	if err := os.WriteFile(filepath.Join(home, "key.gpg"), bin, 0o644); err != nil {
		t.Fatal(err)
	}
}
