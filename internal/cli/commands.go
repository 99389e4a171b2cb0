package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/engine"
	"github.com/mwedition/mwedition/internal/load"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/resolve"
)

func newValidate(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "validate",
		Short: "Check the manifests (and the lock, if there is one) without building",
		Long: `Validate reads recipes/*.hcl and editions/*.hcl and reports every problem it finds, each
with file:line:col and the offending source line: syntax errors, unknown blocks and
arguments, wrong types, unknown or duplicate components, inheritance cycles, bad sha256
or URLs. When editions.lock exists it also resolves the editions against it: MediaWiki
version constraints, extension requirements and PHP versions, exactly as MediaWiki checks
them when it loads an extension; setting names, against the configuration variables core
and the edition's components declare (extension.json "config", with its prefix); and each
edition's members, against those the lock recorded for its version. A mistake shared by
editions that inherit one another is reported once, naming them.

It checks the lock as build would: every recipe against what the lock recorded of it
(a changed sha256, url, ref or path is named, old and new, once for every component it
affects), and every dir source against its locked tree, reading only the files whose
size, times or inode changed since they were last read. It says what it did not check:
whether a git ref moved on its remote (the lock keeps its commit until
'mwedition lock --update NAME'), and the bytes of release tarballs (checked against their
sha256 when fetched). A policy.hcl, when the project has one, is read and checked too:
its rules are judged at build and publish.`,
		Example: "  mwedition validate\n  mwedition -C ~/my-editions validate --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := g.project()
			if err != nil {
				return err
			}
			if _, err := g.readPolicy(&p, g.policyPath(p), true); err != nil {
				return err
			}
			lk, err := build.ReadLock(g.dir)
			switch {
			case errors.Is(err, build.ErrNoLock):
				g.result(map[string]any{"event": "validated", "components": len(p.Set.Components()), "editions": len(p.Set.Editions()), "lock": false})
				g.say("ok: %d components, %d editions (no %s yet: run mwedition lock to check requirements)",
					len(p.Set.Components()), len(p.Set.Editions()), lock.FileName)
				return nil
			case err != nil:
				return err
			}
			o, err := g.options(nil)
			if err != nil {
				return err
			}
			gr, ck, diags, err := build.Check(cmd.Context(), o, p.Set, lk)
			g.diagnostics(p, diags)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				return exitError{ExitFailure}
			}
			g.validated(p, gr, ck)
			return nil
		},
	}
}

// validated reports a lock that checked out: what was checked, and what was not.
func (g *globals) validated(p load.Project, gr resolve.Graph, ck build.Checked) {
	eds := []map[string]any{}
	for _, e := range gr.Editions {
		eds = append(eds, map[string]any{"name": e.Name, "version": e.Version, "extensions": len(e.Extensions), "skins": len(e.Skins)})
	}
	dirs := []map[string]any{}
	for _, d := range ck.Dirs {
		dirs = append(dirs, map[string]any{"component": d.ID, "files": d.Files, "read": d.Read})
	}
	notChecked := []map[string]any{}
	if len(ck.Git) > 0 {
		notChecked = append(notChecked, map[string]any{"what": "git refs", "components": ids(ck.Git),
			"detail": "whether each ref moved on its remote; run mwedition lock --update NAME to move it"})
	}
	if len(ck.Tarballs) > 0 {
		notChecked = append(notChecked, map[string]any{"what": "tarball bytes", "components": ids(ck.Tarballs),
			"detail": "checked against their sha256 when fetched (mwedition fetch)"})
	}
	g.result(map[string]any{"event": "validated", "components": len(p.Set.Components()), "editions": len(eds), "resolved": eds, "lock": true,
		"checked": map[string]any{"recipes": ck.Components, "dirs": dirs}, "notChecked": notChecked})
	g.say("ok: %d components, %d editions, resolved against %s", len(p.Set.Components()), len(gr.Editions), lock.FileName)
	g.say("  checked: the recipes of the %d components the editions use, against what %s records of them", ck.Components, lock.FileName)
	for _, d := range ck.Dirs {
		g.say("  checked: the files of %s are as locked (%s)", d.ID, readAgain(d))
	}
	if len(ck.Git) > 0 {
		g.say("  not checked: whether the git refs of %s moved on their remotes (run mwedition lock --update NAME to move them)", nameList(ck.Git))
	}
	if len(ck.Tarballs) > 0 {
		g.say("  not checked: the bytes of the tarball of %s (checked against its sha256 when fetched: mwedition fetch)", nameList(ck.Tarballs))
	}
	for _, e := range gr.Editions {
		g.say("  %-16s %s  %d extensions, %d skins", e.Name, e.Version, len(e.Extensions), len(e.Skins))
	}
}

// readAgain says how a dir source was checked: which files were hashed again, and why the
// others were not.
func readAgain(d build.DirChecked) string {
	files := fmt.Sprintf("%d files", d.Files)
	if d.Files == 1 {
		files = "1 file"
	}
	switch {
	case d.Read == d.Files:
		return files + ", all hashed again"
	case d.Read == 0:
		return files + ", none hashed again: each one's size, times and inode are as when it was hashed"
	}
	return fmt.Sprintf("%s, %d hashed again: the others' size, times and inode are as when they were hashed", files, d.Read)
}

func ids(cs []resolve.Component) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.ID
	}
	return out
}

func nameList(cs []resolve.Component) string {
	return strings.Join(ids(cs), ", ")
}

const lockLong = `Lock fetches every component the editions use (and what their extension.json requires),
verifies sha256 and signatures, computes each normalised tree, and writes editions.lock:
sorted, stable, one entry per component with its exact source (sha256 or commit), tree
digest, version string and source time.

Git refs that are already locked keep their commit, as a lock should; name components
with --update to move them to what their ref names now. Running lock twice gives
identical bytes.

The lock also records each component's configuration variables (for setting names) and
each edition's version and members.

Components from git, tarball or dir sources may need composer libraries (their
composer.json's require): lock chooses one version of each per edition from the declared
composer_repository blocks, as composer update --no-dev would (core's vendor/ counts as
installed, composer plugins such as composer/installers are resolved but marked plugin),
fetches each dist archive into the cache and records it by sha256. Locked libraries keep
their version until named with --update vendor/name. An edition whose members changed (a component added,
removed, or at another version or with other files) keeps no version it was locked with:
lock, validate, plan and build refuse it, naming the change, until its version is bumped.

Each debian_base block is resolved too: every suite's InRelease is verified with the
block's keyring, its Packages index checked against it, apt (through mmdebstrap --simulate)
chooses the packages the root will hold, and every .deb is downloaded into the cache and
pinned by name, version and sha256 under debianBases. A locked base keeps its pins until
its block changes, an edition on it needs a system package it was not locked with, or it
is named with --update debian:NAME.`

func newLock(g *globals) *cobra.Command {
	var update []string
	cmd := &cobra.Command{
		Use:     "lock",
		Short:   "Pin every source the editions need and write editions.lock",
		Long:    lockLong,
		Example: "  mwedition lock\n  mwedition lock --update PluggableAuth\n  mwedition lock --update phpseclib/phpseclib\n  mwedition lock --update debian:bookworm",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := g.project()
			if err != nil {
				return err
			}
			prev, err := build.ReadLock(g.dir)
			if err != nil && !errors.Is(err, build.ErrNoLock) {
				return err
			}
			obs := g.observer("lock")
			o, err := g.options(obs)
			if err != nil {
				return err
			}
			lf, rep, diags, err := build.Lock(cmd.Context(), o, p.Set, prev, update)
			obs.finish()
			g.diagnostics(p, diags)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				g.say("%s not written: fix the errors above", lock.FileName)
				return exitError{ExitFailure}
			}
			old, _ := prev.Encode()
			if err := lock.Write(o.Root, lf); err != nil {
				return err
			}
			now, _ := lf.Encode()
			verb := "unchanged"
			if string(old) != string(now) {
				verb = "written"
			}
			g.reportPatches(lf)
			g.reportMissing(lf)
			g.result(map[string]any{"event": "locked", "components": len(lf.Components), "libraries": len(lf.Libraries), "debianBases": len(lf.DebianBases), "changed": verb == "written", "executed": rep.Executed, "cached": rep.Cached})
			g.say("%s %s: %d components%s", lock.FileName, verb, len(lf.Components), lockExtras(lf))
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&update, "update", nil, "move these components (names or IDs) to what their git ref names now, these composer libraries (vendor/name) to their newest fitting version, or these Debian bases (debian:NAME) to the archive's packages now")
	return cmd
}

func newFetch(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "fetch",
		Short: "Download and verify every locked source into the cache",
		Long: `Fetch fills the cache with every source editions.lock pins, checking sha256 and
signatures, so that a later 'build --offline' needs no network. Release tarballs are
downloaded with retries; git remotes are mirrored.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, lk, o, obs, err := g.running("fetch")
			if err != nil {
				return err
			}
			rep, diags, err := build.Fetch(cmd.Context(), o, p.Set, lk)
			obs.finish()
			g.diagnostics(p, diags)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				return exitError{ExitFailure}
			}
			fetches := len(rep.Results)
			g.result(map[string]any{"event": "fetched", "sources": fetches, "executed": rep.Executed, "cached": rep.Cached})
			g.say("fetched: %d sources (%d new, %d already in the cache)", fetches, rep.Executed, rep.Cached)
			return nil
		},
	}
}

// running prepares a command that runs graph actions: the project, its lock, the options
// and a progress observer named after the verb.
func (g *globals) running(verb string) (load.Project, lock.File, build.Options, *observer, error) {
	p, lk, err := g.projectAndLock()
	if err != nil {
		return p, lk, build.Options{}, nil, err
	}
	obs := g.observer(verb)
	o, err := g.options(obs)
	return p, lk, o, obs, err
}

func (g *globals) projectAndLock() (load.Project, lock.File, error) {
	p, err := g.project()
	if err != nil {
		return p, lock.File{}, err
	}
	lk, err := build.ReadLock(g.dir)
	return p, lk, err
}

const buildHelp = `Build runs the content-addressed graph: each source is fetched and unpacked once, each
component's normalised tree is made once and shared by every edition holding it, and each
edition's tree is assembled from those, and from the trees the packages each edition's
output blocks ask for: one .deb and one .rpm per component (shared by every edition), and a
meta-package per edition, published into out/deb and out/rpm; release tarballs
(mediawiki-<edition>-<version>.tar.gz, .tar.xz), laid out like MediaWiki's own, with
SHA256SUMS, into out/tarballs (each component compressed once, shared by every edition's
tarball); and an OCI image per edition (one layer per component, shared by every image; a
small edition layer), all in the one OCI image layout out/oci, tagged "<edition>-<tag>".
--sign-key signs the .rpm files, and every tarball and SHA256SUMS with a detached armored
signature (.asc). Work whose inputs did not
change is never redone: a second build runs nothing. out/manifest.json then lists every
edition and component with its tree digest, and every file published.

Each edition also gets an SBOM, out/sbom/<edition>.spdx.json (SPDX 2.3: its components with
versions, sources and SPDX licences, the composer libraries of their vendor/ directories as
pkg:composer purls, the artifacts with their SHA-256), and a provenance,
out/sbom/<edition>.provenance.json (in-toto statement, SLSA provenance v1: the locked
sources with their digests, the builder, the artifacts). Both are attached to the edition's
image in out/oci as OCI referrers, and carry no clock time. Last comes out/SHA256SUMS, for
"cd out && sha256sum -c SHA256SUMS".

--cosign-key signs as cosign does, offline, with the release manager's cosign key (its
passphrase in COSIGN_PASSWORD, as for cosign itself): each image gets its signature under
the tag sha256-<digest>.sig and its attestations under sha256-<digest>.att in out/oci (the
SPDX SBOM, the SLSA provenance v1 and v0.2, each a DSSE-signed in-toto statement), which
publish --registry pushes with the image; out/sbom gets <edition>.spdx.dsse.json and
<edition>.provenance.dsse.json, whose subjects are every artifact of the edition, and
cosign.pub. Users check them with cosign verify, verify-attestation and
verify-blob-attestation (README: Verifying what you receive). The signatures are
deterministic (RFC 6979), so verify compares them byte for byte too.

When the project has a policy.hcl, build checks it twice: the licences, members and
embargoed patches of the resolved editions before any work, and the artifacts (the composer
libraries the SBOMs list, image sizes) before out/ is written. A violation is an error at
the rule it breaks, file:line, and nothing is written; a required signature missing is a
warning here, and publish refuses it.

Build refuses a missing or stale editions.lock and says which command fixes it.`

const buildExamples = `  mwedition build
  mwedition build --offline --json
  SOURCE_DATE_EPOCH=1700000000 mwedition build
  mwedition build --format tree           # the trees only, no packages
  mwedition build --format deb
  mwedition build --format tarball        # out/tarballs only
  mwedition build --format image --image-base rootfs:bookworm.tar
  MWEDITION_SIGNING_PASSPHRASE=... mwedition build --format rpm \
      --sign-key release-manager.asc --sign-fingerprint 'ABCD 1234 ...'
  COSIGN_PASSWORD=... mwedition build --cosign-key cosign.key --sign-key release-manager.asc`

func newBuild(g *globals) *cobra.Command {
	var b buildFlags
	cmd := &cobra.Command{
		Use:     "build",
		Short:   "Build every edition the lock describes into out/",
		Long:    buildHelp,
		Example: buildExamples,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return g.build(cmd.Context(), b)
		},
	}
	cmd.Flags().StringVar(&b.out, "out", "", "output directory (default <dir>/out)")
	cmd.Flags().StringSliceVar(&b.formats, "format", nil, "formats to build for editions whose output blocks ask for them: deb, rpm (into out/deb and out/rpm), tarball (into out/tarballs), image (into the OCI layout out/oci); \"tree\" alone builds the trees only (default deb,rpm,tarball,image)")
	cmd.Flags().StringVar(&b.imageBase, "image-base", "", "base of every image, instead of the output blocks' base: REGISTRY/REPO@sha256:..., oci:DIR[:NAME], docker-archive:FILE, rootfs:FILE.tar[.gz], debian:NAME or scratch")
	b.sign.register(cmd)
	b.cosign.register(cmd)
	return cmd
}

type buildFlags struct {
	out, imageBase string
	formats        []string
	sign           signFlags
	cosign         cosignFlags
}

func (g *globals) build(ctx context.Context, b buildFlags) error {
	p, lk, o, obs, err := g.running("build")
	if err != nil {
		return err
	}
	o.Out = b.out
	o.ImageBase = b.imageBase
	// Registry credentials for image bases, from the usual Docker configuration.
	o.Keychain = authn.DefaultKeychain
	if o.Formats, err = buildFormats(b.formats); err != nil {
		return err
	}
	if b.imageBase != "" && !slices.Contains(o.Formats, build.FormatImage) {
		return usageError{errors.New("--image-base is the base of images: add --format image")}
	}
	if o.Signer, err = b.sign.signer(g.dir); err != nil {
		return err
	}
	if o.Signer != nil && !slices.Contains(o.Formats, build.FormatRPM) && !slices.Contains(o.Formats, build.FormatTarball) {
		return usageError{errors.New("--sign-key signs .rpm packages and tarballs: add --format rpm or tarball")}
	}
	if o.ImageSigner, err = b.cosign.signer(g.dir); err != nil {
		return err
	}
	if o.Policy, err = g.readPolicy(&p, g.policyPath(p), true); err != nil {
		return err
	}
	res, diags, err := build.Build(ctx, o, p.Set, lk)
	obs.finish()
	g.diagnostics(p, diags)
	if err != nil {
		return err
	}
	if diags.HasErrors() {
		return exitError{ExitFailure}
	}
	g.built(res, b.out)
	return nil
}

// formatList names the formats for messages: "deb, rpm, tarball and/or image".
func formatList() string {
	n := build.FormatNames()
	return strings.Join(n[:len(n)-1], ", ") + " and/or " + n[len(n)-1]
}

// buildFormats reads --format: nothing means every format, "tree" alone none.
func buildFormats(formats []string) ([]string, error) {
	switch {
	case len(formats) == 0:
		return build.FormatNames(), nil
	case len(formats) == 1 && formats[0] == "tree":
		return nil, nil
	}
	for _, f := range formats {
		if build.CheckFormats([]string{f}) != nil {
			return nil, usageError{fmt.Errorf("--format %q: use %s, or tree alone for the trees only", f, formatList())}
		}
	}
	return formats, nil
}

// built prints what a build made: each edition's tree, each image, and the counts.
func (g *globals) built(res build.Result, out string) {
	r := res.Report
	eds := []map[string]any{}
	for _, e := range res.Manifest.Editions {
		eds = append(eds, map[string]any{"name": e.Name, "version": e.Version, "tree": e.Tree, "entries": e.Entries, "bytes": e.Bytes})
		g.say("edition %-16s %-12s %s  %d entries, %s", e.Name, e.Version, e.Tree, e.Entries, humanBytes(e.Bytes))
	}
	imgs := []map[string]any{}
	for _, im := range res.Images {
		imgs = append(imgs, map[string]any{"edition": im.Edition, "tag": im.Tag, "digest": im.Descriptor.Digest.String(), "mediaType": im.Descriptor.MediaType})
		g.say("image   %-16s %-12s %s", im.Edition, im.Tag, im.Descriptor.Digest)
	}
	g.result(map[string]any{"event": "built", "executed": r.Executed, "cached": r.Cached, "editions": eds, "images": imgs})
	g.say("built: %d actions run, %d cached; wrote %s", r.Executed, r.Cached, filepath.Join(orDefault(out, filepath.Join(g.dir, "out")), outdir.Manifest))
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// plan loads, resolves and plans the project without running anything; plan and graph start here.
// It plans what `build` with the same --format would run; with --edition, only that
// edition's actions and the shared ones they need.
func (g *globals) plan(cmd *cobra.Command, pf planFlags) (load.Project, lock.File, []engine.PlanItem, error) {
	p, lk, err := g.projectAndLock()
	if err != nil {
		return p, lk, nil, err
	}
	o, err := g.options(nil)
	if err != nil {
		return p, lk, nil, err
	}
	if o.Formats, err = buildFormats(pf.formats); err != nil {
		return p, lk, nil, err
	}
	o.ImageBase = pf.imageBase
	items, _, diags, err := build.Plan(cmd.Context(), o, p.Set, lk)
	g.diagnostics(p, diags)
	if err == nil && diags.HasErrors() {
		err = exitError{ExitFailure}
	}
	if err == nil && pf.edition != "" {
		items, err = editionPart(items, pf.edition)
	}
	return p, lk, items, err
}

func countRun(items []engine.PlanItem) int {
	n := 0
	for _, it := range items {
		if !it.Cached {
			n++
		}
	}
	return n
}

// planFlags are what plan and graph share with build, so that they show the same graph.
type planFlags struct {
	formats   []string
	imageBase string
	edition   string
}

func (pf *planFlags) register(cmd *cobra.Command) {
	cmd.Flags().StringSliceVar(&pf.formats, "format", nil, "formats, as for build (default "+strings.Join(build.FormatNames(), ",")+"; \"tree\" for the trees only)")
	cmd.Flags().StringVar(&pf.imageBase, "image-base", "", "image base, as for build")
	cmd.Flags().StringVar(&pf.edition, "edition", "", "show only this edition's actions and the shared ones they need")
}

// editionPart keeps an edition's actions and everything they depend on, in plan order.
func editionPart(items []engine.PlanItem, edition string) ([]engine.PlanItem, error) {
	byID := map[string]engine.PlanItem{}
	for _, it := range items {
		byID[it.ID] = it
	}
	keep := map[string]bool{}
	var visit func(id string)
	visit = func(id string) {
		if keep[id] {
			return
		}
		keep[id] = true
		for _, d := range byID[id].Deps {
			visit(d)
		}
	}
	for _, it := range items {
		if it.Group == edition {
			visit(it.ID)
		}
	}
	if len(keep) == 0 {
		var names []string
		for _, it := range items {
			if it.Group != "" && !slices.Contains(names, it.Group) {
				names = append(names, it.Group)
			}
		}
		sort.Strings(names)
		return nil, usageError{fmt.Errorf("--edition %s: no edition of that name builds anything here; the editions are %s", edition, strings.Join(names, ", "))}
	}
	var out []engine.PlanItem
	for _, it := range items {
		if keep[it.ID] {
			out = append(out, it)
		}
	}
	return out, nil
}

func newPlan(g *globals) *cobra.Command {
	var pf planFlags
	cmd := &cobra.Command{
		Use:   "plan",
		Short: "Show what a build would run and what is cached",
		Long: `Plan resolves the editions against editions.lock and lists every action of the build
graph in the order it would run, marking which are already cached. It also shows each
edition's components and why each is there (listed, inherited, or pulled in because
another component requires it). Nothing is built or downloaded.

It plans what build with the same --format and --image-base would run: every source, tree,
package, tarball, layer and image, each edition's SBOM documents, and the publication that
writes manifest.json and SHA256SUMS. --edition NAME keeps that edition's actions and the
shared ones they need.`,
		Example: `  mwedition plan
  mwedition plan --format deb --edition core
  mwedition plan --json | jq -r 'select(.cached == false) | .action'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, lk, items, err := g.plan(cmd, pf)
			if err != nil {
				return err
			}
			gr, _ := resolve.Resolve(p.Set, lk)
			if g.json {
				for _, it := range items {
					writeJSON(g.stdout, map[string]any{"event": "plan", "action": it.ID, "kind": it.Kind, "key": it.Key, "cached": it.Cached, "deps": it.Deps, "edition": it.Group})
				}
				writeJSON(g.stdout, map[string]any{"event": "planned", "actions": len(items), "run": countRun(items), "cached": len(items) - countRun(items)})
			}
			run := 0
			for _, it := range items {
				state := "cached"
				if !it.Cached {
					state = "run"
					run++
				}
				g.say("%-6s %-16s %s", state, it.Kind, it.ID)
			}
			for _, e := range gr.Editions {
				if pf.edition != "" && e.Name != pf.edition {
					continue
				}
				g.say("\nedition %s %s (%s):", e.Name, e.Version, e.Title)
				for _, m := range e.Members {
					c, _ := gr.Component(m.ID)
					g.say("  %-40s %-28s %s", m.ID, c.Version, m.Reason)
				}
			}
			g.say("\n%d actions: %d would run, %d cached", len(items), run, len(items)-run)
			return nil
		},
	}
	pf.register(cmd)
	return cmd
}

func newGraph(g *globals) *cobra.Command {
	var dot, editions bool
	var pf planFlags
	cmd := &cobra.Command{
		Use:   "graph",
		Short: "Print the build graph (Graphviz with --dot)",
		Long: `Graph prints every action of the build graph with the actions it depends on, as build
with the same --format and --image-base would run them: one "ID (kind) <- deps" line per
action, or Graphviz DOT with --dot (one cluster per edition, cached actions dashed).
--editions draws the editions instead: which edition inherits which, and what each adds
and removes.`,
		Example: `  mwedition graph --dot | dot -Tsvg > graph.svg
  mwedition graph --dot --edition core --format deb,image | dot -Tpng > core.png
  mwedition graph --editions --dot | dot -Tsvg > editions.svg`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dot && g.json {
				return usageError{errors.New("--dot and --json both choose what graph prints: give one")}
			}
			if editions {
				return g.editionGraph(cmd, dot)
			}
			_, _, items, err := g.plan(cmd, pf)
			if err != nil {
				return err
			}
			switch {
			case dot:
				fmt.Fprint(g.stdout, engine.DOT(items))
				return nil
			case g.json:
				for _, it := range items {
					writeJSON(g.stdout, map[string]any{"event": "node", "action": it.ID, "kind": it.Kind, "label": it.Label, "deps": orEmpty(it.Deps), "edition": it.Group, "cached": it.Cached})
				}
				return nil
			}
			for _, it := range items {
				fmt.Fprintf(g.stdout, "%s (%s) <- %s\n", it.ID, it.Kind, strings.Join(it.Deps, ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dot, "dot", false, "print Graphviz DOT: one cluster per edition, cached actions dashed")
	cmd.Flags().BoolVar(&editions, "editions", false, "show the editions and what each inherits, adds and removes, not the actions")
	pf.register(cmd)
	return cmd
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

// say prints a human line on stdout (stderr with --json, so stdout stays machine-readable).
func (g *globals) say(format string, args ...any) {
	w := g.stdout
	if g.json {
		w = g.stderr
	}
	fmt.Fprintf(w, format+"\n", args...)
}

// result prints one JSON object on stdout, with --json only.
func (g *globals) result(v map[string]any) {
	if g.json {
		writeJSON(g.stdout, v)
	}
}

// writeJSONOf prints a value's JSON object as one event.
func writeJSONOf(w io.Writer, event string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	m := map[string]any{}
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	m["event"] = event
	writeJSON(w, m)
	return nil
}

// writeJSON prints one JSON object as a line, stamped with the schema version.
func writeJSON(w io.Writer, v map[string]any) {
	v["schema"] = jsonSchema
	json.NewEncoder(w).Encode(v)
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// reportPatches says what became of each patch the lock applied: one line (or JSON event)
// per patch file.
func (g *globals) reportPatches(lf lock.File) {
	for _, p := range build.PatchSummaries(lf) {
		g.result(map[string]any{"event": "patch", "file": p.File, "status": p.Status, "components": p.Components, "cves": orEmpty(p.CVEs), "embargoed": p.Embargoed})
		what := p.Status + " to " + strings.Join(p.Components, ", ")
		if p.Status == lock.PatchAlreadyApplied {
			what = "already in " + strings.Join(p.Components, ", ") + ": upstream contains it, drop it at the next bump"
		}
		if len(p.CVEs) > 0 {
			what += " (" + strings.Join(p.CVEs, ", ") + ")"
		}
		if p.Embargoed {
			what += ", embargoed"
		}
		g.say("patch %s: %s", p.File, what)
	}
}

// reportMissing warns of each locked component whose source lacks files its manifest's
// modules name (Math's bundled MathJax, which Debian's 1.43 repack removed): the feature
// that loads them fails at run time, so a patch or a setting should take it out.
func (g *globals) reportMissing(lf lock.File) {
	for _, c := range lf.Components {
		if len(c.Registry.MissingFiles) == 0 {
			continue
		}
		g.result(map[string]any{"event": "missingFiles", "component": c.ID, "files": c.Registry.MissingFiles})
		fmt.Fprintf(g.stderr, "warning: %s: this source lacks %s its manifest's modules name (%s): the feature loading them fails when used; remove it with a patch or leave it unused\n",
			c.ID, plural(len(c.Registry.MissingFiles), "file"), strings.Join(c.Registry.MissingFiles, "; "))
	}
}

// lockExtras is the lock summary's tail: the composer libraries and Debian packages, when
// the editions have any.
func lockExtras(lf lock.File) string {
	s := ""
	if len(lf.Libraries) > 0 {
		s = fmt.Sprintf(", %d composer libraries", len(lf.Libraries))
	}
	debs := 0
	for _, b := range lf.DebianBases {
		debs += len(b.Packages)
	}
	if debs > 0 {
		s += fmt.Sprintf(", %d Debian packages in %s", debs, plural(len(lf.DebianBases), "base"))
	}
	return s
}
