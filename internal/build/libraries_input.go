package build

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/composer"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// input gathers an edition's composer requirements: every non-bundled member's
// composer.json merged as composer-merge-plugin merges them, core's vendor and
// composer.json, the members under their composer names, and the lowest PHP the
// edition's outputs target.
func (ll *libraryLocker) input(e resolve.Edition) (editionInput, error) {
	ei := editionInput{members: map[string]bool{}, in: composer.Input{
		CoreFile: "vendor/composer/installed.json",
		Platform: map[string]string{"composer-plugin-api": composer.ComposerPluginAPI, "composer-runtime-api": composer.ComposerRuntimeAPI},
	}}
	if php := lowestPHP(e.Outputs); php != "" {
		ei.in.Platform["php"] = php
	}
	for _, m := range e.Members {
		ei.members[m.ID] = true
		c, _ := ll.set.Component(m.ID)
		if c.Kind == spec.Core {
			if err := ll.core(&ei.in, c); err != nil {
				return ei, err
			}
			continue
		}
		if c.Source.Kind == spec.Bundled {
			continue
		}
		file := resolve.InstallDir(c.Kind, c.Name) + "/composer.json"
		b, err := ll.readFile(m.ID, "composer.json")
		if err != nil || b == nil {
			if err != nil {
				return ei, fmt.Errorf("%s: %w", file, err)
			}
			continue
		}
		p, err := composer.ParseManifest(file, b)
		if err != nil {
			return ei, err
		}
		req, conflict := composer.Root(string(c.Kind)+" "+c.Name, p)
		req = ll.withoutInstallers(req)
		ei.in.Require = append(ei.in.Require, req...)
		ei.in.Conflict = append(ei.in.Conflict, conflict...)
		for _, r := range req {
			if !composer.IsPlatform(r.Target) {
				ei.needsLib = true
			}
		}
		if p.Name != "" {
			ei.in.Core = append(ei.in.Core, ll.asPackage(p.Name, m.ID))
		}
	}
	return ei, nil
}

// installers is the composer plugin MediaWiki extensions require so that composer puts
// them in extensions/<Name>: mwedition places them itself.
const installers = "composer/installers"

// withoutInstallers drops requirements on composer/installers when no composer repository
// is declared and no recipe provides it: nothing of it would be shipped (it is install-time
// code, and mwedition places extensions itself), so a project of extensions that need no
// library does not have to declare a repository for it. With a repository, it is resolved
// as composer resolves it, and locked as a plugin.
func (ll *libraryLocker) withoutInstallers(req []composer.Requirement) []composer.Requirement {
	if len(ll.repos) > 0 {
		return req
	}
	for _, lib := range ll.set.Libraries() {
		if lib.Name == installers {
			return req
		}
	}
	out := req[:0:0]
	for _, r := range req {
		if r.Target != installers {
			out = append(out, r)
		}
	}
	return out
}

// core reads core's vendor/composer/installed.json and composer.json, when it has them.
func (ll *libraryLocker) core(in *composer.Input, c spec.Component) error {
	b, err := ll.readFile(c.ID(), "vendor/composer/installed.json")
	if err != nil {
		return err
	}
	if b != nil {
		ps, err := composer.ParseInstalled(in.CoreFile, b)
		if err != nil {
			return err
		}
		in.Core = append(in.Core, ps...)
	}
	if b, err = ll.readFile(c.ID(), "composer.json"); err != nil || b == nil {
		return err
	}
	root, err := composer.ParseManifest("composer.json", b)
	if err != nil {
		return err
	}
	root.Version = c.Version
	if root.Norm, err = semver.ParseVersion(c.Version); err != nil {
		root.Version, root.Norm = "", semver.Version{}
	}
	in.CoreRoot = &root
	return nil
}

// asPackage is a member under its composer name, for libraries that require it.
func (ll *libraryLocker) asPackage(name, id string) composer.Package {
	p := composer.Package{Name: strings.ToLower(name), PrettyName: name, Type: "mediawiki-extension"}
	v := ll.done[id].Registry.Version
	if norm, err := semver.ParseVersion(v); err == nil {
		p.Version, p.Norm = v, norm
	}
	return p
}

// lowestPHP is the oldest PHP branch the edition's outputs target: composer must choose
// libraries every one of them runs.
func lowestPHP(outs []spec.Output) string {
	var best string
	var bestV semver.Version
	for _, o := range outs {
		php := o.PHP
		if php == "" {
			f, _ := spec.LookupOutputFormat(o.Format)
			php = f.DefaultPHP
		}
		v, err := semver.ParseVersion(php)
		if php == "" || err != nil {
			continue
		}
		if best == "" || semver.Compare(v, bestV) < 0 {
			best, bestV = php, v
		}
	}
	return best
}

// lockLibrary pins a chosen library: its dist archive is fetched into the cache (offline,
// it must be there) and recorded by sha256. A library the previous lock has at the same
// version and commit must still be those bytes.
func (ll *libraryLocker) lockLibrary(ctx context.Context, lib composer.Library, e resolve.Edition) (lock.Library, error) {
	if done, ok := ll.chosen[lib.Name]; ok {
		if done.Version != lib.Version {
			return lock.Library{}, fmt.Errorf("edition %s needs %s %s, but another edition has %s: editions share one lock entry per library", e.Name, lib.Name, lib.Version, done.Version)
		}
		return done, nil
	}
	out := lock.Library{Name: lib.Name, Version: lib.Version, Type: lib.Type, Licenses: lib.License, Plugin: lib.Plugin, Repository: ll.repositoryOf(ctx, lib)}
	for _, ls := range [][]composer.Link{lib.Require, lib.Platform} {
		for _, l := range ls {
			if out.Require == nil {
				out.Require = map[string]string{}
			}
			out.Require[l.Target] = l.Constraint.String()
		}
	}
	if src, ok := ll.fromRecipe[lib.Name]; ok {
		out.Repository, out.Source = recipeRepository, src
		return out, nil // in the cache already, pinned as a component's source is
	}
	if lib.Dist == nil {
		return out, fmt.Errorf("%s %s has no dist archive in %s; mwedition builds from archives only", lib.Name, lib.Version, out.Repository)
	}
	out.Source = lock.LibrarySource{Type: lib.Dist.Type, URL: lib.Dist.URL, Reference: lib.Dist.Reference, SHA256: strings.ToLower(lib.Dist.SHA256)}
	if lib.Plugin {
		return out, nil // install-time code: nothing of it is shipped, nothing to fetch
	}
	prev, ok := ll.prev.Library(lib.Name)
	if ok && prev.Version == lib.Version && prev.Source.Reference == out.Source.Reference && prev.Source.SHA256 != "" {
		if out.Source.SHA256 != "" && out.Source.SHA256 != prev.Source.SHA256 {
			return out, fmt.Errorf("repository %s gives sha256 %s for %s %s, but %s pins %s: the archive was replaced; run mwedition lock --update %s to accept it", out.Repository, out.Source.SHA256, lib.Name, lib.Version, lock.FileName, prev.Source.SHA256, lib.Name)
		}
		out.Source.SHA256 = prev.Source.SHA256
	}
	sha, err := ll.fetchDist(ctx, lib, out.Source.SHA256)
	out.Source.SHA256 = sha
	return out, err
}

// fetchDist brings a library's archive into the cache and returns its sha256, checking it
// against want (the repository's or the lock's) and composer's sha1 shasum.
func (ll *libraryLocker) fetchDist(ctx context.Context, lib composer.Library, want string) (string, error) {
	f := ll.o.Fetcher
	label := "composer library " + lib.Name + " " + lib.Version
	sha := want
	switch {
	case want != "" && f.Store.HasBlob(want):
	case f.Offline:
		if want == "" {
			return "", &source.Error{Component: label, Source: lib.Dist.URL, Err: fmt.Errorf("dist archive %w; run mwedition lock with network access", source.ErrOffline)}
		}
		return "", f.EnsureBlob(ctx, label, lib.Dist.URL, want)
	default:
		got, err := f.Download(ctx, lib.Dist.URL)
		if err != nil {
			return "", &source.Error{Component: label, Source: lib.Dist.URL, Err: err}
		}
		if want != "" && got != want {
			return got, &source.Error{Component: label, Source: lib.Dist.URL, Err: fmt.Errorf("the dist archive has sha256 %s, but %s pins %s: it was replaced upstream; run mwedition lock --update %s to accept it", got, lock.FileName, want, lib.Name)}
		}
		sha = got
	}
	data, err := os.ReadFile(ll.blobPath(sha))
	if err != nil {
		return sha, err
	}
	if _, err := composer.VerifyDist(lib.Name, composer.Dist{URL: lib.Dist.URL, Shasum: lib.Dist.Shasum}, data); err != nil {
		return sha, &source.Error{Component: label, Source: lib.Dist.URL, Err: err}
	}
	return sha, nil
}

// repositoryOf names the repository a library was chosen from: the first that has it, as
// composer's canonical repositories go; the lock, for a library kept at its locked version.
func (ll *libraryLocker) repositoryOf(ctx context.Context, lib composer.Library) string {
	if prev, ok := ll.prev.Library(lib.Name); ok && prev.Version == lib.Version && prev.Source.Reference == refOf(lib) {
		return prev.Repository
	}
	for _, r := range ll.repos {
		if ps, err := r.Versions(ctx, lib.Name, false); err == nil && len(ps) > 0 {
			return r.Name
		}
	}
	return ""
}

func refOf(lib composer.Library) string {
	if lib.Dist == nil {
		return ""
	}
	return lib.Dist.Reference
}

// resolveDiag turns a resolution failure into a diagnostic at the edition: composer.Error
// names the library, its requirers and their constraints; any other failure (a repository
// that cannot be read) is followed by the edition's requirements, so the extension and
// constraint are named either way.
func (ll *libraryLocker) resolveDiag(e resolve.Edition, in composer.Input, err error) hcl.Diagnostics {
	var ce *composer.Error
	if errors.As(err, &ce) {
		var by []string
		for _, r := range append(ce.Chain, ce.Requirers...) {
			by = append(by, r.By)
		}
		detail := err.Error()
		for _, lib := range ll.set.Libraries() {
			if lib.Name == ce.Library {
				detail += fmt.Sprintf("\n  %s %s comes from its library recipe (%s), which overrides the composer repositories", lib.Name, lib.Version, lib.DeclRange)
			}
		}
		if len(ll.repos) == 0 {
			detail += "\n  No composer_repository is declared in recipes/: declare the one that serves it (packagist.org too is searched only when declared), or write a library recipe for it"
		}
		return ll.diag(e, "Composer library "+ce.Library+" cannot be chosen", detail, by)
	}
	var b strings.Builder
	b.WriteString(err.Error())
	var by []string
	for _, r := range in.Require {
		if !composer.IsPlatform(r.Target) {
			b.WriteString("\n  " + r.String())
			by = append(by, r.By)
		}
	}
	return ll.diag(e, "Cannot choose composer libraries", b.String(), by)
}

// diag is an error about edition e, at the first of its extensions or skins among by
// ("extension OpenIDConnect"), else at the edition.
func (ll *libraryLocker) diag(e resolve.Edition, summary, detail string, by []string) hcl.Diagnostics {
	rng := e.Decl
	if se, ok := ll.set.Edition(e.Name); ok {
		refs := map[string]hcl.Range{}
		for _, r := range se.Extensions {
			refs["extension "+r.Name] = r.Range
		}
		for _, r := range se.Skins {
			refs["skin "+r.Name] = r.Range
		}
		for _, b := range by {
			if r, ok := refs[b]; ok {
				rng = r
				break
			}
		}
	}
	return hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: fmt.Sprintf("Edition %q: %s", e.Name, detail), Subject: rng.Ptr()}}
}
