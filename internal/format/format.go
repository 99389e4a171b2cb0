// Package format is the seam between the planner (internal/build) and the output formats:
// what a format is given (Env), what it adds to the graph (actions per component and per
// edition), and what it hands back once those ran: each edition's artifacts and image
// subjects for the SBOM and provenance (Collected), and the files of its directory under
// out/ (Publication). Each format is a package below this one; internal/build registers
// them, and knows nothing else of any of them.
package format

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/layout"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/sbom"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// Format is one output format.
type Format interface {
	// Name is the format as output blocks and --format name it.
	Name() string
	// Dir is the directory below out/ the format publishes into.
	Dir() string
	// Layout names the version of the rules that turn trees into this format's files; it
	// is part of every action key, so a new layout rebuilds, and `mwedition version`
	// reports it.
	Layout() string
	// Actions are what the format adds to the graph for the editions that ask for it.
	// Their Run funcs read the component and edition trees the planner's actions
	// (TreeAction, EditionAction) made, and nothing else of the planner's.
	Actions(env Env) ([]engine.Action, error)
	// Edition lists what the format made of edition e, from the outcomes of its actions;
	// and the IDs of those actions, so that a consumer can depend on them. With outs nil
	// it returns the IDs alone.
	Edition(env Env, e resolve.Edition, outs Outcomes) (Collected, error)
	// Publish says what the format's directory under out/ holds after this build.
	// attached are documents attached to images (OCI referrers): only an image format
	// places them.
	Publish(env Env, outs Outcomes, attached []v1.Descriptor) (Publication, error)
}

// Outcomes are finished actions' outcomes by ID: an engine.Report or engine.Inputs.
type Outcomes interface {
	Outcome(id string) (engine.Outcome, bool)
}

// Collected is what a format made of one edition.
type Collected struct {
	Actions   []string         // the actions the artifacts come from
	Artifacts []sbom.Artifact  // as the SBOM and provenance list them
	Subjects  []v1.Descriptor  // images, to which documents are attached
	Images    []ImageRef       // the images by tag, as the layout lists them
	Base      *sbom.Dependency // what an image was built on, for the provenance
	// DebianBase is the locked Debian base Base was made from, when it was: the SBOM and
	// provenance list its pinned packages.
	DebianBase *lock.DebianBase
}

// ImageRef is one tagged image of a build.
type ImageRef struct {
	Edition, Tag string
	Descriptor   v1.Descriptor
}

// Publication is the content of one directory below out/: exactly these files, each a
// blob of the store, by slash-separated path relative to Dir. Remove, with no files,
// says the directory is to go (a format asked for but made nothing: no stale output
// stays); otherwise an empty publication leaves an absent directory absent.
type Publication struct {
	Dir    string
	Files  map[string]string // path -> blob SHA-256
	Remove bool
	// Copy lists the files that are copied rather than linked from the store, so that
	// editing them leaves the store alone (an OCI layout's index.json).
	Copy []string
}

// Env is what the planner hands every format: the resolved project and the build's
// settings.
type Env struct {
	Graph   resolve.Graph
	Store   *cache.Store
	Fetcher *source.Fetcher // offline mode and transport, for image bases
	Root    string          // the project's directory, for relative file bases
	Jobs    int
	// SourceDateEpoch, when set, clamps every source time.
	SourceDateEpoch *int64
	// Formats are the names of the formats this build makes.
	Formats []string
	// Signer, when set, signs what the formats sign (rpm, tarballs and their sums).
	Signer *signature.Signer
	// ImageBase, when set, replaces the base of every image output.
	ImageBase string
	// Keychain supplies credentials for registry bases; nil means anonymous access.
	Keychain authn.Keychain
	// Autoloads are the keys of the autoloader actions (AutoloadAction), by edition, for
	// the editions that ship composer libraries: the formats put the autoloader's tree
	// (a Generated outcome) below spec.LibraryDir, and its key into theirs.
	Autoloads map[string]string
	// DebianBases are the lock's Debian bases, which "debian:NAME" image bases name.
	DebianBases []lock.DebianBase
}

// Clamp applies SOURCE_DATE_EPOCH to a source time.
func (env Env) Clamp(t int64) int64 {
	if env.SourceDateEpoch != nil && t > *env.SourceDateEpoch {
		return *env.SourceDateEpoch
	}
	return t
}

// Settings renders the settings file of edition e.
func (env Env) Settings(e resolve.Edition) ([]byte, error) {
	return layout.RenderSettings(e, env.Graph)
}

// Output returns e's first output block of the named format.
func Output(e resolve.Edition, name string) (spec.Output, bool) {
	for _, o := range e.Outputs {
		if o.Format == name {
			return o, true
		}
	}
	return spec.Output{}, false
}

// TreeAction is the ID of the action that makes component id's tree.
func TreeAction(id string) string { return "tree/" + id }

// EditionAction is the ID of the action that assembles edition name's tree.
func EditionAction(name string) string { return "edition/" + name }

// AutoloadAction is the ID of the action that generates edition name's composer
// autoloader, when it ships libraries.
func AutoloadAction(name string) string { return "autoload/" + name }

// Generated is what a generating action made: a tree of files, by digest, relative to
// where the formats place it.
type Generated struct {
	Tree string `json:"tree"`
}

// Autoload returns the key of edition e's autoloader action, and its ID, when e ships
// composer libraries.
func (env Env) Autoload(e resolve.Edition) (id, key string, ok bool) {
	key, ok = env.Autoloads[e.Name]
	return AutoloadAction(e.Name), key, ok
}

// GeneratedTree reads the tree a generating action made.
func GeneratedTree(st *cache.Store, outs Outcomes, id string) (fstree.Tree, error) {
	g, err := Lookup[Generated](outs, id)
	if err != nil {
		return fstree.Tree{}, err
	}
	return st.Tree(g.Tree)
}

// Key hashes an action's kind and canonical parameters (JSON of plain structs, whose
// field order is fixed, and sorted slices).
func Key(kind string, params any) string {
	b, err := json.Marshal(params)
	if err != nil {
		panic("format: action parameters must encode: " + err.Error())
	}
	h := sha256.New()
	fmt.Fprintf(h, "mwedition-action-v1\x00%s\x00", kind)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// Encode records a typed outcome as the engine stores it. Each producer pairs it with a
// decoder of its own, so that no consumer parses another action's record.
func Encode(v any, n int64) (engine.Outcome, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return engine.Outcome{}, err
	}
	return engine.Outcome{Output: string(b), Bytes: n}, nil
}

// Decode reads a record Encode made.
func Decode[T any](o engine.Outcome) (T, error) {
	var v T
	d := json.NewDecoder(strings.NewReader(o.Output))
	d.DisallowUnknownFields()
	if err := d.Decode(&v); err != nil {
		return v, fmt.Errorf("malformed outcome %q: %w", o.Output, err)
	}
	if d.More() {
		return v, fmt.Errorf("malformed outcome %q: more than one value", o.Output)
	}
	return v, nil
}

// Lookup decodes action id's outcome from outs.
func Lookup[T any](outs Outcomes, id string) (T, error) {
	o, ok := outs.Outcome(id)
	if !ok {
		var v T
		return v, fmt.Errorf("%s has no recorded outcome", id)
	}
	v, err := Decode[T](o)
	if err != nil {
		return v, fmt.Errorf("%s: %w", id, err)
	}
	return v, nil
}

// Valid returns an Action.Valid that decodes the outcome and asks ok about it.
func Valid[T any](ok func(T) bool) func(engine.Outcome) bool {
	return func(o engine.Outcome) bool {
		v, err := Decode[T](o)
		return err == nil && ok(v)
	}
}

// AddStreamed stores what write writes, hashed as it is written, never held in memory.
func AddStreamed(st *cache.Store, write func(io.Writer) error) (string, int64, error) {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(write(pw)) }()
	sha, n, err := st.AddBlob(pr, "")
	pr.CloseWithError(err) // stops the writer if storing failed
	return sha, n, err
}

// SignBlob stores the armored detached signature of a stored blob and returns its SHA-256.
func SignBlob(st *cache.Store, s *signature.Signer, sha string, t time.Time) (string, error) {
	f, err := os.Open(st.Path(cache.BlobRel(sha)))
	if err != nil {
		return "", err
	}
	defer f.Close()
	sig, err := s.DetachArmored(f, t)
	if err != nil {
		return "", err
	}
	return st.PutBytes(sig)
}

// Sums is a SHA256SUMS file, as sha256sum -c reads it: name -> SHA-256, sorted by name.
func Sums(files map[string]string) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var b bytes.Buffer
	for _, n := range names {
		fmt.Fprintf(&b, "%s  %s\n", files[n], n)
	}
	return b.Bytes()
}

// OpenStored opens a tree entry's bytes in the store.
func OpenStored(st *cache.Store) func(src string) (io.ReadCloser, error) {
	return func(src string) (io.ReadCloser, error) { return os.Open(st.Path(src)) }
}

// StoreBytes adds generated bytes to the store, returning their Src, digest and size.
func StoreBytes(st *cache.Store) func(b []byte) (string, string, int64, error) {
	return func(b []byte) (string, string, int64, error) {
		sha, n, err := st.AddBlob(bytes.NewReader(b), "")
		if err != nil {
			return "", "", 0, err
		}
		return cache.BlobRel(sha), sha, n, nil
	}
}

// PackageName is the OS package name of a component: mediawiki-core,
// mediawiki-extension-<name>, mediawiki-skin-<name>, and mediawiki-lib-<vendor>-<name>
// for a composer library (lower case, '_' and '/' as '-').
func PackageName(k spec.Kind, name string) string {
	switch k {
	case spec.Core:
		return "mediawiki-core"
	case spec.LibraryKind:
		return "mediawiki-lib-" + strings.NewReplacer("_", "-", "/", "-").Replace(strings.ToLower(name))
	}
	return "mediawiki-" + string(k) + "-" + strings.ReplaceAll(strings.ToLower(name), "_", "-")
}

// JoinDir joins a directory and a relative one that may be empty.
func JoinDir(base, rel string) string {
	if rel == "" {
		return base
	}
	return base + "/" + rel
}

// Dedupe keeps the first of each string, in order.
func Dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// UTC formats a source time as RFC 3339 in UTC.
func UTC(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

// SHA256Hex is the hex SHA-256 of b.
func SHA256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
