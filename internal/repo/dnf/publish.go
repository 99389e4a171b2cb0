package dnf

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ProtonMail/go-crypto/openpgp"

	"github.com/mwedition/mwedition/internal/repo"
)

// PoolDir is where package files are placed in the repository: pool/<file>.rpm, each file
// under its own name, never changed once published.
const PoolDir = "pool"

// DefaultVersions is how many versions of each package stay listed when
// PublishOptions.Versions is 0: the new one and two to go back to.
const DefaultVersions = 3

// PublishOptions tune Publish.
type PublishOptions struct {
	Options
	// Versions is how many versions of each package name the repository lists: the newest,
	// counting those of earlier publishes. 0 means DefaultVersions.
	Versions int
	// Generations is how many superseded metadata generations stay reachable for clients
	// that read an older repomd.xml (repo.PublishOptions.Keep).
	Generations int
	// Progress, if set, hears of each step: "read" (a package's header), then repo.Publish's.
	Progress func(repo.Event)
}

// Result says what a publish did.
type Result struct {
	repo.Result
	Time     time.Time // repomd.xml's revision and timestamps
	Packages []string  // locations the repository lists now, sorted
	New      []string  // of those, the ones no earlier publish listed
	Dropped  []string  // locations earlier publishes listed that retention dropped
}

// Publish adds the .rpm files rpms to the dnf repository at dir (created if needed): it
// takes the repository's lock, reads what the served metadata lists, keeps the newest
// Versions of each package name among those and the new ones, and serves metadata for
// them as a new generation (repo.Repo.Publish). The repository's time is Options.Time, or
// else the newest package's build time, and never earlier than the served revision.
// Publishing the same files again changes nothing. What the .repo file promises is checked
// first: a repository served with another key (*KeyChangeError), or one that would list a
// package its key did not sign (*UnsignedError), is refused and left as it was.
func Publish(ctx context.Context, dir string, rpms []string, opt PublishOptions) (Result, error) {
	var res Result
	versions := opt.Versions
	if versions == 0 {
		versions = DefaultVersions
	}
	progress := opt.Progress
	if progress == nil {
		progress = func(repo.Event) {}
	}
	r, err := repo.Open(ctx, dir, opt.Progress)
	if err != nil {
		return res, err
	}
	defer r.Close()

	keys, err := repositoryKey(r, opt.Options)
	if err != nil {
		return res, err
	}
	served, err := ReadServed(r.ReadFile)
	published := served.Packages
	if err != nil {
		return res, fmt.Errorf("dnf repository %s: %w", r.Dir(), err)
	}
	in := &inputs{src: map[string]string{}, signing: map[string]Signing{}, served: map[string]bool{}, keys: keys}
	if err := in.readNew(ctx, rpms, progress); err != nil {
		return res, err
	}
	if err := in.readPublished(r, published); err != nil {
		return res, err
	}
	all, src := in.all, in.src
	kept := Keep(all, versions)
	if err := in.checkSigned(kept, opt.Signer.Fingerprint()); err != nil {
		return res, err
	}
	pool := make([]repo.PoolFile, 0, len(kept))
	for _, p := range kept {
		pool = append(pool, repo.PoolFile{Path: p.Href, Src: src[p.Href]})
	}
	res.Packages, res.New, res.Dropped = listings(kept, published)

	mopt := opt.Options
	if mopt.Time.IsZero() {
		for _, p := range kept {
			mopt.Time = later(mopt.Time, time.Unix(p.BuildTime, 0))
		}
	}
	mopt.Time = later(mopt.Time, served.Revision).UTC().Truncate(time.Second)
	res.Time = mopt.Time
	meta, err := Metadata(kept, mopt)
	if err != nil {
		return res, err
	}
	res.Result, err = r.Publish(ctx, pool, meta, repo.PublishOptions{Keep: opt.Generations, Retain: Retain, Progress: opt.Progress})
	return res, err
}

// inputs are the packages a publish considers, the new ones and those the repository
// lists already, with where each is read from and how it is signed, by pool location.
type inputs struct {
	all     []Package
	src     map[string]string  // href -> local file
	signing map[string]Signing // href -> its signatures, checked against keys
	served  map[string]bool    // hrefs read from the pool: published earlier
	keys    openpgp.EntityList // the repository's key
}

func (in *inputs) add(p Package, sg Signing, file string, served bool) {
	in.all = append(in.all, p)
	in.src[p.Href], in.signing[p.Href], in.served[p.Href] = file, sg, served
}

// readNew reads the packages to publish, by their pool locations.
func (in *inputs) readNew(ctx context.Context, rpms []string, progress func(repo.Event)) error {
	for i, f := range rpms {
		if err := ctx.Err(); err != nil {
			return err
		}
		href := PoolDir + "/" + filepath.Base(f)
		if !strings.HasSuffix(href, ".rpm") {
			return fmt.Errorf("%s: not an .rpm file", f)
		}
		if prev, ok := in.src[href]; ok {
			return fmt.Errorf("%s and %s have the same name; the pool holds one file per name", prev, f)
		}
		p, sg, err := readPackage(f, href, in.keys)
		if err != nil {
			return err
		}
		in.add(p, sg, f, false)
		progress(repo.Event{Step: "read", Path: f, Done: i + 1, Total: len(rpms)})
	}
	return nil
}

// readPublished adds the served packages the new ones do not replace, each read back from
// the pool and checked against the served metadata. A new package at a published location
// must have the same bytes: published packages never change.
func (in *inputs) readPublished(r *repo.Repo, published []Published) error {
	newSum := map[string]string{}
	for _, p := range in.all {
		newSum[p.Href] = p.Checksum
	}
	for _, pub := range published {
		if sum, ok := newSum[pub.Href]; ok {
			if sum != pub.Checksum {
				return fmt.Errorf("%s is already published with other bytes, and published packages never change: give the new build a new version or release (%s)", pub.Href, in.src[pub.Href])
			}
			continue
		}
		if path.Clean(pub.Href) != pub.Href || !strings.HasPrefix(pub.Href, PoolDir+"/") {
			return fmt.Errorf("dnf repository %s: the served metadata lists %q, outside %s/", r.Dir(), pub.Href, PoolDir)
		}
		p, sg, err := readPackage(r.Path(pub.Href), pub.Href, in.keys)
		if err != nil {
			return fmt.Errorf("dnf repository %s: a published package: %w", r.Dir(), err)
		}
		if p.Checksum != pub.Checksum {
			return fmt.Errorf("dnf repository %s: %s no longer has the checksum its metadata gives", r.Dir(), pub.Href)
		}
		in.add(p, sg, r.Path(pub.Href), true)
	}
	return nil
}

// listings are the locations the repository lists after a publish, those of them no
// earlier publish listed, and the published ones retention dropped, each sorted.
func listings(kept []Package, published []Published) (packages, added, dropped []string) {
	listed, before := map[string]bool{}, map[string]bool{}
	for _, p := range kept {
		listed[p.Href] = true
		packages = append(packages, p.Href)
	}
	for _, pub := range published {
		before[pub.Href] = true
		if !listed[pub.Href] {
			dropped = append(dropped, pub.Href)
		}
	}
	for _, h := range packages {
		if !before[h] {
			added = append(added, h)
		}
	}
	slices.Sort(packages)
	slices.Sort(added)
	slices.Sort(dropped)
	return packages, added, dropped
}
