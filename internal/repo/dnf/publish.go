package dnf

import (
	"context"
	"fmt"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

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
// Publishing the same files again changes nothing.
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

	served, err := ReadServed(r.ReadFile)
	published := served.Packages
	if err != nil {
		return res, fmt.Errorf("dnf repository %s: %w", r.Dir(), err)
	}
	all, src, err := readNew(ctx, rpms, progress)
	if err != nil {
		return res, err
	}
	if all, err = readPublished(r, published, all, src); err != nil {
		return res, err
	}
	kept := Keep(all, versions)
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

// readNew reads the packages to publish, by their pool locations; src maps each location
// to the file it is copied from.
func readNew(ctx context.Context, rpms []string, progress func(repo.Event)) ([]Package, map[string]string, error) {
	src := map[string]string{} // href -> local file
	var all []Package
	for i, f := range rpms {
		if err := ctx.Err(); err != nil {
			return nil, nil, err
		}
		href := PoolDir + "/" + filepath.Base(f)
		if !strings.HasSuffix(href, ".rpm") {
			return nil, nil, fmt.Errorf("%s: not an .rpm file", f)
		}
		if prev, ok := src[href]; ok {
			return nil, nil, fmt.Errorf("%s and %s have the same name; the pool holds one file per name", prev, f)
		}
		p, err := ReadPackage(f, href)
		if err != nil {
			return nil, nil, err
		}
		src[href] = f
		all = append(all, p)
		progress(repo.Event{Step: "read", Path: f, Done: i + 1, Total: len(rpms)})
	}
	return all, src, nil
}

// readPublished adds the served packages the new ones do not replace to all and src,
// each read back from the pool and checked against the served metadata. A new package
// at a published location must have the same bytes: published packages never change.
func readPublished(r *repo.Repo, published []Published, all []Package, src map[string]string) ([]Package, error) {
	newSum := map[string]string{}
	for _, p := range all {
		newSum[p.Href] = p.Checksum
	}
	for _, pub := range published {
		if sum, ok := newSum[pub.Href]; ok {
			if sum != pub.Checksum {
				return nil, fmt.Errorf("%s is already published with other bytes, and published packages never change: give the new build a new version or release (%s)", pub.Href, src[pub.Href])
			}
			continue
		}
		if path.Clean(pub.Href) != pub.Href || !strings.HasPrefix(pub.Href, PoolDir+"/") {
			return nil, fmt.Errorf("dnf repository %s: the served metadata lists %q, outside %s/", r.Dir(), pub.Href, PoolDir)
		}
		p, err := ReadPackage(r.Path(pub.Href), pub.Href)
		if err != nil {
			return nil, fmt.Errorf("dnf repository %s: a published package: %w", r.Dir(), err)
		}
		if p.Checksum != pub.Checksum {
			return nil, fmt.Errorf("dnf repository %s: %s no longer has the checksum its metadata gives", r.Dir(), pub.Href)
		}
		src[pub.Href] = r.Path(pub.Href)
		all = append(all, p)
	}
	return all, nil
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
