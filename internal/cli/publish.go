package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func newPublish(g *globals) *cobra.Command {
	var rf repoFlags
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Publish the last build's packages as a signed apt repository",
		Long: `Publish adds the packages of the last build (out/deb) to a signed apt repository: a
directory any web server, or file://, can serve. Packages already there stay, the newest
--keep versions of each, so older editions remain installable. The new metadata is written
aside and served with one atomic switch, and the metadata a client may still hold from the
previous publishes stays reachable, so clients updating during a publish see the old
repository or the new one, never a mix. Two publishers on one repository take turns.

The Release is signed (InRelease and Release.gpg) with the release manager's key, which
--sign-key names; its public half is written beside the metadata for users' Signed-By.
The Release's Date is SOURCE_DATE_EPOCH when set, else the newest package's time, and
never older than the Date already served: publishing the same build twice gives the same
bytes.`,
		Example: `  MWEDITION_SIGNING_PASSPHRASE=... mwedition publish --apt /srv/apt \
      --sign-key release-manager.asc --sign-fingerprint 'ABCD 1234 ...'
  mwedition publish --apt /srv/apt --suite stable --valid-for 720h --sign-key key.asc`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rf.apt == "" {
				return usageError{errors.New("publish needs a repository to publish to: --apt DIR")}
			}
			return publishRepos(cmd, g, rf)
		},
	}
	rf.register(cmd)
	return cmd
}
