package cli

import (
	"errors"

	"github.com/spf13/cobra"
)

func newPublish(g *globals) *cobra.Command {
	var rf repoFlags
	cmd := &cobra.Command{
		Use:   "publish",
		Short: "Publish the last build's packages as signed apt and dnf repositories",
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
bytes.

With --dnf, the .rpm packages (out/rpm) go to a dnf repository the same way: repodata/
with primary, filelists and other under checksum-prefixed names, repomd.xml signed
(repomd.xml.asc), the public key as RPM-GPG-KEY-<id>, and <id>.repo for users, with
gpgcheck=1 and repo_gpgcheck=1 and the baseurl --dnf-url gives. repomd.xml is dated as the
Release is.`,
		Example: `  MWEDITION_SIGNING_PASSPHRASE=... mwedition publish --apt /srv/apt \
      --sign-key release-manager.asc --sign-fingerprint 'ABCD 1234 ...'
  mwedition publish --apt /srv/apt --suite stable --valid-for 720h --sign-key key.asc
  mwedition publish --dnf /srv/dnf --dnf-url https://packages.example.org/dnf --sign-key key.asc`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if rf.apt == "" && rf.dnf == "" {
				return usageError{errors.New("publish needs a repository to publish to: --apt DIR and/or --dnf DIR")}
			}
			return publishRepos(cmd, g, rf)
		},
	}
	rf.register(cmd)
	return cmd
}
