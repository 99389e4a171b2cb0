// Package lock reads and writes editions.lock, the sealed snapshot a build runs from: for
// every component the editions use, the exact source (sha256 or commit), the digest of its
// normalised tree, its version string, its source time and its registration facts. The
// encoding is sorted and indented so that a change of pin is a small, readable diff.
package lock

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/spec"
)

// FileName is the lock's name at the project root.
const FileName = "editions.lock"

// formatVersion changes when the encoding does.
const formatVersion = 1

// File is a decoded lock.
type File struct {
	Version    int         `json:"lockVersion"`
	Components []Component `json:"components"`
	// Editions records each edition's version and members, so that lock and build refuse
	// other members under a version already given out. Locks written before it have none.
	Editions []Edition `json:"editions,omitempty"`
	// Libraries are the composer libraries the editions' components require, sorted by
	// name: one version of each for every edition, as composer installs one.
	Libraries []Library `json:"libraries,omitempty"`
	// DebianBases are the Debian roots that images are built on, each pinned .deb by .deb.
	DebianBases []DebianBase `json:"debianBases,omitempty"`
}

// Library is one locked composer library.
type Library struct {
	Name     string   `json:"name"` // vendor/name, lower-case
	Version  string   `json:"version"`
	Type     string   `json:"type,omitempty"`
	Licenses []string `json:"licenses,omitempty"`
	// Plugin marks a composer plugin (composer/installers): chosen so that its
	// constraints hold, as in composer, but install-time code, never shipped.
	Plugin     bool          `json:"plugin,omitempty"`
	Repository string        `json:"repository"` // the composer_repository it was chosen from
	Source     LibrarySource `json:"source"`
	// Require are its own requirements on other libraries, so that a locked library is
	// chosen again, offline, with what it needs.
	Require map[string]string `json:"require,omitempty"`
	// Tree is the digest of its unpacked files, and Time their newest modification time,
	// as for a component: a build checks the archive against both (none for a plugin).
	Tree  string `json:"tree,omitempty"`
	Time  int64  `json:"time,omitempty"`
	Files int    `json:"files,omitempty"`
	Bytes int64  `json:"bytes,omitempty"`
}

// LibrarySource is where a library's files come from: its dist archive, pinned by the
// SHA-256 of its bytes, and the commit the repository says it was made from.
type LibrarySource struct {
	Type      string `json:"type,omitempty"` // zip, tar
	URL       string `json:"url"`
	SHA256    string `json:"sha256,omitempty"`
	Reference string `json:"reference,omitempty"`
}

// Library finds a library by name.
func (f File) Library(name string) (Library, bool) {
	i := sort.Search(len(f.Libraries), func(i int) bool { return f.Libraries[i].Name >= name })
	if i < len(f.Libraries) && f.Libraries[i].Name == name {
		return f.Libraries[i], true
	}
	return Library{}, false
}

// WithLibraries returns f recording libraries, sorted by name.
func (f File) WithLibraries(libs []Library) File {
	ls := append([]Library(nil), libs...)
	sort.Slice(ls, func(i, j int) bool { return ls[i].Name < ls[j].Name })
	f.Libraries = ls
	return f
}

// Edition is what a version of an edition holds.
type Edition struct {
	Name    string   `json:"name"`
	Version string   `json:"version"`
	Members []string `json:"members"` // component IDs, sorted, the core included
	// Libraries are the composer libraries it ships or needs at install time, sorted.
	Libraries []string `json:"libraries,omitempty"`
}

// Component is one locked component.
type Component struct {
	ID       string            `json:"id"`
	Recipe   string            `json:"recipe"` // fingerprint of the recipe declaration it was locked from
	Source   Source            `json:"source"`
	Tree     string            `json:"tree"`    // digest of the normalised tree
	Files    int               `json:"files"`   // regular files in the tree
	Bytes    int64             `json:"bytes"`   // their total size
	Version  string            `json:"version"` // the component's version string
	Time     int64             `json:"time"`    // source time, Unix seconds
	Registry registration.Info `json:"registration"`
	// Patches are the patches that touched the component's tree, in the order they
	// applied: those applied make its version end in +pN.
	Patches []Patch `json:"patches,omitempty"`
}

// Patch is what the lock records of one patch that touched a component.
type Patch struct {
	File      string   `json:"file"` // relative to the project root
	SHA256    string   `json:"sha256"`
	Status    string   `json:"status"` // PatchApplied or PatchAlreadyApplied
	Subject   string   `json:"subject,omitempty"`
	CVEs      []string `json:"cves,omitempty"`
	Embargoed bool     `json:"embargoed,omitempty"`
}

// The statuses of a recorded patch.
const (
	PatchApplied        = "applied"
	PatchAlreadyApplied = "already applied" // upstream contains it: drop it at the next bump
)

// CVEs are the CVE identifiers the component's applied patches fix, sorted.
func (c Component) CVEs() []string { return PatchCVEs(c.Patches) }

// PatchCVEs are the CVE identifiers the applied patches among ps fix, sorted: a patch
// found already applied fixed nothing here (upstream's release did).
func PatchCVEs(ps []Patch) []string {
	seen := map[string]bool{}
	var out []string
	for _, p := range ps {
		for _, id := range p.CVEs {
			if p.Status == PatchApplied && !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Source is the exact origin of a component.
type Source struct {
	Kind   spec.SourceKind `json:"kind"`
	URL    string          `json:"url,omitempty"`
	SHA256 string          `json:"sha256,omitempty"`
	Ref    string          `json:"ref,omitempty"`
	Commit string          `json:"commit,omitempty"`
	Path   string          `json:"path,omitempty"`
	Of     string          `json:"of,omitempty"` // bundled: the component whose source holds it
}

// New builds a lock, sorting its components.
func New(components []Component) File {
	cs := append([]Component(nil), components...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].ID < cs[j].ID })
	return File{Version: formatVersion, Components: cs}
}

// WithEditions returns f recording editions, sorted by name.
func (f File) WithEditions(editions []Edition) File {
	es := make([]Edition, len(editions))
	for i, e := range editions {
		e.Members = append([]string(nil), e.Members...)
		sort.Strings(e.Members)
		if e.Libraries != nil {
			e.Libraries = append([]string(nil), e.Libraries...)
			sort.Strings(e.Libraries)
		}
		es[i] = e
	}
	sort.Slice(es, func(i, j int) bool { return es[i].Name < es[j].Name })
	f.Editions = es
	return f
}

// Edition finds an edition's record by name.
func (f File) Edition(name string) (Edition, bool) {
	for _, e := range f.Editions {
		if e.Name == name {
			return e, true
		}
	}
	return Edition{}, false
}

// Lookup finds a component by ID.
func (f File) Lookup(id string) (Component, bool) {
	i := sort.Search(len(f.Components), func(i int) bool { return f.Components[i].ID >= id })
	if i < len(f.Components) && f.Components[i].ID == id {
		return f.Components[i], true
	}
	return Component{}, false
}

// Encode returns the lock's canonical bytes.
func (f File) Encode() ([]byte, error) {
	f = New(f.Components).WithEditions(f.Editions).WithLibraries(f.Libraries).WithDebianBases(f.DebianBases)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("encoding lock: %w", err)
	}
	return buf.Bytes(), nil
}

// Decode parses lock bytes.
func Decode(b []byte) (File, error) {
	var f File
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return File{}, fmt.Errorf("%s is not a valid lock file: %w", FileName, err)
	}
	// Anything after the object (a second one, a stray merge-conflict marker) is not a lock.
	if _, err := dec.Token(); err != io.EOF {
		return File{}, fmt.Errorf("%s is not a valid lock file: unexpected data after the lock object", FileName)
	}
	if f.Version != formatVersion {
		return File{}, fmt.Errorf("%s has lockVersion %d; this mwedition reads version %d: run mwedition lock", FileName, f.Version, formatVersion)
	}
	for i := 1; i < len(f.Components); i++ {
		if f.Components[i-1].ID >= f.Components[i].ID {
			return File{}, fmt.Errorf("%s: components are not sorted or %s is listed twice; run mwedition lock", FileName, f.Components[i].ID)
		}
	}
	for i := 1; i < len(f.Libraries); i++ {
		if f.Libraries[i-1].Name >= f.Libraries[i].Name {
			return File{}, fmt.Errorf("%s: libraries are not sorted or %s is listed twice; run mwedition lock", FileName, f.Libraries[i].Name)
		}
	}
	for i := 1; i < len(f.Editions); i++ {
		if f.Editions[i-1].Name >= f.Editions[i].Name {
			return File{}, fmt.Errorf("%s: editions are not sorted or %s is listed twice; run mwedition lock", FileName, f.Editions[i].Name)
		}
	}
	return f, nil
}

// Read reads the lock of the project at root. A missing lock is reported with
// os.ErrNotExist in the chain.
func Read(root string) (File, error) {
	b, err := os.ReadFile(filepath.Join(root, FileName))
	if err != nil {
		return File{}, err
	}
	return Decode(b)
}

// Write writes the lock atomically: a temp file in the same directory, then a rename.
func Write(root string, f File) error {
	b, err := f.Encode()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(root, "."+FileName+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", FileName, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("writing %s: %w", FileName, err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", FileName, err)
	}
	return os.Rename(tmp.Name(), filepath.Join(root, FileName))
}

// Fingerprint identifies a recipe declaration: when it changes, the lock entry made from it
// is stale. Source ranges are left out (moving a declaration changes nothing), and a bundled
// component's fingerprint covers its core's, since its bytes come from there.
func Fingerprint(set spec.Set, c spec.Component) string {
	container := ""
	if c.Source.Kind == spec.Bundled {
		if core, ok := set.Component(spec.ID(spec.Core, c.Source.Core)); ok {
			container = Fingerprint(set, core)
		}
	}
	return FingerprintIn(set, c, container)
}

// FingerprintIn is a bundled component's fingerprint had its core's been container. Given
// the core's locked fingerprint, it tells whether a stale component's own declaration
// changed, or only the core it comes from: then the core's change is the one to report.
func FingerprintIn(set spec.Set, c spec.Component, container string) string {
	type patch struct {
		Path, SHA256 string
		Strip        int
		CVEs         []string `json:",omitempty"`
		Embargoed    bool     `json:",omitempty"`
	}
	type source struct {
		Kind                                 spec.SourceKind
		URL, SHA256, Signature, KeyFile, Ref string
		Path, Core                           string
		Patches                              []patch `json:",omitempty"` // none keeps older locks' fingerprints
	}
	type decl struct {
		ID, Version string
		Exclude     []string
		Source      source
		Container   string   `json:",omitempty"`
		Claimed     []string `json:",omitempty"`
	}
	s := c.Source
	d := decl{ID: c.ID(), Version: c.Version, Exclude: c.Exclude, Container: container, Source: source{
		Kind: s.Kind, URL: s.URL, SHA256: s.SHA256, Signature: s.Signature, KeyFile: s.KeyFile, Ref: s.Ref, Path: s.Path, Core: s.Core,
	}}
	for _, p := range s.Patches {
		d.Source.Patches = append(d.Source.Patches, patch{Path: p.Path, SHA256: p.SHA256, Strip: p.Strip, CVEs: p.CVEs, Embargoed: p.Embargoed})
	}
	if c.Kind == spec.Core {
		// Sub-trees other recipes claim are left out of the core's tree.
		for _, o := range set.Components() {
			if o.Source.Kind == spec.Bundled && o.Source.Core == c.Name {
				d.Claimed = append(d.Claimed, o.Source.Path)
			}
		}
		sort.Strings(d.Claimed)
	}
	b, _ := json.Marshal(d) // plain strings and slices: cannot fail
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// FormatVersion is the lockVersion this program reads and writes.
const FormatVersion = formatVersion
