package cli

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/releasediff"
)

const diffLong = `Diff compares two releases and prints, as Markdown for release notes, what changed:

  - components added, removed and bumped, with their versions and pins (git commit,
    tarball sha256, or the core release a bundled one comes in);
  - editions added, removed, or whose version or members changed;
  - composer libraries (the ones editions.lock chose for the extensions' composer.json)
    added, removed, bumped, or changed under the same version (another dist sha256:
    the archive was replaced), with their versions, licences and dists, in a section of
    their own ("libraries" in the JSON), not among the components; composer plugins
    such as composer/installers are never shipped and never listed;
  - new or changed dependencies: each component's PHP version requirement, the PHP
    extensions the release as a whole newly needs or no longer needs, and the Debian and
    Fedora packages those bring, as the built .deb and .rpm packages depend on them;
  - the Debian bases the images are built on (debianBases in editions.lock, "debianBases"
    in the JSON): per base, packages added, removed and updated (old → new version),
    security updates (pinned from a -security suite) first and marked, suites added or
    removed, and the archive date; bases added or removed. The Markdown lists every
    security update and at most 25 other packages per base, then how many more; the JSON
    lists them all. A build manifest does not record the bases: a note then says so;
  - licences that changed;
  - the components whose upgrade needs 'php maintenance/update.php': added or bumped ones
    that register schema updates (LoadExtensionSchemaUpdates), and any core upgrade;
  - the removed ones that have database tables (they register schema updates), from the
    release or from an edition: MediaWiki leaves their tables in the wiki's database, and
    the notes say so, and what an administrator does about it.

The heading names each release by its editions' version (each edition's, when they
differ) and its git revision as 'git describe' says it (of git:REV, or of a project
directory git tracks, "-dirty" with uncommitted changes): "Changes from 1.39.17.1
(v1.39.17.1) to 1.39.17.2 (v1.39.17.1-3-g3f2a9c1-dirty)". A lock file, which says neither,
is named by its path.

OLD and NEW may each be:

  editions.lock (any path)   the lock alone: components, no editions
  DIR                        a project directory: its lock, and its editions when the
                             manifests resolve against it
  out/manifest.json          what a build wrote: components and editions, with OS packages
                             but not PHP requirements (those are then not compared)
  git:REV                    the project's (-C) lock and manifests at a git revision,
                             e.g. git:HEAD~1, git:v1.39.17.1

--edition NAME compares only that edition's members; both inputs must say which they are
(a directory, a manifest or git:REV). --json prints the same report as one JSON object
(event "diff", format "mwedition-diff-v1"; every list present, sorted). The output has no times in it:
the same inputs give the same bytes.

The exit code is 0 whether or not the releases differ ("identical" in the JSON says which);
1 when an input cannot be read, naming it; 64 on wrong usage.`

func newDiff(g *globals) *cobra.Command {
	var edition string
	cmd := &cobra.Command{
		Use:   "diff OLD NEW",
		Short: "Say what changed between two releases, for release notes",
		Long:  diffLong,
		Example: `  mwedition diff git:v1.39.17.1 .                 # since the last tag, for the release notes
  mwedition diff old/editions.lock editions.lock
  mwedition diff --edition enterprise git:HEAD~1 .
  mwedition diff --json /srv/release/1/manifest.json out/manifest.json | jq .bumped`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) != 2 {
				return usageError{fmt.Errorf("diff takes two releases, OLD and NEW (got %d arguments)", len(args))}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			o := releasediff.Opener{Project: g.dir, GitEnv: os.Environ()}
			var rel [2]releasediff.Release
			for i, a := range args {
				r, err := o.Open(cmd.Context(), a)
				if err != nil {
					return err
				}
				rel[i] = r
			}
			rep, err := releasediff.Compare(rel[0], rel[1], releasediff.Options{Edition: edition})
			if err != nil {
				return err
			}
			if g.json {
				return writeJSONOf(g.stdout, "diff", rep)
			}
			_, err = g.stdout.Write(rep.Markdown())
			return err
		},
	}
	cmd.Flags().StringVar(&edition, "edition", "", "compare only this edition's members (inputs must list editions: DIR, manifest.json or git:REV)")
	return cmd
}
