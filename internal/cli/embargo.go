package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/embargo"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/push"
	"github.com/mwedition/mwedition/internal/spec"
)

// publishTargets are the destinations one publish names.
type publishTargets struct {
	out, apt, dnf, registry string
	insecure                bool
	editions                []string // --edition: the editions pushed to the registry
}

// checkEmbargo refuses, before anything is written, a publish that would send embargoed
// work (as the build's manifest.json and image layout record it) to a target no
// private_target declares. The recipes are read only for their private targets.
func (g *globals) checkEmbargo(t publishTargets) error {
	eds, err := embargoedEditions(t.out)
	if err != nil || len(eds) == 0 {
		return err
	}
	p, diags := load.Dir(g.dir)
	if len(p.Files) == 0 {
		diags = nil // no project: nothing is declared private
	}
	if diags.HasErrors() {
		g.diagnostics(p, diags)
		return fmt.Errorf("the build holds embargoed patches, and the recipes that would declare its private targets are invalid")
	}
	private := p.Set.PrivateTargets()
	root, err := filepath.Abs(g.dir)
	if err != nil {
		return err
	}
	for _, d := range []struct{ flag, dir string }{{"--apt", t.apt}, {"--dnf", t.dnf}} {
		if d.dir == "" {
			continue
		}
		abs, err := filepath.Abs(d.dir)
		if err != nil {
			return err
		}
		if err := embargo.CheckDirectory(abs, root, eds, private); err != nil {
			return explainEmbargo(err, "directory", abs, private)
		}
	}
	if t.registry == "" {
		return nil
	}
	target, err := push.ParseTarget(t.registry, t.insecure)
	if err != nil {
		return usageError{err}
	}
	repos, err := pushedRepositories(filepath.Join(t.out, outdir.OCI), target, t.editions)
	if err != nil {
		return err
	}
	if err := embargo.CheckRegistry(target.String(), repos, withLayoutMarks(eds, filepath.Join(t.out, outdir.OCI)), private); err != nil {
		return explainEmbargo(err, "registry", target.String(), private)
	}
	return nil
}

// embargoedEditions are the editions out/manifest.json marks embargoed; none when there
// is no manifest (publishing then fails for want of a build, or judges the image layout).
func embargoedEditions(out string) ([]embargo.Edition, error) {
	b, err := os.ReadFile(filepath.Join(out, outdir.Manifest))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	var m build.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(out, outdir.Manifest), err)
	}
	var eds []embargo.Edition
	for _, e := range m.Editions {
		if e.Embargoed || len(e.EmbargoedPatches) > 0 {
			eds = append(eds, embargo.Edition{Name: e.Name, Patches: e.EmbargoedPatches})
		}
	}
	return eds, nil
}

// withLayoutMarks adds the editions whose images the layout itself marks embargoed, for
// a layout copied without its manifest.json.
func withLayoutMarks(eds []embargo.Edition, dir string) []embargo.Edition {
	l, err := push.ReadLayout(dir)
	if err != nil {
		return eds
	}
	for _, r := range l.Refs {
		if r.Desc.Annotations[outdir.AnnotationEmbargoed] != "true" || slices.ContainsFunc(eds, func(e embargo.Edition) bool { return e.Name == r.Edition }) {
			continue
		}
		var ps []embargo.Patch
		for _, f := range strings.Split(r.Desc.Annotations[outdir.AnnotationEmbargoedPatches], ",") {
			ps = append(ps, embargo.Patch{File: f})
		}
		eds = append(eds, embargo.Edition{Name: r.Edition, Patches: ps})
	}
	return eds
}

// pushedRepositories maps each edition a push would send to its repository; none when
// there is no layout to push (the push itself then says so).
func pushedRepositories(dir string, target push.Target, only []string) (map[string]string, error) {
	l, err := push.ReadLayout(dir)
	if err != nil {
		return nil, nil
	}
	repos := map[string]string{}
	for _, e := range l.Editions() {
		if len(only) > 0 && !slices.Contains(only, e) {
			continue
		}
		r, err := target.Repository(e)
		if err != nil {
			return nil, err
		}
		repos[e] = r.Name()
	}
	return repos, nil
}

// explainEmbargo adds to a refusal how to declare the target private.
func explainEmbargo(err error, attr, location string, private []spec.PrivateTarget) error {
	hint := fmt.Sprintf("if this target is restricted to those who may see the fixes before they are public, declare it in a recipe (recipes/*.hcl) and publish again:\n"+
		"  private_target \"embargoed\" {\n    %s = %q\n  }", attr, location)
	var names []string
	for _, t := range private {
		names = append(names, fmt.Sprintf("%s (%s)", t.Name, t.Location()))
	}
	if len(names) > 0 {
		hint += "\nprivate targets declared: " + strings.Join(names, ", ")
	}
	hint += "\nonce the fixes are public, set embargoed = false on their patch blocks, then lock and build again"
	return fmt.Errorf("%w\n%s", err, hint)
}
