package build

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/debarchive"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// debianIndex is the one Packages index a base is resolved from, per suite: images are
// amd64, and Debian's main holds everything a MediaWiki root needs.
const debianIndex = "main/binary-amd64/Packages.xz"

// debianUpdate is how `lock --update` names a base: debian:NAME, as an image output does.
func debianUpdate(name string) string { return spec.DebianBasePrefix + name }

// debianBases locks every declared debian_base. A base whose lock entry still matches its
// block and g's requirements keeps its pins, reading nothing from the network unless a
// pinned .deb is missing from the cache (and then only when online: offline, the pins are
// kept as they are); any other is resolved and pinned afresh.
func (l *locker) debianBases(ctx context.Context, g resolve.Graph, lf lock.File) (lock.File, hcl.Diagnostics) {
	var bases []lock.DebianBase
	var diags hcl.Diagnostics
	for _, b := range l.set.DebianBases() {
		reqs := resolve.DebianRequirements(g, b.Name)
		lb, err := l.debianBase(ctx, b, reqs)
		if err != nil {
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Cannot lock Debian base",
				Detail: err.Error(), Subject: b.DeclRange.Ptr()})
			continue
		}
		bases = append(bases, lb)
	}
	if diags.HasErrors() {
		return lf, diags
	}
	return lf.WithDebianBases(bases), nil
}

func (l *locker) debianBase(ctx context.Context, b spec.DebianBase, reqs []string) (lock.DebianBase, error) {
	recipe := lock.DebianRecipe(b, reqs)
	if prev, ok := l.prev.DebianBase(b.Name); ok && prev.Satisfies(b, reqs) && !l.update[debianUpdate(b.Name)] {
		if l.o.Fetcher.Offline {
			return prev, nil // the pins are all the lock needs; fetch and build bring the .debs
		}
		return prev, l.fetchDebs(ctx, []lock.DebianBase{prev})
	}
	if l.o.Fetcher.Offline {
		return lock.DebianBase{}, fmt.Errorf("debian_base %q: it is not locked as its block asks, and resolving it reads the archive's indexes: %w", b.Name, source.ErrOffline)
	}
	kr, err := l.debianKeyring(b)
	if err != nil {
		return lock.DebianBase{}, err
	}
	suites, err := l.debianSuites(ctx, b, kr)
	if err != nil {
		return lock.DebianBase{}, err
	}
	installs, err := l.resolveDebian(ctx, b, suites, reqs)
	if err != nil {
		return lock.DebianBase{}, err
	}
	lb := lock.DebianBase{Name: b.Name, Recipe: recipe, Requested: lock.SortedUnique(b.Packages),
		Requirements: lock.SortedUnique(reqs), Keyring: b.Keyring}
	for _, s := range suites {
		lb.Suites = append(lb.Suites, s.lock)
		lb.Time = max(lb.Time, s.lock.Date)
	}
	if lb.Packages, err = pinInstalls(b.Name, suites, installs); err != nil {
		return lock.DebianBase{}, err
	}
	lb = lock.File{}.WithDebianBases([]lock.DebianBase{lb}).DebianBases[0]
	return lb, l.fetchDebs(ctx, []lock.DebianBase{lb})
}

// debianKeyring reads the keyring a base's suites must be signed with.
func (l *locker) debianKeyring(b spec.DebianBase) (signature.Keyring, error) {
	p := b.Keyring
	if !path.IsAbs(p) {
		p = filepath.Join(l.o.Root, filepath.FromSlash(p))
	}
	f, err := os.Open(p)
	if err != nil {
		return signature.Keyring{}, fmt.Errorf("debian_base %q: keyring: %w", b.Name, err)
	}
	defer f.Close()
	kr, err := signature.ReadKeyring(f)
	if err != nil {
		return signature.Keyring{}, fmt.Errorf("debian_base %q: keyring %s: %w", b.Name, b.Keyring, err)
	}
	return kr, nil
}

// debianSuite is one suite as the lock trusted it: its verified InRelease, and its
// Packages index, checked against it, both as fetched, for apt to read again.
type debianSuite struct {
	lock      lock.DebianSuite
	inRelease []byte
	index     []byte
	packages  []debarchive.Package
}

// debianSuites fetches and verifies each suite's InRelease and Packages index, in the
// block's order, which is apt's order of preference.
func (l *locker) debianSuites(ctx context.Context, b spec.DebianBase, kr signature.Keyring) ([]debianSuite, error) {
	now := time.Unix(0, 0)
	if l.o.Now != nil {
		now = l.o.Now()
	}
	var out []debianSuite
	for _, src := range b.Sources {
		for _, suite := range src.Suites {
			s, err := l.debianSuite(ctx, kr, now, src.URL, suite)
			if err != nil {
				return nil, fmt.Errorf("debian_base %q: suite %s of %s: %w", b.Name, suite, src.URL, err)
			}
			out = append(out, s)
		}
	}
	return out, nil
}

func (l *locker) debianSuite(ctx context.Context, kr signature.Keyring, now time.Time, archive, suite string) (debianSuite, error) {
	dists := archive + "/dists/" + suite + "/"
	msg, err := l.o.Fetcher.Read(ctx, dists+"InRelease")
	if err != nil {
		return debianSuite{}, err
	}
	rel, err := debarchive.VerifyInRelease(kr, msg, now, suite+" InRelease")
	if err != nil {
		return debianSuite{}, err
	}
	if rel.Codename != suite {
		return debianSuite{}, fmt.Errorf("its InRelease names codename %q: name suites by codename, which does not move when a release becomes oldstable", rel.Codename)
	}
	h, ok := rel.Files[debianIndex]
	if !ok {
		return debianSuite{}, fmt.Errorf("its InRelease lists no %s", debianIndex)
	}
	at := debianIndex
	if rel.AcquireByHash {
		at = debarchive.ByHashPath(debianIndex, h)
	}
	data, err := l.o.Fetcher.Read(ctx, dists+at)
	if err != nil {
		return debianSuite{}, err
	}
	pkgs, err := debarchive.ReadPackagesIndex(rel, debianIndex, bytes.NewReader(data))
	if err != nil {
		return debianSuite{}, err
	}
	return debianSuite{
		lock:      lock.DebianSuite{Archive: archive, Suite: suite, Date: rel.Date.Unix(), Signer: rel.Signer},
		inRelease: msg, index: data, packages: pkgs,
	}, nil
}

// pinInstalls pins each package apt chose, from the first suite (in apt's order of
// preference) whose verified index holds that name, version and architecture.
func pinInstalls(base string, suites []debianSuite, installs []AptInstall) ([]lock.DebPackage, error) {
	type id struct{ name, version, arch string }
	found := map[id]lock.DebPackage{}
	for i := len(suites) - 1; i >= 0; i-- { // earlier suites overwrite later ones
		s := suites[i]
		for _, p := range s.packages {
			found[id{p.Package, p.Version, p.Architecture}] = lock.DebPackage{Name: p.Package, Version: p.Version,
				Architecture: p.Architecture, Archive: s.lock.Archive, Suite: s.lock.Suite, Filename: p.Filename, Size: p.Size, SHA256: p.SHA256}
		}
	}
	var out []lock.DebPackage
	var missing []string
	for _, in := range installs {
		p, ok := found[id{in.Name, in.Version, in.Architecture}]
		if !ok {
			missing = append(missing, fmt.Sprintf("%s %s (%s)", in.Name, in.Version, in.Architecture))
			continue
		}
		out = append(out, p)
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("debian_base %q: apt chose packages that no verified index lists: %s", base, strings.Join(missing, ", "))
	}
	if len(out) == 0 {
		return nil, errors.New("debian_base " + base + ": apt chose no package at all")
	}
	return out, nil
}
