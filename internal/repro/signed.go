package repro

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/cosign"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
)

// ReplayFile is where verify leaves, in the rebuild directory, the original's signatures
// for the rebuild to reuse.
const ReplayFile = "cosign-signatures.json"

// The original's cosign key and attestations, below out/.
const (
	publicKeyRel  = outdir.SBOM + "/cosign.pub"
	envelopeGlob  = "*.dsse.json"
	sigTagSuffix  = ".sig"
	attTagSuffix  = ".att"
	replayFileMod = 0o600
)

// writeReplay gathers what the original build signed with its cosign key (the DSSE
// attestations of out/sbom, the images' signatures and attestations of out/oci) into
// dir/ReplayFile, and returns its path; "" when the original signed nothing. The rebuild
// has no private key: it makes every payload again and takes the original's signature of
// it, after checking that signature with the original's public key. The signatures are
// deterministic, so the rebuild's bytes equal the original's exactly when every signed
// payload does, which is what verify compares.
func writeReplay(orig, dir string) (string, error) {
	pem, err := os.ReadFile(filepath.Join(orig, publicKeyRel))
	if errors.Is(err, fs.ErrNotExist) {
		return "", nil
	} else if err != nil {
		return "", err
	}
	pub, err := cosign.LoadPublicKey(pem)
	if err != nil {
		return "", fmt.Errorf("%s: %w", publicKeyRel, err)
	}
	signed, err := envelopeSignatures(orig)
	if err != nil {
		return "", err
	}
	more, err := layoutSignatures(filepath.Join(orig, outdir.OCI))
	if err != nil {
		return "", err
	}
	b, err := cosign.EncodeReplay(pub, append(signed, more...))
	if err != nil {
		return "", err
	}
	p := filepath.Join(dir, ReplayFile)
	return p, os.WriteFile(p, b, replayFileMod)
}

// envelopeSignatures reads the DSSE envelopes of out/sbom.
func envelopeSignatures(orig string) ([]cosign.Recorded, error) {
	files, err := filepath.Glob(filepath.Join(orig, outdir.SBOM, envelopeGlob))
	if err != nil {
		return nil, err
	}
	sort.Strings(files)
	var out []cosign.Recorded
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		s, err := cosign.EnvelopeRecorded(b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, s...)
	}
	return out, nil
}

// layoutSignatures reads the signature and attestation manifests of an image layout, by
// the tags cosign gives them; none when there is no layout.
func layoutSignatures(dir string) ([]cosign.Recorded, error) {
	l := oci.LayoutDir(dir)
	idx, err := l.Index()
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var out []cosign.Recorded
	for _, d := range idx.Manifests {
		tag := d.Annotations[outdir.AnnotationTag]
		if !strings.HasSuffix(tag, sigTagSuffix) && !strings.HasSuffix(tag, attTagSuffix) {
			continue
		}
		raw, err := l.Blob(d.Digest)
		if err != nil {
			return nil, err
		}
		s, err := cosign.ReadSignatures(raw, func(h v1.Hash) ([]byte, error) { return l.Blob(h) })
		if err != nil {
			return nil, fmt.Errorf("%s/index.json: %s: %w", outdir.OCI, tag, err)
		}
		r, err := cosign.SignedRecorded(s)
		if err != nil {
			return nil, fmt.Errorf("%s/index.json: %s: %w", outdir.OCI, tag, err)
		}
		out = append(out, r...)
	}
	return out, nil
}
