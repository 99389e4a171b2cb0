package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/cache"
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
them when it loads an extension.`,
		Example: "  mwedition validate\n  mwedition -C ~/my-editions validate --json",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, err := g.project()
			if err != nil {
				return err
			}
			lk, err := build.ReadLock(g.dir)
			switch {
			case errors.Is(err, build.ErrNoLock):
				g.say("ok: %d components, %d editions (no %s yet: run mwedition lock to check requirements)",
					len(p.Set.Components()), len(p.Set.Editions()), lock.FileName)
				return nil
			case err != nil:
				return err
			}
			gr, diags := resolve.Resolve(p.Set, lk)
			g.diagnostics(p, diags)
			if diags.HasErrors() {
				return exitError{ExitFailure}
			}
			g.say("ok: %d components, %d editions, resolved against %s", len(p.Set.Components()), len(gr.Editions), lock.FileName)
			for _, e := range gr.Editions {
				g.say("  %-16s %s  %d extensions, %d skins", e.Name, e.Version, len(e.Extensions), len(e.Skins))
			}
			return nil
		},
	}
}

func newLock(g *globals) *cobra.Command {
	var update []string
	cmd := &cobra.Command{
		Use:   "lock",
		Short: "Pin every source the editions need and write editions.lock",
		Long: `Lock fetches every component the editions use (and what their extension.json requires),
verifies sha256 and signatures, computes each normalised tree, and writes editions.lock:
sorted, stable, one entry per component with its exact source (sha256 or commit), tree
digest, version string and source time.

Git refs that are already locked keep their commit, as a lock should; name components
with --update to move them to what their ref names now. Running lock twice gives
identical bytes.`,
		Example: "  mwedition lock\n  mwedition lock --update PluggableAuth",
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
			g.result(map[string]any{"event": "locked", "components": len(lf.Components), "changed": verb == "written", "executed": rep.Executed, "cached": rep.Cached})
			g.say("%s %s: %d components", lock.FileName, verb, len(lf.Components))
			return nil
		},
	}
	cmd.Flags().StringSliceVar(&update, "update", nil, "move these components (names or IDs) to what their git ref names now")
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

func newBuild(g *globals) *cobra.Command {
	var out, imageBase string
	var formats []string
	var sign signFlags
	cmd := &cobra.Command{
		Use:   "build",
		Short: "Build every edition the lock describes into out/",
		Long: `Build runs the content-addressed graph: each source is fetched and unpacked once, each
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

Build refuses a missing or stale editions.lock and says which command fixes it.`,
		Example: `  mwedition build
  mwedition build --offline --json
  SOURCE_DATE_EPOCH=1700000000 mwedition build
  mwedition build --format tree           # the trees only, no packages
  mwedition build --format deb
  mwedition build --format tarball        # out/tarballs only
  mwedition build --format image --image-base rootfs:bookworm.tar
  MWEDITION_SIGNING_PASSPHRASE=... mwedition build --format rpm \
      --sign-key release-manager.asc --sign-fingerprint 'ABCD 1234 ...'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, lk, o, obs, err := g.running("build")
			if err != nil {
				return err
			}
			o.Out = out
			o.ImageBase = imageBase
			// Registry credentials for image bases, from the usual Docker configuration.
			o.Keychain = authn.DefaultKeychain
			switch {
			case len(formats) == 0:
				o.Formats = []string{build.FormatDeb, build.FormatRPM, build.FormatTarball, build.FormatImage}
			case len(formats) == 1 && formats[0] == "tree":
				o.Formats = nil
			default:
				for _, f := range formats {
					if f != build.FormatDeb && f != build.FormatRPM && f != build.FormatTarball && f != build.FormatImage {
						return usageError{fmt.Errorf("--format %q: use deb, rpm, tarball and/or image, or tree alone for the trees only", f)}
					}
				}
				o.Formats = formats
			}
			if imageBase != "" && !slices.Contains(o.Formats, build.FormatImage) {
				return usageError{errors.New("--image-base is the base of images: add --format image")}
			}
			if o.Signer, err = sign.signer(g.dir); err != nil {
				return err
			}
			if o.Signer != nil && !slices.Contains(o.Formats, build.FormatRPM) && !slices.Contains(o.Formats, build.FormatTarball) {
				return usageError{errors.New("--sign-key signs .rpm packages and tarballs: add --format rpm or tarball")}
			}
			res, diags, err := build.Build(cmd.Context(), o, p.Set, lk)
			obs.finish()
			g.diagnostics(p, diags)
			if err != nil {
				return err
			}
			if diags.HasErrors() {
				return exitError{ExitFailure}
			}
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
			return nil
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "output directory (default <dir>/out)")
	cmd.Flags().StringSliceVar(&formats, "format", nil, "formats to build for editions whose output blocks ask for them: deb, rpm (into out/deb and out/rpm), tarball (into out/tarballs), image (into the OCI layout out/oci); \"tree\" alone builds the trees only (default deb,rpm,tarball,image)")
	cmd.Flags().StringVar(&imageBase, "image-base", "", "base of every image, instead of the output blocks' base: REGISTRY/REPO@sha256:..., oci:DIR[:NAME], docker-archive:FILE, rootfs:FILE.tar[.gz] or scratch")
	sign.register(cmd)
	return cmd
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// plan loads, resolves and plans the project without running anything; plan and graph start here.
func (g *globals) plan(cmd *cobra.Command) (load.Project, lock.File, []engine.PlanItem, []engine.Action, error) {
	p, lk, err := g.projectAndLock()
	if err != nil {
		return p, lk, nil, nil, err
	}
	o, err := g.options(nil)
	if err != nil {
		return p, lk, nil, nil, err
	}
	items, acts, diags, err := build.Plan(cmd.Context(), o, p.Set, lk)
	g.diagnostics(p, diags)
	if err == nil && diags.HasErrors() {
		err = exitError{ExitFailure}
	}
	return p, lk, items, acts, err
}

func newPlan(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "plan",
		Short: "Show what a build would run and what is cached",
		Long: `Plan resolves the editions against editions.lock and lists every action of the build
graph in the order it would run, marking which are already cached. It also shows each
edition's components and why each is there (listed, inherited, or pulled in because
another component requires it). Nothing is built or downloaded.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			p, lk, items, _, err := g.plan(cmd)
			if err != nil {
				return err
			}
			gr, _ := resolve.Resolve(p.Set, lk)
			if g.json {
				enc := json.NewEncoder(g.stdout)
				for _, it := range items {
					enc.Encode(map[string]any{"event": "plan", "action": it.ID, "kind": it.Kind, "key": it.Key, "cached": it.Cached, "deps": it.Deps})
				}
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
}

func newGraph(g *globals) *cobra.Command {
	var dot bool
	cmd := &cobra.Command{
		Use:     "graph",
		Short:   "Print the build graph (Graphviz with --dot)",
		Example: "  mwedition graph --dot | dot -Tsvg > graph.svg",
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, _, _, acts, err := g.plan(cmd)
			if err != nil {
				return err
			}
			if dot {
				s, err := engine.DOT(acts)
				if err != nil {
					return err
				}
				fmt.Fprint(g.stdout, s)
				return nil
			}
			for _, a := range acts {
				fmt.Fprintf(g.stdout, "%s (%s) <- %s\n", a.ID, a.Kind, strings.Join(a.Deps, ", "))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&dot, "dot", false, "print Graphviz DOT")
	return cmd
}

var sha256Hex = regexp.MustCompile(`^[0-9a-f]{64}$`)

func newCache(g *globals) *cobra.Command {
	c := &cobra.Command{Use: "cache", Short: "Manage the content-addressed source cache"}
	var rawURL, want string
	add := &cobra.Command{
		Use:   "add FILE",
		Short: "Add a file obtained elsewhere (a mirror, a USB stick) to the cache by its sha256",
		Long: `Add copies FILE into the cache under its sha256, so that a recipe pinning that sha256
finds it without downloading. A detached signature is not pinned by hash but checked
against the keyring; add it with --url set to the signature URL the recipe names.`,
		Example: "  mwedition cache add mediawiki-1.39.17.tar.gz\n" +
			"  mwedition cache add --url https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz.sig mediawiki-1.39.17.tar.gz.sig",
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return usageError{fmt.Errorf("cache add takes one FILE")}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if want != "" && !sha256Hex.MatchString(want) {
				return usageError{fmt.Errorf("--sha256 %q is not 64 lowercase hex digits", want)}
			}
			st, err := cache.Open(g.cacheDir())
			if err != nil {
				return err
			}
			f, err := os.Open(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			sha, n, err := st.AddBlob(f, want)
			if err != nil {
				return fmt.Errorf("adding %s: %w", args[0], err)
			}
			if rawURL != "" {
				if err := st.SetURLBlob(rawURL, sha); err != nil {
					return err
				}
			}
			g.result(map[string]any{"event": "cached", "file": args[0], "sha256": sha, "bytes": n, "url": rawURL})
			g.say("added %s: sha256 %s (%s)", args[0], sha, humanBytes(n))
			return nil
		},
	}
	add.Flags().StringVar(&rawURL, "url", "", "also record the file as what this URL gives (for signatures)")
	add.Flags().StringVar(&want, "sha256", "", "refuse the file unless it has this sha256")
	dir := &cobra.Command{
		Use:   "dir",
		Short: "Print the cache directory",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprintln(g.stdout, g.cacheDir())
			return nil
		},
	}
	c.AddCommand(add, dir)
	return c
}

// say prints a human line on stdout (stderr with --json, so stdout stays machine-readable).
func (g *globals) say(format string, args ...any) {
	w := g.stdout
	if g.json {
		w = g.stderr
	}
	fmt.Fprintf(w, format+"\n", args...)
}

func (g *globals) result(v map[string]any) {
	if g.json {
		json.NewEncoder(g.stdout).Encode(v)
	}
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
