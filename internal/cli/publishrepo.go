package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"

	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/repo"
	"github.com/mwedition/mwedition/internal/repo/apt"
	"github.com/mwedition/mwedition/internal/repo/dnf"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/spec"
)

// repoFlags choose the repositories publish writes and how.
type repoFlags struct {
	apt                                string
	dnf, dnfURL, dnfID                 string
	out                                string
	suite, codename, component, origin string
	validFor                           time.Duration
	keep, generations                  int
	sign                               signFlags
}

// any says whether some repository is to be published.
func (f *repoFlags) any() bool { return f.apt != "" || f.dnf != "" }

func (f *repoFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.apt, "apt", "", "publish out/deb into the apt repository in this directory (created if needed)")
	fl.StringVar(&f.dnf, "dnf", "", "publish out/rpm into the dnf repository in this directory (created if needed)")
	fl.StringVar(&f.dnfURL, "dnf-url", "", "where users reach the dnf repository: the baseurl of its .repo file (default file://DIR)")
	fl.StringVar(&f.dnfID, "dnf-id", dnf.DefaultID, "the dnf repository's id: [ID] in ID.repo, and the key file RPM-GPG-KEY-ID")
	fl.StringVar(&f.out, "out", "", "the build's output directory to publish from (default <dir>/out)")
	fl.StringVar(&f.suite, "suite", apt.DefaultSuite, "apt suite: the directory under dists/ and the Release's Suite (default: the release line's suite in line.hcl, else stable)")
	fl.StringVar(&f.codename, "codename", "", "the Release's Codename (default: the suite)")
	fl.StringVar(&f.component, "component", apt.DefaultComponent, "apt component")
	fl.StringVar(&f.origin, "origin", apt.DefaultOrigin, "the Release's Origin and Label")
	fl.DurationVar(&f.validFor, "valid-for", 0, "add Valid-Until: the Release's Date plus this (e.g. 720h); apt refuses the repository after it. The Date is the build's epoch: to re-sign regularly, publish with SOURCE_DATE_EPOCH=$(date +%s)")
	fl.IntVar(&f.keep, "keep", apt.DefaultKeep, "versions of each package the repository keeps")
	fl.IntVar(&f.generations, "generations", repo.DefaultKeep, "earlier metadata generations kept reachable for clients updating during a publish")
	f.sign.register(cmd)
	fl.Lookup("sign-key").Usage = "sign the repository's metadata with this armored OpenPGP private key (required)"
}

// publishRepos publishes the last build's packages into the repositories the flags name.
func publishRepos(cmd *cobra.Command, g *globals, f repoFlags) error {
	if f.keep < 1 || f.generations < 1 {
		return usageError{errors.New("--keep and --generations must be at least 1")}
	}
	out := orDefault(f.out, filepath.Join(g.dir, "out"))
	if _, err := os.Stat(filepath.Join(out, outdir.Manifest)); err != nil {
		return fmt.Errorf("%s has no build to publish (%v): run mwedition build first", out, err)
	}
	if !cmd.Flags().Changed("suite") {
		suite, err := lineSuite(g.dir)
		if err != nil {
			return err
		}
		f.suite = orDefault(suite, f.suite)
	}
	signer, err := f.sign.signer(g.dir)
	if err != nil {
		return err
	}
	if signer == nil {
		return usageError{errors.New("repositories are signed: give the release manager's key with --sign-key (and --sign-fingerprint to pin it)")}
	}
	var date time.Time
	if s := g.env("SOURCE_DATE_EPOCH"); s != "" {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil || v < 0 {
			return usageError{fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a Unix time", s)}
		}
		date = time.Unix(v, 0).UTC()
	}
	if f.dnf != "" && f.apt != "" {
		// Both, or neither: each checks what its repository promises before either writes.
		if err := publishDNF(cmd, g, f, out, signer, date, true); err != nil {
			return err
		}
		if err := publishAPT(cmd, g, f, out, signer, date, true); err != nil {
			return err
		}
	}
	if f.dnf != "" {
		if err := publishDNF(cmd, g, f, out, signer, date, false); err != nil {
			return err
		}
	}
	if f.apt == "" {
		return nil
	}
	return publishAPT(cmd, g, f, out, signer, date, false)
}

// publishAPT publishes out/deb into the apt repository --apt names; with check, it only
// says whether the repository would refuse them.
func publishAPT(cmd *cobra.Command, g *globals, f repoFlags, out string, signer *signature.Signer, date time.Time, check bool) error {
	debs, err := filepath.Glob(filepath.Join(out, outdir.Deb, "*.deb"))
	if err != nil {
		return err
	}
	if len(debs) == 0 {
		return fmt.Errorf("%s holds no .deb packages: build with --format deb, for editions with an output \"deb\" block", filepath.Join(out, outdir.Deb))
	}
	dir, err := filepath.Abs(f.apt)
	if err != nil {
		return err
	}
	start := g.now()
	res, err := apt.Publish(cmd.Context(), dir, debs, apt.Options{
		Origin: f.origin, Suite: f.suite, Codename: f.codename, Component: f.component,
		Date: date, ValidFor: f.validFor, Keep: f.keep, Generations: f.generations,
		Signer: signer, Progress: g.publishProgress("apt"), Now: start, Check: check,
	})
	if err != nil {
		return fmt.Errorf("apt repository %s: %w", dir, explainRefusal(err, f, signer))
	}
	if check {
		return nil
	}
	now := g.now()
	state := "published"
	if res.Unchanged {
		state = "unchanged"
	}
	keyFile := filepath.Join(dir, res.KeyFile)
	g.result(map[string]any{"event": "published", "format": "apt", "dir": dir, "generation": res.Generation, "unchanged": res.Unchanged,
		"date": res.Date.Format(time.RFC3339), "packages": len(res.Packages), "new": orEmpty(res.New), "dropped": orEmpty(res.Dropped),
		"pool_added": len(res.Added), "pool_added_bytes": res.AddedBytes, "pool_removed": len(res.Removed),
		"key": keyFile, "fingerprint": signer.Fingerprint(), "seconds": now.Sub(start).Seconds()})
	g.say("apt repository %s %s: generation %d, %d packages (%d new, %d dropped), %d files added to the pool (%s), in %s",
		dir, state, res.Generation, len(res.Packages), len(res.New), len(res.Dropped), len(res.Added), humanBytes(res.AddedBytes), now.Sub(start).Round(10*time.Millisecond))
	g.say("users: copy %s to /etc/apt/keyrings/ and add to sources.list:\n  %s",
		keyFile, apt.SourceLine("file://"+dir, "/etc/apt/keyrings/"+res.KeyFile, res.Suite, f.component))
	return nil
}

// publishDNF publishes out/rpm into the dnf repository --dnf names; with check, it only
// says whether the repository would refuse them.
func publishDNF(cmd *cobra.Command, g *globals, f repoFlags, out string, signer *signature.Signer, date time.Time, check bool) error {
	rpms, err := filepath.Glob(filepath.Join(out, outdir.RPM, "*.rpm"))
	if err != nil {
		return err
	}
	if len(rpms) == 0 {
		return fmt.Errorf("%s holds no .rpm packages: build with --format rpm, for editions with an output \"rpm\" block", filepath.Join(out, outdir.RPM))
	}
	dir, err := filepath.Abs(f.dnf)
	if err != nil {
		return err
	}
	if f.apt != "" {
		// Each repository serves its own generation of metadata: one directory cannot hold both.
		if a, err := filepath.Abs(f.apt); err == nil && a == dir {
			return usageError{errors.New("--apt and --dnf name the same directory; give each repository its own")}
		}
	}
	url := orDefault(f.dnfURL, "file://"+dir)
	start := g.now()
	res, err := dnf.Publish(cmd.Context(), dir, rpms, dnf.PublishOptions{
		Options:  dnf.Options{Time: date, Signer: signer, ID: f.dnfID, BaseURL: url},
		Versions: f.keep, Generations: f.generations, Progress: g.publishProgress("dnf"), Check: check,
	})
	if err != nil {
		return fmt.Errorf("dnf repository %s: %w", dir, explainRefusal(err, f, signer))
	}
	if check {
		return nil
	}
	elapsed := g.now().Sub(start)
	state := "published"
	if res.Unchanged {
		state = "unchanged"
	}
	repoFile := filepath.Join(dir, dnf.RepoFilePath(f.dnfID))
	g.result(map[string]any{"event": "published", "format": "dnf", "dir": dir, "generation": res.Generation, "unchanged": res.Unchanged,
		"time": res.Time.Format(time.RFC3339), "packages": len(res.Packages), "new": orEmpty(res.New), "dropped": orEmpty(res.Dropped),
		"pool_added": len(res.Added), "pool_added_bytes": res.AddedBytes, "pool_removed": len(res.Removed),
		"repo_file": repoFile, "key": filepath.Join(dir, dnf.KeyPath(f.dnfID)), "baseurl": url,
		"fingerprint": signer.Fingerprint(), "seconds": elapsed.Seconds()})
	g.say("dnf repository %s %s: generation %d, %d packages (%d new, %d dropped), %d files added to the pool (%s), in %s",
		dir, state, res.Generation, len(res.Packages), len(res.New), len(res.Dropped), len(res.Added), humanBytes(res.AddedBytes), elapsed.Round(10*time.Millisecond))
	g.say("users: put %s (baseurl %s) into /etc/yum.repos.d/; dnf checks repomd.xml and every package against %s",
		repoFile, url, strings.TrimRight(url, "/")+"/"+dnf.KeyPath(f.dnfID))
	return nil
}

// explainRefusal adds to a publish refused for breaking what the repository promises its
// users what the release manager can do about it.
func explainRefusal(err error, f repoFlags, signer *signature.Signer) error {
	var unsigned *dnf.UnsignedError
	var keyChange *repo.KeyChangeError
	var hint string
	switch {
	case errors.As(err, &unsigned):
		// Packages are signed by build, not here: signing changes an .rpm's bytes, which
		// out/SHA256SUMS, out/manifest.json, the SBOM and verify have already vouched for.
		hint = fmt.Sprintf("sign the packages when building them, with the repository's key: mwedition build --format rpm --sign-key %s --sign-fingerprint %s; then publish again. "+
			"publish does not sign them itself: that would change their bytes after out/SHA256SUMS and out/manifest.json recorded them, and verify could not vouch for what users install",
			f.sign.keyFile, signer.Fingerprint())
		for _, u := range unsigned.Packages {
			if u.Published {
				hint += ". Packages published earlier stay listed until newer signed versions replace them (--keep), or publish into a new directory"
				break
			}
		}
	case errors.As(err, &keyChange):
		hint = "publish with the key the repository is signed with (--sign-key, --sign-fingerprint); to change keys, publish into a new directory and have users fetch its key"
	default:
		return err
	}
	return fmt.Errorf("%w\n%s", err, hint)
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// publishProgress reports a publish's steps: JSON lines with --json, else a line per
// package file copied and per generation switched.
func (g *globals) publishProgress(format string) func(repo.Event) {
	return func(e repo.Event) {
		if g.json {
			ev := map[string]any{"event": "publish", "format": format, "step": e.Step, "path": e.Path}
			if e.Total > 0 {
				ev["done"], ev["total"] = e.Done, e.Total
			}
			if e.Bytes > 0 {
				ev["bytes"] = e.Bytes
			}
			writeJSON(g.stdout, ev)
			return
		}
		if g.quiet {
			return
		}
		switch {
		case e.Step == "wait":
			fmt.Fprintf(g.stderr, "%s: waiting for another publisher to finish with %s\n", format, e.Path)
		case e.Step == "pool" && e.Bytes > 0:
			fmt.Fprintf(g.stderr, "%s: [%d/%d] added %s (%s)\n", format, e.Done, e.Total, e.Path, humanBytes(e.Bytes))
		case e.Step == "switch":
			fmt.Fprintf(g.stderr, "%s: serving %s\n", format, e.Path)
		}
	}
}

// lineSuite is the apt suite a release line publishes into by default (its suite
// attribute), so that two lines published into one repository stay apart; "" without one.
func lineSuite(dir string) (string, error) {
	line, diags := load.LineOf(dir)
	if diags.HasErrors() {
		return "", fmt.Errorf("%s: %w", spec.LineFileName, diags)
	}
	if line == nil {
		return "", nil
	}
	v, ok := line.Vars["suite"]
	if !ok {
		return "", nil
	}
	if v.IsNull() || v.Type() != cty.String {
		return "", fmt.Errorf("%s: line %q: suite must be a string", spec.LineFileName, line.Name)
	}
	return v.AsString(), nil
}
