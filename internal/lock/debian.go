package lock

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"sort"

	"github.com/mwedition/mwedition/internal/spec"
)

// DebianBase is one locked Debian base: every .deb of the root its debian_base block asks
// for, as apt resolved it at lock time, pinned by name, version and SHA-256 and checked
// against the archive's signed indexes then. A build installs exactly these, offline.
type DebianBase struct {
	Name string `json:"name"`
	// Recipe is the digest of what the block asked for (sources, suites, packages and the
	// editions' system requirements): when it changes, the lock is stale.
	Recipe string `json:"recipe"`
	// Time is the newest Date of the suites' Release files, as a Unix time: the root's
	// SOURCE_DATE_EPOCH, so that it does not depend on when it is built.
	Time int64 `json:"time"`
	// Requested are the block's packages and Requirements the editions' system
	// requirements, both sorted, as they were when the base was locked: what a stale
	// lock's diagnostic compares with the block.
	Requested    []string      `json:"requested"`
	Requirements []string      `json:"requirements,omitempty"`
	Keyring      string        `json:"keyring"`
	Suites       []DebianSuite `json:"suites"`
	Packages     []DebPackage  `json:"packages"`
}

// DebianSuite is one suite the base was resolved from, and the InRelease it trusted.
type DebianSuite struct {
	Archive string `json:"archive"` // URL of the archive's root, as in a sources.list line
	Suite   string `json:"suite"`   // codename, which does not move as suite names do
	Date    int64  `json:"date"`    // the Release's Date, as a Unix time
	Signer  string `json:"signer"`  // fingerprint of the key whose signature verified
}

// DebPackage is one pinned .deb: Filename is relative to Archive's root.
type DebPackage struct {
	Name         string `json:"name"`
	Version      string `json:"version"`
	Architecture string `json:"architecture"`
	Archive      string `json:"archive"`
	Suite        string `json:"suite,omitempty"` // the suite whose index it was pinned from
	Filename     string `json:"filename"`
	Size         int64  `json:"size"`
	SHA256       string `json:"sha256"`
}

// DebianBase returns the locked base of that name.
func (f File) DebianBase(name string) (DebianBase, bool) {
	for _, b := range f.DebianBases {
		if b.Name == name {
			return b, true
		}
	}
	return DebianBase{}, false
}

// WithDebianBases returns f with its bases replaced, sorted by name and their packages
// by name and architecture.
func (f File) WithDebianBases(bases []DebianBase) File {
	out := make([]DebianBase, len(bases))
	for i, b := range bases {
		b.Suites = append([]DebianSuite(nil), b.Suites...)
		b.Packages = append([]DebPackage(nil), b.Packages...)
		sort.Slice(b.Packages, func(i, j int) bool {
			p, q := b.Packages[i], b.Packages[j]
			if p.Name != q.Name {
				return p.Name < q.Name
			}
			return p.Architecture < q.Architecture
		})
		out[i] = b
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	f.DebianBases = out
	return f
}

// DebianRecipe is the digest of what a debian_base block asks for, with requirements (the
// Debian system requirements of the editions on it): DebianBase.Recipe.
func DebianRecipe(b spec.DebianBase, requirements []string) string {
	type source struct {
		URL    string
		Suites []string
	}
	type decl struct {
		Name         string
		Sources      []source
		Packages     []string
		Requirements []string
		Keyring      string
	}
	d := decl{Name: b.Name, Packages: SortedUnique(b.Packages), Requirements: SortedUnique(requirements), Keyring: b.Keyring}
	for _, s := range b.Sources {
		d.Sources = append(d.Sources, source{s.URL, s.Suites})
	}
	j, _ := json.Marshal(d) // plain strings and slices: cannot fail
	sum := sha256.Sum256(j)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// Satisfies reports whether the locked base is what block b asks for, with the system
// requirements reqs: the same block, and every requirement among those it was locked with.
// A base locked with more requirements than are now asked still serves (its root holds all
// the editions need), as a git pin keeps its commit until asked to move: a project that
// drops an edition, or builds no image, does not have to lock its base again. A change of
// the block, or a new requirement, makes it stale; lock --update debian:NAME trims it.
func (lb DebianBase) Satisfies(b spec.DebianBase, reqs []string) bool {
	if lb.Recipe != DebianRecipe(b, lb.Requirements) {
		return false
	}
	have := map[string]bool{}
	for _, r := range lb.Requirements {
		have[r] = true
	}
	for _, r := range reqs {
		if !have[r] {
			return false
		}
	}
	return true
}

// SortedUnique returns a sorted copy of names without duplicates; nil when there are none.
func SortedUnique(names []string) []string {
	if len(names) == 0 {
		return nil
	}
	out := append([]string{}, names...)
	sort.Strings(out)
	k := 0
	for i, n := range out {
		if i == 0 || n != out[k-1] {
			out[k] = n
			k++
		}
	}
	return out[:k]
}
