package cli

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/spf13/cobra"

	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/push"
)

const publishLong = `Publish sends the last build (out/) where users take it from. Give one destination or
several; each is published completely or left as it was.

--registry pushes the images 'mwedition build --format image' wrote into out/oci: edition E
goes to the repository HOST[:PORT]/PREFIX/E, under each tag of its image output (the
edition's version, plus the output block's tags). Nothing is sent twice: a blob the
repository already has is skipped, and a layer that several editions share is uploaded once
and mounted into the other editions' repositories, so a second publish of the same build
uploads no blob. Blobs and manifests are pushed by digest first and tags written last: a
publish that fails writes no tag, and no tag ever names a half-pushed image. Server errors
(5xx) and dropped connections are retried with backoff. Credentials come from the Docker
config, as for docker push: log in once with 'docker login HOST' (or point DOCKER_CONFIG at
a directory holding a config.json). They never appear in any output. Plain HTTP is used
only for registries on a loopback address (127.0.0.1, localhost), or with --insecure. Each
tag is printed with its manifest digest: REPOSITORY:TAG DIGEST, one per line; with --json,
as JSON lines ("tagged" events) for provenance records.

--apt adds the packages of the last build (out/deb) to a signed apt repository: a directory
any web server, or file://, can serve. Packages already there stay, the newest --keep
versions of each, so older editions remain installable. The new metadata is written aside
and served with one atomic switch, and the metadata a client may still hold from the
previous publishes stays reachable, so clients updating during a publish see the old
repository or the new one, never a mix. Two publishers on one repository take turns. The
Release is signed (InRelease and Release.gpg) with the release manager's key, which
--sign-key names; its public half is written beside the metadata for users' Signed-By. The
Release's Date is SOURCE_DATE_EPOCH when set, else the newest package's time, and never
older than the Date already served: publishing the same build twice gives the same bytes.

--dnf publishes the .rpm packages (out/rpm) into a dnf repository the same way: repodata/
with primary, filelists and other under checksum-prefixed names, repomd.xml signed
(repomd.xml.asc), the public key as RPM-GPG-KEY-<id>, and <id>.repo for users, with
gpgcheck=1 and repo_gpgcheck=1 and the baseurl --dnf-url gives. repomd.xml is dated as the
Release is.

A publish that would break what a repository promises its users is refused, and names what
breaks it: an .rpm not signed by --sign-key's key (dnf checks each with gpgcheck=1; sign
them with 'mwedition build --sign-key', so that out/SHA256SUMS and verify describe the bytes
users install), a key other than the one a served repository's key file holds, a .deb that
is not Architecture: all.

When the project has a policy.hcl, the whole build (out/) is checked against it before
anything is written: licences, required members, image sizes, and the signatures it
requires (every .rpm and tarball signed with --sign-key at build, every image with
--cosign-key). A violation names the rule (file:line) and the artifact; --json lists every
violation. 'mwedition verify --policy' runs the same check without publishing.

A build holding a patch not public yet (embargoed = true on its patch block: out/manifest.json
marks its editions embargoed) is refused, before anything is written, to every --apt or --dnf
directory and every registry repository that no private_target block of the recipes
declares; the refusal names the editions and their embargoed patches.`

const publishExample = `  mwedition build
  mwedition publish --registry registry.example.org/mediawiki
  mwedition publish --registry 127.0.0.1:5000/mediawiki --edition enterprise --json
  MWEDITION_SIGNING_PASSPHRASE=... mwedition publish --apt /srv/apt \
      --sign-key release-manager.asc --sign-fingerprint 'ABCD 1234 ...' --valid-for 720h
  mwedition publish --dnf /srv/dnf --dnf-url https://packages.example.org/dnf --sign-key key.asc`

func newPublish(g *globals) *cobra.Command {
	var registry string
	var editions []string
	var insecure bool
	var rf repoFlags
	cmd := &cobra.Command{
		Use:     "publish [--registry HOST[:PORT]/PREFIX] [--apt DIR] [--dnf DIR]",
		Short:   "Push the editions' images to a registry; publish their packages as signed apt and dnf repositories",
		Long:    publishLong,
		Example: publishExample,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if registry == "" && !rf.any() {
				return usageError{errors.New("publish needs a destination: --registry HOST[:PORT]/PREFIX, --apt DIR, --dnf DIR")}
			}
			out := orDefault(rf.out, filepath.Join(g.dir, "out"))
			if err := g.checkEmbargo(publishTargets{out: out, apt: rf.apt, dnf: rf.dnf, registry: registry, insecure: insecure, editions: editions}); err != nil {
				return err
			}
			if err := g.publishPolicy(out, rf); err != nil {
				return err
			}
			if rf.any() {
				if err := publishRepos(cmd, g, rf); err != nil {
					return err
				}
			}
			if registry == "" {
				return nil
			}
			jobs := 0 // the pusher's default suits network work better than the CPU count
			if cmd.Flags().Changed("jobs") {
				jobs = g.jobs
			}
			return g.publishImages(cmd.Context(), registry, insecure, filepath.Join(out, outdir.OCI), editions, jobs)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&registry, "registry", "", "push images to HOST[:PORT]/PREFIX: edition E goes to HOST[:PORT]/PREFIX/E")
	fl.StringSliceVar(&editions, "edition", nil, "push only these editions' images (default: every edition in the layout)")
	fl.BoolVar(&insecure, "insecure", false, "allow plain HTTP to a registry that is not on a loopback address")
	rf.register(cmd)
	return cmd
}

func (g *globals) publishImages(ctx context.Context, registry string, insecure bool, dir string, editions []string, jobs int) error {
	target, err := push.ParseTarget(registry, insecure)
	if err != nil {
		return usageError{err}
	}
	l, err := push.ReadLayout(dir)
	if errors.Is(err, push.ErrNoLayout) {
		return fmt.Errorf("no image layout at %s: build the images first with `mwedition build --format image`", dir)
	} else if err != nil {
		return fmt.Errorf("reading the image layout: %w", err)
	}
	rep, err := push.Push(ctx, l, target, push.Options{
		// The Docker config (and its credential helpers) as docker and skopeo read it.
		Keychain:  authn.DefaultKeychain,
		Transport: registryTransport(),
		Jobs:      jobs,
		Editions:  editions,
		Observer:  g.pushEvent,
	})
	eds := map[string]bool{}
	for _, p := range rep.Tags {
		eds[p.Edition] = true
		g.result(map[string]any{"event": "tagged", "edition": p.Edition, "repository": p.Repository, "tag": p.Tag,
			"reference": p.Reference(), "digest": p.Digest.String(), "mediaType": string(p.MediaType)})
		g.say("%s %s", p.Reference(), p.Digest)
	}
	if err != nil {
		return err
	}
	g.result(map[string]any{"event": "published", "registry": target.String(), "tags": len(rep.Tags), "editions": len(eds),
		"uploaded": rep.Uploaded, "uploadedBytes": rep.UploadedBytes, "mounted": rep.Mounted, "existed": rep.Existed, "manifests": rep.Manifests})
	if !g.quiet {
		fmt.Fprintf(g.stderr, "published %s of %s to %s: %s uploaded (%s), %d mounted from another edition, %d already there\n",
			plural(len(rep.Tags), "tag"), plural(len(eds), "edition"), target, plural(rep.Uploaded, "blob"), humanBytes(rep.UploadedBytes), rep.Mounted, rep.Existed)
	}
	return nil
}

// pushEvent shows blobs sent or mounted (a blob already there is only counted), and
// blobs and manifests as JSON lines with --json; tags are results, printed at the end.
func (g *globals) pushEvent(e push.Event) {
	if g.json {
		ev := map[string]any{"repository": e.Repository, "digest": e.Digest.String(), "bytes": e.Size, "done": e.Done, "total": e.Total}
		switch e.Type {
		case push.EventBlob:
			ev["event"], ev["outcome"] = "blob", e.Outcome.String()
			if e.From != "" {
				ev["from"] = e.From
			}
		case push.EventManifest:
			ev["event"] = "manifest"
		default:
			return
		}
		g.result(ev)
		return
	}
	if g.quiet || e.Type != push.EventBlob {
		return
	}
	short := e.Digest.String()[:len("sha256:")+12]
	switch e.Outcome {
	case push.Uploaded:
		fmt.Fprintf(g.stderr, "[%d/%d] uploaded %s %9s to %s\n", e.Done, e.Total, short, humanBytes(e.Size), e.Repository)
	case push.Mounted:
		fmt.Fprintf(g.stderr, "[%d/%d] mounted  %s %9s to %s from %s\n", e.Done, e.Total, short, humanBytes(e.Size), e.Repository, e.From)
	}
}

// registryTransport is ggcr's, with a bound on how long a registry may sit on a request
// before answering, so that a hung registry fails (and is retried) instead of hanging CI.
func registryTransport() http.RoundTripper {
	t := remote.DefaultTransport.(*http.Transport).Clone()
	t.ResponseHeaderTimeout = 2 * time.Minute
	return t
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
