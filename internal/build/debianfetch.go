package build

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/debarchive"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/format"
	"github.com/mwedition/mwedition/internal/lock"
)

const kindDeb = "debian.fetch"

// debFetched is what a .deb fetch made: the blob, by SHA-256, in the store.
type debFetched struct {
	SHA256 string `json:"sha256"`
}

// FetchDebianBases makes sure every .deb the lock's Debian bases pin is in the cache,
// fetching the missing ones from their archives, at most o.Jobs at once, each checked
// against its pinned size and SHA-256. A rebuild needs nothing else of the network.
func FetchDebianBases(ctx context.Context, o Options, bases []lock.DebianBase) (engine.Report, error) {
	acts := o.debActions(bases)
	if len(acts) == 0 {
		return engine.Report{}, nil
	}
	opts, err := o.engineOptions()
	if err != nil {
		return engine.Report{}, err
	}
	return engine.Run(ctx, acts, opts...)
}

func (l *locker) fetchDebs(ctx context.Context, bases []lock.DebianBase) error {
	rep, err := FetchDebianBases(ctx, l.o, bases)
	l.merge(rep)
	return err
}

// debActions are one fetch per pinned .deb, shared by the bases that pin the same one.
func (o Options) debActions(bases []lock.DebianBase) []engine.Action {
	var acts []engine.Action
	seen := map[string]bool{}
	for _, b := range bases {
		for _, p := range b.Packages {
			k := format.Key(kindDeb, p)
			if seen[k] {
				continue
			}
			seen[k] = true
			acts = append(acts, o.debAction(b.Name, p, k))
		}
	}
	return acts
}

func (o Options) debAction(base string, p lock.DebPackage, k string) engine.Action {
	pin := debarchive.Pin{Name: p.Name, Version: p.Version, Architecture: p.Architecture, Filename: p.Filename, Size: p.Size, SHA256: p.SHA256}
	return engine.Action{
		ID: "deb/" + pin.String(), Kind: kindDeb, Key: k, Label: "fetch " + pin.String(),
		Where: "debian_base " + base,
		Valid: format.Valid(func(d debFetched) bool { return o.store().HasBlob(d.SHA256) }),
		Run: func(ctx context.Context, _ engine.Inputs) (engine.Outcome, error) {
			if err := o.fetchDeb(ctx, base, p, pin); err != nil {
				return engine.Outcome{}, err
			}
			return format.Encode(debFetched{SHA256: p.SHA256}, p.Size)
		},
	}
}

// fetchDeb brings one pinned .deb into the store and checks it there: the store keeps
// blobs by SHA-256, and VerifyDeb checks the size too, which a lock edited by hand may
// have got wrong.
func (o Options) fetchDeb(ctx context.Context, base string, p lock.DebPackage, pin debarchive.Pin) error {
	where := fmt.Sprintf("debian_base %q: suite %s of %s: package %s %s", base, orUnknown(p.Suite), p.Archive, p.Name, p.Version)
	if err := pin.Check(); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	u := strings.TrimSuffix(p.Archive, "/") + "/" + p.Filename
	if err := o.Fetcher.EnsureBlob(ctx, "debian_base/"+base, u, p.SHA256); err != nil {
		// The source package does not type HTTP statuses; a 404 is what a pool says of a
		// version a point release has removed.
		if strings.Contains(err.Error(), "HTTP 404") {
			return fmt.Errorf("%s: %s is gone from the archive (a newer version replaced it); run `mwedition lock --update %s` to pin the base's packages again: %w",
				where, pin, debianUpdate(base), err)
		}
		return fmt.Errorf("%s: %w", where, err)
	}
	f, err := os.Open(o.store().Path(cache.BlobRel(p.SHA256)))
	if err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	defer f.Close()
	if err := debarchive.VerifyDeb(pin, f); err != nil {
		return fmt.Errorf("%s: %w", where, err)
	}
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// debianRoots are the cache entries of the lock's Debian bases: every pinned .deb.
func debianRoots(lk lock.File) []string {
	var out []string
	for _, b := range lk.DebianBases {
		for _, p := range b.Packages {
			out = append(out, cache.BlobRel(p.SHA256))
		}
	}
	return out
}
