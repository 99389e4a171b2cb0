package bump

import (
	"context"
	"fmt"
	"slices"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

// core is the edits moving a core's tarball source to release r.Version. Without a
// sha256 the tarball is downloaded first and its digest taken (res.Computed); either way
// the lock then checks the bytes against it, and the signature against the keyring.
func (res *Result) core(ctx context.Context, o build.Options, c spec.Component, r Request) ([]Edit, error) {
	s := c.Source
	if s.Kind != spec.Tarball {
		return nil, fmt.Errorf("%s: its source is %s, not a release tarball: bump core moves tarball sources only", c.ID(), s.Kind)
	}
	if r.Version == c.Version && r.URL == "" && r.SHA256 == "" && r.Signature == "" {
		return nil, fmt.Errorf("%s is already at %s", c.ID(), r.Version)
	}
	res.From, res.To = c.Version, r.Version
	url, err := given(r.URL, s.URL, c.Version, r.Version, "--url")
	if err != nil {
		return nil, err
	}
	block := []Block{{string(c.Kind), []string{c.Name}}, {"source", []string{string(s.Kind)}}}
	edits := []Edit{{Path: block[:1], Attr: "version", Value: r.Version}, {Path: block, Attr: "url", Value: url}}
	if r.Signature != "" || s.Signature != "" {
		sig, err := given(r.Signature, s.Signature, c.Version, r.Version, "--signature")
		if err != nil {
			return nil, err
		}
		edits = append(edits, Edit{Path: block, Attr: "signature", Value: sig})
	}
	sha := r.SHA256
	if sha == "" {
		if sha, err = o.Fetcher.Download(ctx, url); err != nil {
			return nil, fmt.Errorf("%s: %w", c.ID(), err)
		}
		res.Computed = sha
	}
	return append(edits, Edit{Path: block, Attr: "sha256", Value: sha}), nil
}

// given is a flag's value, or the recipe's old one with the version replaced.
func given(flag, old, prev, next, name string) (string, error) {
	if flag != "" {
		return flag, nil
	}
	u, err := DeriveURL(old, prev, next)
	if err != nil {
		return "", fmt.Errorf("%w: give it with %s", err, name)
	}
	return u, nil
}

// ref is the edit moving an extension's or skin's git source to r.Ref.
func (res *Result) ref(c spec.Component, r Request) ([]Edit, error) {
	s := c.Source
	switch {
	case s.Kind == spec.Bundled:
		return nil, fmt.Errorf("%s is bundled in core %q: it moves with its core (mwedition bump core VERSION)", c.ID(), s.Core)
	case s.Kind != spec.Git:
		return nil, fmt.Errorf("%s: its source is %s, not git: only a git source has a ref to move", c.ID(), s.Kind)
	case r.Ref == s.Ref:
		return nil, fmt.Errorf("%s already follows ref %s (to move it to what %s names now: mwedition lock --update %s)", c.ID(), s.Ref, s.Ref, c.Name)
	}
	res.From, res.To = s.Ref, r.Ref
	return []Edit{{Path: []Block{{string(c.Kind), []string{c.Name}}, {"source", []string{"git"}}}, Attr: "ref", Value: r.Ref}}, nil
}

// editions adds the edits raising the version of every edition the lock records as
// holding the component, and says so in res.Editions. An edition without a version of
// its own takes its parent's.
func (res *Result) editions(p load.Project, prev lock.File, r Request, byFile map[string][]Edit) error {
	prevCore, nextCore := "", ""
	if r.Kind == spec.Core {
		prevCore, nextCore = res.From, res.To
	}
	if le := lineEdits(p, prevCore, nextCore); len(le) > 0 {
		byFile[spec.LineFileName] = append(byFile[spec.LineFileName], le...)
	}
	raised := map[string]bool{} // line variables already raised
	for _, e := range p.Set.Editions() {
		rec, ok := prev.Edition(e.Name)
		if !ok || !slices.Contains(rec.Members, res.Component) || e.VersionRange == e.DeclRange {
			continue
		}
		v := r.EditionVersion
		if v == "" {
			var err error
			if v, err = EditionVersion(e.Version, prevCore, nextCore); err != nil {
				return fmt.Errorf("edition %q: %w", e.Name, err)
			}
		}
		res.Editions = append(res.Editions, Moved{Name: e.Name, From: e.Version, To: v})
		if name, ok := lineVariable(p, e); ok {
			if !raised[name] {
				raised[name] = true
				byFile[spec.LineFileName] = append(byFile[spec.LineFileName], Edit{Path: lineBlock(p), Attr: name, Value: v})
			}
			continue
		}
		file := e.VersionRange.Filename
		byFile[file] = append(byFile[file], Edit{Path: []Block{{"edition", []string{e.Name}}}, Attr: "version", Value: v})
	}
	return nil
}
