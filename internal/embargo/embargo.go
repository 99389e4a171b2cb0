// Package embargo decides whether a build holding embargoed patches (fixes not public yet)
// may be published to a target: only to the directories and registry repositories a
// private_target block declares. It judges what a build's manifest says it holds, and
// never reads the recipes' patches itself, so a stale or copied output directory is judged
// by what it contains.
package embargo

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// Patch is an embargoed patch some artifact contains, as out/manifest.json records it.
type Patch struct {
	File       string   `json:"file"` // relative to the project root
	SHA256     string   `json:"sha256"`
	CVEs       []string `json:"cves,omitempty"`
	Components []string `json:"components"` // the components it touched, sorted
}

// Collect adds to ps the embargoed ones of a component's locked patches (applied or
// already applied: either way the component is what the embargo covers), keeping ps
// sorted by file and each patch once.
func Collect(ps []Patch, component string, locked []lock.Patch) []Patch {
	for _, lp := range locked {
		if !lp.Embargoed {
			continue
		}
		i := sort.Search(len(ps), func(i int) bool { return ps[i].File >= lp.File })
		if i == len(ps) || ps[i].File != lp.File {
			ps = append(ps[:i], append([]Patch{{File: lp.File, SHA256: lp.SHA256}}, ps[i:]...)...)
		}
		p := &ps[i]
		p.CVEs = union(p.CVEs, lp.CVEs)
		p.Components = union(p.Components, []string{component})
	}
	return ps
}

func union(a, b []string) []string {
	out := append([]string(nil), a...)
	for _, s := range b {
		if i := sort.SearchStrings(out, s); i == len(out) || out[i] != s {
			out = append(out[:i], append([]string{s}, out[i:]...)...)
		}
	}
	return out
}

// Files are the patches' files, in order.
func Files(ps []Patch) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.File
	}
	return out
}

// Edition is an edition of a build and the embargoed patches it holds.
type Edition struct {
	Name    string
	Patches []Patch
}

// RefusedError is a publish refused because embargoed work would reach a target that no
// private_target declares.
type RefusedError struct {
	Target   string    // the directory, or the repositories' common prefix
	Registry bool      // whether Target is a registry prefix
	Editions []Edition // the embargoed editions that would have reached it, sorted by name
}

func (e *RefusedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "refusing to publish embargoed work to %s, which no private_target declares:", e.Target)
	for _, ed := range e.Editions {
		fmt.Fprintf(&b, "\n  edition %s holds", ed.Name)
		for i, p := range ed.Patches {
			if i > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, " %s", p.File)
			if len(p.CVEs) > 0 {
				fmt.Fprintf(&b, " (%s)", strings.Join(p.CVEs, ", "))
			}
		}
	}
	return b.String()
}

// CheckDirectory says whether the embargoed editions may be published into the
// repository directory dir (absolute), given the private targets declared in the project
// rooted at root (absolute). Every edition of a build reaches the repository, so any
// embargoed one is refused unless dir is declared.
func CheckDirectory(dir, root string, embargoed []Edition, private []spec.PrivateTarget) error {
	if len(embargoed) == 0 || DirectoryDeclared(dir, root, private) {
		return nil
	}
	return &RefusedError{Target: filepath.Clean(dir), Editions: sorted(embargoed)}
}

// DirectoryDeclared says whether a private target names the directory dir (absolute): by
// its cleaned path, a relative one being the project directory's.
func DirectoryDeclared(dir, root string, private []spec.PrivateTarget) bool {
	for _, t := range private {
		if t.Directory == "" {
			continue
		}
		d := filepath.FromSlash(t.Directory)
		if !filepath.IsAbs(d) {
			d = filepath.Join(root, d)
		}
		if filepath.Clean(d) == filepath.Clean(dir) {
			return true
		}
	}
	return false
}

// CheckRegistry says whether the embargoed editions may be pushed to the registry: each
// to its repository (repos maps an edition's name to it, HOST[:PORT]/PATH), which a
// private target must cover. target names the destination in the refusal.
func CheckRegistry(target string, repos map[string]string, embargoed []Edition, private []spec.PrivateTarget) error {
	var refused []Edition
	for _, ed := range embargoed {
		repo, ok := repos[ed.Name]
		if ok && !RepositoryDeclared(repo, private) {
			refused = append(refused, ed)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	return &RefusedError{Target: target, Registry: true, Editions: sorted(refused)}
}

// RepositoryDeclared says whether a private target's registry prefix covers the
// repository: the same repository or one below it, on a "/" boundary, compared as the
// registry client names them (host in lower case, docker.io's canonical host).
func RepositoryDeclared(repo string, private []spec.PrivateTarget) bool {
	r := canonical(repo)
	for _, t := range private {
		if t.Registry == "" {
			continue
		}
		p := canonical(strings.TrimSuffix(t.Registry, "/"))
		if r == p || strings.HasPrefix(r, p+"/") {
			return true
		}
	}
	return false
}

// canonical is a repository or prefix with its host as the registry client names it (in
// lower case, docker.io's canonical host), or as given if that is not a host.
func canonical(repo string) string {
	host, path, _ := strings.Cut(repo, "/")
	r, err := name.NewRegistry(strings.ToLower(host))
	if err != nil {
		return repo
	}
	return r.Name() + "/" + path
}

func sorted(eds []Edition) []Edition {
	out := append([]Edition(nil), eds...)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
