package build

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/pack/oci"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
)

// SBOMDir is where build writes each edition's SPDX document (<edition>.spdx.json) and
// provenance (<edition>.provenance.json), below the output directory.
const SBOMDir = outdir.SBOM

// Suffixes of the files in SBOMDir.
const (
	SPDXSuffix       = ".spdx.json"
	ProvenanceSuffix = ".provenance.json"
)

// Documents is what a documents action made: the files of out/sbom (name -> blob) and
// the referrers that attach them to the edition's images.
type Documents struct {
	Files     map[string]string `json:"files"`
	Referrers []v1.Descriptor   `json:"referrers,omitempty"`
	// Tagged are the image's cosign signature and attestations, under the tags cosign
	// looks them up by.
	Tagged []v1.Descriptor `json:"tagged,omitempty"`
}

// Libraries is what a libraries action found: the blob of the JSON list of the composer
// libraries a component's tree ships, or "" for none.
type Libraries struct {
	Blob string `json:"blob,omitempty"`
}

func librariesAction(id string) string   { return "libraries/" + id }
func documentsAction(name string) string { return "sbom/" + name }

// librariesLayout names how a tree's libraries are read and recorded: change it whenever
// sbom.Library or its parser does, so that recorded lists are read again.
const librariesLayout = "mwedition-sbom-libraries-v2"

// librariesActions read, once per tree, the composer libraries each component ships: a
// no-op build would otherwise spend most of its time decoding trees to look for them.
func (o Options) librariesActions(g resolve.Graph) []engine.Action {
	var acts []engine.Action
	for _, c := range g.Components {
		acts = append(acts, engine.Action{
			ID: librariesAction(c.ID), Kind: "sbom.libraries", Key: key("sbom.libraries", struct{ Layout, Tree string }{librariesLayout, c.Tree}),
			Deps: []string{treeAction(c.ID)}, Where: c.Decl.String(), Label: "libraries " + c.ID,
			Valid: format.Valid(func(l Libraries) bool { return l.Blob == "" || o.store().HasBlob(l.Blob) }),
			Run: func(context.Context, engine.Inputs) (engine.Outcome, error) {
				libs, err := o.readLibraries(c)
				if err != nil {
					return engine.Outcome{}, err
				}
				if len(libs) == 0 {
					return format.Encode(Libraries{}, 0)
				}
				b, err := json.Marshal(libs)
				if err != nil {
					return engine.Outcome{}, err
				}
				sha, err := o.store().PutBytes(b)
				if err != nil {
					return engine.Outcome{}, err
				}
				return format.Encode(Libraries{Blob: sha}, 0)
			},
		})
	}
	return acts
}

// libraries reads back what a libraries action found.
func (o Options) libraries(in format.Outcomes, id string) ([]sbom.Library, error) {
	l, err := format.Lookup[Libraries](in, librariesAction(id))
	if err != nil || l.Blob == "" {
		return nil, err
	}
	b, err := os.ReadFile(o.store().Path(cache.BlobRel(l.Blob)))
	if err != nil {
		return nil, fmt.Errorf("%s: the list of its libraries is not in the cache: %w", id, err)
	}
	var libs []sbom.Library
	if err := json.Unmarshal(b, &libs); err != nil {
		return nil, fmt.Errorf("%s: the list of its libraries: %w", id, err)
	}
	return libs, nil
}

// documentsActions make every edition's SBOM and, for an edition with artifacts, its
// provenance; and attach both to the edition's image as OCI referrers. They describe what
// this build made: the artifacts are the outcomes of the formats' actions (the digests were
// taken as they were written), the libraries come from the component trees.
func (o Options) documentsActions(g resolve.Graph, lk lock.File, keys map[string]string) ([]engine.Action, error) {
	lockBytes, err := lk.Encode()
	if err != nil {
		return nil, err
	}
	lockSum := sha256.Sum256(lockBytes)
	env := o.env(g, lk)
	var acts []engine.Action
	for _, e := range g.Editions {
		in := sbom.Input{Graph: g, Edition: e.Name, Time: o.clamp(e.Time), Builder: o.Builder,
			Lock: hex.EncodeToString(lockSum[:]), Parameters: o.provenanceParameters(e)}
		deps, err := o.documentsDeps(env, e)
		if err != nil {
			return nil, err
		}
		part, err := editionPart(g, e)
		if err != nil {
			return nil, err
		}
		params := struct {
			Layout, Edition, Lock, Graph string
			Builder                      sbom.Builder
			Parameters                   map[string]any
			Deps                         []string
		}{documentsLayout, e.Name, in.Lock, part, o.Builder, in.Parameters, nil}
		for _, d := range deps {
			params.Deps = append(params.Deps, keys[d])
		}
		acts = append(acts, engine.Action{
			ID: documentsAction(e.Name), Kind: "sbom.documents", Key: key("sbom.documents", params), Deps: deps,
			Where: e.Decl.String(), Label: "sbom " + e.Name, Group: e.Name,
			Valid: format.Valid(func(d Documents) bool { return o.blobsThere(d.Files) }),
			Run: func(_ context.Context, outs engine.Inputs) (engine.Outcome, error) {
				return o.documents(env, e, in, outs)
			},
		})
	}
	return acts, nil
}

// editionPart is the digest of what an edition's documents say of the resolved project:
// the edition, its members, and the sources those are cut from.
func editionPart(g resolve.Graph, e resolve.Edition) (string, error) {
	part := []any{e}
	for _, c := range editionComponents(g, e) {
		part = append(part, c)
	}
	b, err := json.Marshal(part)
	return format.SHA256Hex(b), err
}

// editionComponents are an edition's members and the components they are bundled in.
func editionComponents(g resolve.Graph, e resolve.Edition) []resolve.Component {
	var out []resolve.Component
	seen := map[string]bool{}
	add := func(id string) {
		if c, ok := g.Component(id); ok && !seen[id] {
			seen[id] = true
			out = append(out, c)
		}
	}
	for _, m := range e.Members {
		add(m.ID)
		if c, ok := g.Component(m.ID); ok && c.Source.Of != "" {
			add(c.Source.Of)
		}
	}
	return out
}

// documentsDeps are the actions an edition's documents read: its components' libraries
// and what each format made of the edition.
func (o Options) documentsDeps(env format.Env, e resolve.Edition) ([]string, error) {
	var deps []string
	for _, c := range editionComponents(env.Graph, e) {
		deps = append(deps, librariesAction(c.ID))
	}
	for _, f := range o.selected() {
		col, err := f.Edition(env, e, nil)
		if err != nil {
			return nil, err
		}
		deps = append(deps, col.Actions...)
	}
	return deps, nil
}

// documentsLayout names how documents are made beyond what sbom holds: change it whenever
// they change for the same inputs.
const documentsLayout = "mwedition-documents-v2"

func (o Options) blobsThere(files map[string]string) bool {
	for _, sha := range files {
		if !o.store().HasBlob(sha) {
			return false
		}
	}
	return true
}

// documents makes one edition's SBOM and provenance.
func (o Options) documents(env format.Env, e resolve.Edition, in sbom.Input, outs engine.Inputs) (engine.Outcome, error) {
	docs := Documents{Files: map[string]string{}}
	in.Libraries = map[string][]sbom.Library{}
	for _, c := range editionComponents(env.Graph, e) {
		l, err := o.libraries(outs, c.ID)
		if err != nil {
			return engine.Outcome{}, err
		}
		if len(l) > 0 {
			in.Libraries[c.ID] = l
		}
	}
	var subjects []v1.Descriptor
	for _, f := range o.selected() {
		col, err := f.Edition(env, e, outs)
		if err != nil {
			return engine.Outcome{}, err
		}
		in.Artifacts = append(in.Artifacts, col.Artifacts...)
		subjects = append(subjects, col.Subjects...)
		if col.Base != nil {
			in.Base, in.DebianBase = col.Base, col.DebianBase
		}
	}
	doc, err := sbom.SPDX(in)
	if err != nil {
		return engine.Outcome{}, fmt.Errorf("the SBOM of edition %s: %w", e.Name, err)
	}
	if err := o.addDocument(&docs, e, subjects, doc, SPDXSuffix, sbom.MediaTypeSPDX); err != nil {
		return engine.Outcome{}, err
	}
	if len(in.Artifacts) > 0 { // a build of trees only has nothing to state the provenance of
		prov, err := sbom.ProvenanceStatement(in)
		if err != nil {
			return engine.Outcome{}, err
		}
		if err := o.addDocument(&docs, e, subjects, prov, ProvenanceSuffix, sbom.MediaTypeInToto); err != nil {
			return engine.Outcome{}, err
		}
		if o.ImageSigner != nil {
			if err := o.attest(&docs, e, subjects, doc, prov); err != nil {
				return engine.Outcome{}, err
			}
		}
	}
	return format.Encode(docs, 0)
}

// addDocument stores an edition's document for out/sbom and, when the edition has an
// image, attaches it to the image.
func (o Options) addDocument(docs *Documents, e resolve.Edition, subjects []v1.Descriptor, doc []byte, suffix, mediaType string) error {
	sha, err := o.store().PutBytes(doc)
	if err != nil {
		return err
	}
	docs.Files[e.Name+suffix] = sha
	if len(subjects) == 0 {
		return nil
	}
	d, err := oci.WriteReferrer(o.store(), subjects[0], types.MediaType(mediaType), doc, e.Name+suffix,
		map[string]string{"org.opencontainers.image.created": utc(o.clamp(e.Time))})
	if err != nil {
		return fmt.Errorf("attaching %s to the image of %s: %w", e.Name+suffix, e.Name, err)
	}
	docs.Referrers = append(docs.Referrers, d)
	return nil
}

// readLibraries reads the composer libraries a component's tree ships, from the tree's
// vendor/composer/installed.json in the cache, checked against the tree's digest of it.
func (o Options) readLibraries(c resolve.Component) ([]sbom.Library, error) {
	t, err := o.store().Tree(c.Tree)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.ID, err)
	}
	e, ok := t.Lookup(sbom.InstalledJSON)
	if !ok || e.Type != fstree.File {
		return nil, nil
	}
	f, err := format.OpenStored(o.store())(e.Src)
	if err != nil {
		return nil, fmt.Errorf("%s: %s is not in the cache: %w", c.ID, sbom.InstalledJSON, err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, e.Size+1))
	if err != nil {
		return nil, fmt.Errorf("%s: reading %s: %w", c.ID, sbom.InstalledJSON, err)
	}
	if format.SHA256Hex(b) != e.Digest {
		return nil, fmt.Errorf("%s: %s in the cache no longer matches its tree (sha256 %s, the tree says %s): remove the cache's src directory and build again", c.ID, sbom.InstalledJSON, format.SHA256Hex(b), e.Digest)
	}
	libs, err := sbom.ParseInstalled(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", c.ID, err)
	}
	return libs, nil
}

// provenanceParameters are the build's options that shape an edition's outputs. Paths
// (of the output directory, of a file base) are left out: they differ between machines.
func (o Options) provenanceParameters(e resolve.Edition) map[string]any {
	var formats []string
	for _, out := range e.Outputs {
		if slices.Contains(o.Formats, out.Format) {
			formats = append(formats, out.Format)
		}
	}
	sort.Strings(formats)
	p := map[string]any{"formats": nonNil(formats)}
	if sde := o.clamping(e.Time); sde != nil {
		p["sourceDateEpoch"] = *sde
	}
	if o.Signer != nil {
		p["signingKey"] = o.Signer.Fingerprint()
	}
	if o.ImageSigner != nil {
		p["imageSigningKey"] = "sha256:" + o.ImageSigner.Public().ID()
	}
	return p
}
