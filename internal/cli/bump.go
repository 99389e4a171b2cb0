package cli

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/bump"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/releasediff"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

const bumpLong = `Bump moves the project to a new release of one component, in one step:

  mwedition bump core VERSION        the core recipe's release tarball: version, url,
                                     sha256 and signature
  mwedition bump extension NAME --ref REF
  mwedition bump skin NAME --ref REF a git extension's or skin's ref

It rewrites the recipe in place (only the values of those attributes change: comments and
layout stay), raises the version of every edition holding the component, relocks as
'mwedition lock' does, and prints what changed as 'mwedition diff' does between the old
editions.lock and the new one. The extensions and skins bundled in the core's tarball
follow the core by themselves.

For a core, --url and --signature default to the recipe's with the old version replaced by
the new one (and the major.minor directory, as releases.wikimedia.org files releases:
.../1.39/mediawiki-1.39.17.tar.gz becomes .../1.43/mediawiki-1.43.1.tar.gz). --sha256 is
the digest from the release announcement; without it the tarball is downloaded and its
sha256 taken and printed, to check against the announcement. Either way the tarball must
match the sha256, its signature must verify with the recipe's keyring, whatever the cache
holds, and it must be the release asked for (includes/Defines.php).

Edition versions: a version names one set of packages, so every edition holding the
component gets a new one (an edition without a version of its own follows its parent's).
After a core release, a version numbered after the old release ("1.39.17.2") starts over
on the new one ("1.39.18.1"); any other has its last number raised ("2.4" becomes "2.5").
--edition-version V gives every such edition V instead. A version written as an expression
is not rewritten: bump says where to change it.

Nothing is written unless everything succeeded: a wrong sha256, a bad signature, an
unreachable URL or a failing relock leaves the recipes, the editions and editions.lock as
they were. When the new source is the one already locked, nothing is written either.

Exit codes: 0 bumped (or nothing to do); 1 a download, check or the relock failed, nothing
written; 64 wrong usage.`

// versionArg is a release version as bump core takes it: 1.39.18, 1.43.0-rc.1.
var versionArg = regexp.MustCompile(`^[0-9]+(\.[0-9]+){1,3}(-[0-9A-Za-z.]+)?$`)

type bumpFlags struct {
	url, sha256, signature, name, ref, editionVersion string
}

func newBump(g *globals) *cobra.Command {
	var o bumpFlags
	cmd := &cobra.Command{
		Use:   "bump core VERSION | bump extension|skin NAME --ref REF",
		Short: "Move the core to a new release, or a git extension or skin to a new ref, and relock",
		Long:  bumpLong,
		Example: `  mwedition bump core 1.39.18
  mwedition bump core 1.39.18 --sha256 0123…cdef      # the digest from the release announcement
  mwedition bump core 1.43.1 --edition-version 1.43.1.1
  mwedition bump extension PluggableAuth --ref REL1_43`,
		Args: func(cmd *cobra.Command, args []string) error {
			_, err := o.request(args)
			return err
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			r, err := o.request(args)
			if err != nil {
				return err
			}
			return g.bump(cmd, r)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.url, "url", "", "core: the new release tarball's URL (default: the recipe's, with the version replaced)")
	f.StringVar(&o.sha256, "sha256", "", "core: the new tarball's sha256, from the release announcement (default: the download's, printed)")
	f.StringVar(&o.signature, "signature", "", "core: the new tarball's detached signature URL (default: the recipe's, with the version replaced)")
	f.StringVar(&o.name, "name", "", "core: which core, when the project declares several")
	f.StringVar(&o.ref, "ref", "", "extension, skin: the git ref (branch, tag or commit) to follow")
	f.StringVar(&o.editionVersion, "edition-version", "", "the new version of every edition holding the component (default: raised as the help says)")
	return cmd
}

// request reads the arguments and flags; what is wrong with them is a usage error.
func (o bumpFlags) request(args []string) (bump.Request, error) {
	usage := func(format string, a ...any) (bump.Request, error) {
		return bump.Request{}, usageError{fmt.Errorf(format, a...)}
	}
	if len(args) != 2 {
		return usage("bump takes what to move and where: bump core VERSION, or bump extension|skin NAME --ref REF (got %d arguments)", len(args))
	}
	r := bump.Request{Kind: spec.Kind(args[0]), EditionVersion: o.editionVersion}
	switch r.Kind {
	case spec.Core:
		if o.ref != "" {
			return usage("--ref moves an extension or a skin; a core moves to a VERSION")
		}
		if !versionArg.MatchString(args[1]) {
			return usage("bump core %q: VERSION is a MediaWiki release such as 1.39.18", args[1])
		}
		if o.sha256 != "" && !sha256Hex.MatchString(o.sha256) {
			return usage("--sha256 %q is not 64 lowercase hex digits", o.sha256)
		}
		r.Name, r.Version, r.URL, r.SHA256, r.Signature = o.name, args[1], o.url, o.sha256, o.signature
		return r, nil
	case spec.Extension, spec.Skin:
		if o.ref == "" {
			return usage("bump %s %s needs --ref REF, the git ref to follow", args[0], args[1])
		}
		if o.url != "" || o.sha256 != "" || o.signature != "" || o.name != "" {
			return usage("--url, --sha256, --signature and --name are for bump core; an %s moves with --ref", args[0])
		}
		r.Name, r.Ref = args[1], o.ref
		return r, nil
	}
	return usage("cannot bump %q: bump core, extension or skin%s", args[0], didYouMean(suggest(args[0], []string{"core", "extension", "skin"})))
}

// suggest is the word of words closest to s, if it is close.
func suggest(s string, words []string) []string {
	for _, w := range words {
		if strings.HasPrefix(w, s) || strings.HasPrefix(s, w) {
			return []string{w}
		}
	}
	return nil
}

func (g *globals) bump(cmd *cobra.Command, r bump.Request) error {
	p, err := g.project()
	if err != nil {
		return err
	}
	prev, err := build.ReadLock(g.dir)
	if errors.Is(err, build.ErrNoLock) {
		return fmt.Errorf("bump moves a locked project, and %s has no %s: run mwedition lock first", g.dir, lock.FileName)
	}
	if err != nil {
		return err
	}
	obs := g.observer("bump")
	o, err := g.options(obs)
	if err != nil {
		return err
	}
	res, diags, err := bump.Plan(cmd.Context(), o, p, prev, r)
	obs.finish()
	g.diagnostics(res.Project, diags)
	if err != nil {
		return fmt.Errorf("bump: %w; nothing was written", err)
	}
	if diags.HasErrors() {
		g.say("bump: nothing was written: fix the errors above")
		return exitError{ExitFailure}
	}
	if !res.Changed {
		g.result(map[string]any{"event": "bumped", "component": res.Component, "from": res.From, "to": res.To, "changed": false})
		g.say("bump: %s %s names the source %s already locks: nothing was written", res.Component, res.To, lock.FileName)
		return nil
	}
	diff, err := bumpDiff(p, prev, res)
	if err != nil {
		return fmt.Errorf("bump: %w; nothing was written", err)
	}
	if err := bump.Write(g.dir, res); err != nil {
		return err
	}
	return g.bumped(res, diff)
}

// bumpDiff compares the old lock with the new one as mwedition diff compares two project
// directories: with their editions, when the manifests resolve against their lock.
func bumpDiff(old load.Project, prev lock.File, res bump.Result) (releasediff.Report, error) {
	return releasediff.Compare(bumpRelease(old.Set, prev), bumpRelease(res.Project.Set, res.Lock), releasediff.Options{})
}

// bumpRelease is a lock as a release. The manifests as they were before the bump may not
// resolve against the old lock (a recipe edited by hand since it was written): the
// editions then come from what the lock recorded of them, without their system packages.
func bumpRelease(set spec.Set, lf lock.File) releasediff.Release {
	r := releasediff.FromLock(lock.FileName, lf)
	if g, d := resolve.Resolve(set, lf); !d.HasErrors() {
		return r.WithGraph(g)
	}
	r.Editions, r.NoEditions = map[string]releasediff.Edition{}, ""
	for _, e := range lf.Editions {
		r.Editions[e.Name] = releasediff.Edition{Name: e.Name, Version: e.Version, Members: e.Members}
	}
	return r
}

// bumped says what bump changed, then prints the release notes of the change.
func (g *globals) bumped(res bump.Result, diff releasediff.Report) error {
	var files []string
	for _, f := range res.Files {
		files = append(files, f.Name)
	}
	files = append(files, lock.FileName)
	eds := []map[string]any{}
	for _, e := range res.Editions {
		eds = append(eds, map[string]any{"name": e.Name, "from": e.From, "to": e.To})
	}
	g.result(map[string]any{"event": "bumped", "component": res.Component, "from": res.From, "to": res.To, "changed": true,
		"computedSha256": res.Computed, "editions": eds, "files": files, "diff": diff})
	g.say("bump: %s %s → %s", res.Component, res.From, res.To)
	if res.Computed != "" {
		g.say("  sha256 %s: taken from the download (no --sha256 given); check it against the release announcement", res.Computed)
	}
	for _, e := range res.Editions {
		g.say("  edition %s %s → %s", e.Name, e.From, e.To)
	}
	g.say("  wrote %s", strings.Join(files, ", "))
	g.reportPatches(res.Lock)
	if g.json {
		return nil
	}
	g.say("")
	_, err := g.stdout.Write(diff.Markdown())
	return err
}
