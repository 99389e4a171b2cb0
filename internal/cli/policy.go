package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/policy"
)

// policyPath is the project's policy file: its own policy.hcl, or, for a release line
// without one, the policy of the project whose manifests it includes (the lines of one
// project answer to one security team).
func (g *globals) policyPath(p load.Project) string {
	own := filepath.Join(g.dir, policy.FileName)
	if _, err := os.Stat(own); err == nil || p.Line == nil || p.Line.Up() == 0 {
		return own
	}
	return filepath.Join(g.dir, strings.Repeat("../", p.Line.Up()), policy.FileName)
}

// readPolicy reads a policy file; nil, nil when an optional one (the project's) is absent.
// Its diagnostics are printed with its source lines, as the manifests' are.
func (g *globals) readPolicy(p *load.Project, path string, optional bool) (*policy.Policy, error) {
	src, err := os.ReadFile(path)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("reading the policy: %w", err)
	}
	name := g.rel(path)
	pol, diags := policy.Parse(src, name)
	g.withFile(p, name, src)
	if diags.HasErrors() {
		g.diagnostics(*p, diags)
		return nil, exitError{ExitFailure}
	}
	return pol, nil
}

// rel names a file as diagnostics do: relative to the project directory when below it.
func (g *globals) rel(path string) string {
	if r, err := filepath.Rel(g.dir, path); err == nil {
		return filepath.ToSlash(r)
	}
	return path
}

// withFile adds a file to those diagnostics quote lines from.
func (g *globals) withFile(p *load.Project, name string, src []byte) {
	if p.Files == nil {
		p.Files = map[string]*hcl.File{}
	}
	p.Files[name] = &hcl.File{Bytes: src}
}

// checkPolicy checks a build's output directory against a policy at a stage; the
// violations are printed as diagnostics at the rules they break (and with --json, one
// event each), and any error-level one fails the command.
func (g *globals) checkPolicy(p load.Project, pol *policy.Policy, out string, stage policy.Stage, repos []policy.Artifact) error {
	b, err := os.ReadFile(filepath.Join(out, outdir.Manifest))
	if err != nil {
		return fmt.Errorf("checking %s: %w (build first)", policy.FileName, err)
	}
	var m build.Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("%s: %w", filepath.Join(out, outdir.Manifest), err)
	}
	f, err := build.OutputFacts(m, build.DirOpener(out), stage)
	if err != nil {
		return fmt.Errorf("checking %s against %s: %w", out, policy.FileName, err)
	}
	f.Artifacts = append(f.Artifacts, repos...)
	diags := policy.Diagnostics(pol.Check(f))
	g.diagnostics(p, diags)
	if diags.HasErrors() {
		return policyRefusal{n: len(diags.Errs())}
	}
	return nil
}

// policyRefusal is a policy's verdict against the output: exit 1 at publish, with the
// violations already printed.
type policyRefusal struct{ n int }

func (e policyRefusal) Error() string {
	return fmt.Sprintf("%s of %s: nothing was published", plural(e.n, "violation"), policy.FileName)
}

// publishPolicy checks the build about to be published against the project's policy,
// before anything is written. The repositories publish writes are always signed (it
// refuses to run without --sign-key).
func (g *globals) publishPolicy(out string, rf repoFlags) error {
	p, _ := load.Dir(g.dir)
	pol, err := g.readPolicy(&p, g.policyPath(p), true)
	if err != nil || pol == nil {
		return err
	}
	var repos []policy.Artifact
	for _, d := range []string{rf.apt, rf.dnf} {
		if d != "" {
			repos = append(repos, policy.Artifact{Path: d, Kind: "repository", Signed: true})
		}
	}
	return g.checkPolicy(p, pol, out, policy.Publish, repos)
}

// verifyPolicy checks an existing output directory against a policy: what publish would
// refuse, without publishing. A violation exits 2, as a differing artifact does.
func (g *globals) verifyPolicy(v verifyFlags) error {
	if v.sums != "" {
		return usageError{errors.New("--policy checks the files of an output directory: give --against DIR, not --sums")}
	}
	p, _ := load.Dir(g.dir)
	path := v.policy
	if path == policy.FileName {
		path = g.policyPath(p)
	} else {
		path = inDir(g.dir, path)
	}
	pol, err := g.readPolicy(&p, path, false)
	if err != nil {
		return err
	}
	out := orDefault(v.against, filepath.Join(g.dir, "out"))
	err = g.checkPolicy(p, pol, out, policy.Verify, nil)
	var refused policyRefusal
	if errors.As(err, &refused) {
		if !g.quiet {
			fmt.Fprintf(g.stderr, "%s: %s of %s\n", out, plural(refused.n, "violation"), g.rel(path))
		}
		return exitError{ExitMismatch}
	}
	if err != nil {
		return err
	}
	g.result(map[string]any{"event": "policy", "policy": g.rel(path), "out": out, "violations": 0})
	g.say("%s passes %s", out, g.rel(path))
	return nil
}
