package cli

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/scaffold"
)

const initHelp = `Init makes a new project in DIR (default: the -C directory) for one MediaWiki release:

  recipes/core.hcl          core "mediawiki": the release tarball, its sha256 and signature
  recipes/extensions.hcl    every extension the release tarball bundles
  recipes/skins.hcl         every skin it bundles
  recipes/keys/mediawiki-release.asc
                            MediaWiki's release keys (or --keyring FILE)
  editions/NAME.hcl         one edition holding them all, with deb, rpm, tarball and image outputs

The sha256 is --sha256 (the release announcement's), else what the cache recorded for the
release's URL, else that of the tarball downloaded from releases.wikimedia.org. Either way
the tarball must verify against its detached signature with the release keys and hold the
version asked for before anything is written. The bundled extensions and skins are read
from the tarball itself, so every release gets its own list; prebuilt executables in them
(Scribunto's Lua interpreters) are excluded, to keep the packages architecture-independent.

Init replaces nothing: it refuses a directory that already holds recipes/*.hcl,
editions/*.hcl or editions.lock. Then 'mwedition lock' pins the trees and 'mwedition build'
builds the edition.`

func newInit(g *globals) *cobra.Command {
	var o initFlags
	cmd := &cobra.Command{
		Use:   "init [DIR] --core VERSION",
		Short: "Make a new project for a MediaWiki release: its core, bundled extensions and skins, one edition",
		Long:  initHelp,
		Example: `  mwedition init wiki --core 1.39.17
  mwedition init --core 1.43.1 --edition intranet --title "Intranet wiki"
  mwedition cache add --url https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz mediawiki-1.39.17.tar.gz
  mwedition --offline init wiki --core 1.39.17     # from the cache alone`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageError{fmt.Errorf("init takes at most one DIR (got %q)", args)}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := g.dir
			if len(args) == 1 {
				dir = args[0]
				if !filepath.IsAbs(dir) {
					dir = filepath.Join(g.dir, dir)
				}
			}
			return g.initProject(cmd, dir, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.core, "core", "", "the MediaWiki release to build on, such as 1.39.17 (required)")
	f.StringVar(&o.sha256, "sha256", "", "the release tarball's sha256, from the release announcement (default: from the cache, or the download)")
	f.StringVar(&o.edition, "edition", "core", "the edition's name (lower-case letters, digits and '-': it becomes part of package names)")
	f.StringVar(&o.title, "title", "", `the edition's title (default "MediaWiki " and the edition's name)`)
	f.StringVar(&o.keyring, "keyring", "", "armored OpenPGP keys to check the release signature with, copied into the project (default: MediaWiki's release keys, as mwedition ships them)")
	return cmd
}

type initFlags struct {
	core, sha256, edition, title, keyring string
}

// editionNameRE is the edition names load accepts.
var editionNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// check reads the flags: what is wrong with them is a usage error.
func (o initFlags) check() (scaffold.Release, error) {
	if o.core == "" {
		return scaffold.Release{}, usageError{errors.New("init needs --core VERSION, the MediaWiki release to build on (for example --core 1.39.17)")}
	}
	r, err := scaffold.ReleaseOf(o.core)
	if err != nil {
		return r, usageError{fmt.Errorf("--core: %w", err)}
	}
	if o.sha256 != "" && !sha256Hex.MatchString(o.sha256) {
		return r, usageError{fmt.Errorf("--sha256 %q is not 64 lowercase hex digits", o.sha256)}
	}
	r.SHA256 = o.sha256
	if !editionNameRE.MatchString(o.edition) {
		return r, usageError{fmt.Errorf("--edition %q: use lower-case letters, digits and '-', starting with a letter or digit (it becomes part of package names)", o.edition)}
	}
	return r, nil
}

func (g *globals) initProject(cmd *cobra.Command, dir string, o initFlags) error {
	rel, err := o.check()
	if err != nil {
		return err
	}
	keys := scaffold.MediaWikiKeys
	if o.keyring != "" {
		if keys, err = os.ReadFile(o.keyring); err != nil {
			return fmt.Errorf("--keyring: %w", err)
		}
	}
	p := scaffold.Project{Core: "mediawiki", Keyring: keys, Edition: o.edition, Title: orDefault(o.title, defaultTitle(o.edition)), Formats: build.FormatNames()}
	// Refuse an existing project before downloading anything.
	if err := scaffold.Check(dir, p.Files()); err != nil {
		return err
	}
	bo, err := g.options(nil)
	if err != nil {
		return err
	}
	pinned, err := scaffold.Pin(cmd.Context(), bo.Fetcher, rel, keys, g.now())
	if err != nil {
		return err
	}
	p.Release, p.Contents = pinned.Release, pinned.Contents
	if err := p.Validate(); err != nil {
		return err
	}
	files := p.Files()
	if err := scaffold.Write(dir, files); err != nil {
		return err
	}
	g.initialized(dir, p, pinned, files)
	return nil
}

func defaultTitle(edition string) string {
	words := strings.Split(edition, "-")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return "MediaWiki " + strings.Join(words, " ")
}

// initialized says what init wrote and what the user does next.
func (g *globals) initialized(dir string, p scaffold.Project, pinned scaffold.Pinned, files []scaffold.File) {
	var paths []string
	for _, f := range files {
		paths = append(paths, f.Path)
	}
	var exts, skins []string
	for _, e := range p.Contents.Extensions {
		exts = append(exts, e.Name)
	}
	for _, s := range p.Contents.Skins {
		skins = append(skins, s.Name)
	}
	from := "the cache"
	if pinned.Downloaded {
		from = "releases.wikimedia.org"
	}
	next := []string{"mwedition lock", "mwedition build --format deb"}
	if dir != g.dir {
		next = append([]string{"cd " + dir}, next...)
	}
	g.result(map[string]any{
		"event": "initialized", "dir": dir, "files": paths, "edition": p.Edition,
		"editionVersion": scaffold.EditionVersion(p.Release.Version),
		"core": map[string]any{
			"name": p.Core, "version": p.Release.Version, "url": p.Release.URL, "sha256": p.Release.SHA256,
			"signature": p.Release.Signature, "signedBy": pinned.SignedBy, "from": from,
		},
		"extensions": exts, "skins": skins, "next": next,
	})
	g.say("init: MediaWiki %s, sha256 %s (from %s),", p.Release.Version, p.Release.SHA256, from)
	g.say("      signature verified with key %s", pinned.SignedBy)
	g.say("wrote %s:", dir)
	g.say("  %-36s core %q %s", "recipes/core.hcl", p.Core, p.Release.Version)
	g.say("  %-36s %d bundled extensions", "recipes/extensions.hcl", len(exts))
	g.say("  %-36s %d bundled skins", "recipes/skins.hcl", len(skins))
	g.say("  %-36s the release keys", scaffold.KeyringPath)
	g.say("  %-36s edition %q %s: every bundled extension and skin; %s", "editions/"+p.Edition+".hcl", p.Edition,
		scaffold.EditionVersion(p.Release.Version), strings.Join(p.Formats, ", "))
	g.say("next: choose the edition's extensions in editions/%s.hcl, then", p.Edition)
	what := map[string]string{
		"mwedition lock":               "pin every source and compute the trees (writes " + lock.FileName + ")",
		"mwedition build --format deb": "build the edition's .deb packages into out/deb (every format: mwedition build)",
	}
	for _, n := range next {
		g.say("%s", strings.TrimRight(fmt.Sprintf("  %-30s %s", n, what[n]), " "))
	}
}
