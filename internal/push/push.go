// Package push publishes the editions of an OCI image layout (out/oci, written by the image
// sink) to a registry: edition E's images go to repository REGISTRY/PREFIX/E under the tags
// index.json names for it.
//
// A push runs in phases so that a failure leaves no tag pointing at an incomplete image:
// every blob first (each uploaded once: a repository that already has it is skipped, and
// a blob shared by several editions is uploaded to the first edition's repository and
// mounted from there into the others), then every manifest by digest, and the tags last.
// Transient failures (5xx, dropped connections) are retried with backoff. The work is
// done by go-containerregistry's remote.Pusher; this package plans it and reports it.
package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/sync/errgroup"
)

// Options tune a push. The zero value pushes every edition anonymously.
type Options struct {
	// Keychain gives the credentials for a registry (the CLI passes the Docker config's);
	// nil pushes anonymously.
	Keychain authn.Keychain
	// Transport carries the requests; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// Jobs bounds the requests in flight; 0 means 4.
	Jobs int
	// Editions restricts the push to these editions; nil pushes all of the layout's.
	Editions []string
	// Backoff schedules the retries of a failed request; nil means DefaultBackoff.
	Backoff *remote.Backoff
	// Observer receives progress; it is never called by two goroutines at once.
	Observer func(Event)
}

// DefaultBackoff retries a request four times, 1, 2, 4 and 8 seconds apart: long enough
// for a registry behind a restarting proxy to come back, short enough for CI.
var DefaultBackoff = remote.Backoff{Duration: time.Second, Factor: 2, Jitter: 0.1, Steps: 5}

// EventType says what an Event reports.
type EventType int

const (
	EventBlob     EventType = iota // a blob is now in a repository; Outcome says how
	EventManifest                  // a manifest or index was put by digest
	EventTag                       // a tag was written
)

// Event reports one finished step. Done counts the steps finished so far, Total all of them.
type Event struct {
	Type       EventType
	Repository string // e.g. 127.0.0.1:5000/mediawiki/core
	Digest     v1.Hash
	Size       int64
	Outcome    Outcome // EventBlob
	From       string  // EventBlob, Mounted: the repository it was mounted from
	Tag        string  // EventTag
	Done       int
	Total      int
}

// Published is one tag written.
type Published struct {
	Edition    string
	Repository string
	Tag        string
	Digest     v1.Hash
	MediaType  types.MediaType
}

// Reference is REPOSITORY:TAG.
func (p Published) Reference() string { return p.Repository + ":" + p.Tag }

// Report says what a push did. Blob counts are per repository: a layer shared by three
// editions uploaded once and mounted twice counts one upload and two mounts.
type Report struct {
	Tags          []Published // in the layout's order (edition, then tag)
	Uploaded      int
	UploadedBytes int64
	Mounted       int
	Existed       int
	Manifests     int
}

// AuthError is a registry refusing access (401 or 403) to a repository.
type AuthError struct {
	Registry   string
	Repository string
	Status     int
	// Anonymous is true when the keychain had no credentials for the registry.
	Anonymous bool
	err       error
}

func (e *AuthError) Error() string {
	status := fmt.Sprintf("%d %s", e.Status, http.StatusText(e.Status))
	login := fmt.Sprintf("`docker login %s` (credentials are read from the Docker config: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)", e.Registry)
	switch {
	case e.Status == http.StatusForbidden:
		return fmt.Sprintf("registry %s denied pushing to %s (%s): check that the account you logged in with %s may push there", e.Registry, e.Repository, status, login)
	case e.Anonymous:
		return fmt.Sprintf("registry %s wants credentials to push to %s (%s) and none were found for it: log in with %s", e.Registry, e.Repository, status, login)
	}
	return fmt.Sprintf("registry %s rejected the credentials for pushing to %s (%s): log in again with %s", e.Registry, e.Repository, status, login)
}

// Unwrap gives the registry's answer (a *transport.Error); its text holds no credential.
func (e *AuthError) Unwrap() error { return e.err }

// repo is one edition's repository and what goes into it.
type repo struct {
	edition   string
	name      name.Repository
	pusher    *remote.Pusher
	wire      *wire
	anonymous bool
	refs      []Ref
	manifests []v1.Hash // children before the indexes listing them
	blobs     []v1.Hash
}

// Push publishes the layout's editions to t. The report lists the tags written, even when
// an error ends the push; a push that fails before its last phase writes no tag at all.
func Push(ctx context.Context, l *Layout, t Target, o Options) (Report, error) {
	repos, err := plan(ctx, l, t, o)
	if err != nil {
		return Report{}, err
	}
	jobs := o.Jobs
	if jobs <= 0 {
		jobs = 4
	}
	s := &session{l: l, t: t, repos: repos, jobs: jobs, tally: newTally(repos, o.Observer)}
	if err := s.pushBlobs(ctx); err != nil {
		return s.fail(err)
	}
	if err := s.pushManifests(ctx); err != nil {
		return s.fail(err)
	}
	return s.pushTags(ctx)
}

// session is one push under way: what it pushes, where, and the tally of what is done.
type session struct {
	l     *Layout
	t     Target
	repos []*repo
	jobs  int
	tally *tally
}

// tally counts the finished steps into the report and passes each on to the observer;
// its lock keeps the observer from being called by two goroutines at once.
type tally struct {
	mu       sync.Mutex // guards rep, done and calls to the observer
	rep      Report
	done     int
	total    int
	observer func(Event)
}

// newTally is a tally of every blob, manifest and tag the repositories need.
func newTally(repos []*repo, observer func(Event)) *tally {
	total := 0
	for _, r := range repos {
		total += len(r.blobs) + len(r.manifests) + len(r.refs)
	}
	return &tally{total: total, observer: observer}
}

// emit records a finished step and reports it.
func (c *tally) emit(e Event) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	switch e.Type {
	case EventBlob:
		switch e.Outcome {
		case Uploaded:
			c.rep.Uploaded++
			c.rep.UploadedBytes += e.Size
		case Mounted:
			c.rep.Mounted++
		default:
			c.rep.Existed++
		}
	case EventManifest:
		c.rep.Manifests++
	}
	if c.observer != nil {
		e.Done, e.Total = c.done, c.total
		c.observer(e)
	}
}

// fail ends a push before any tag was written.
func (s *session) fail(err error) (Report, error) {
	return s.tally.rep, fmt.Errorf("publishing to %s: %w; no tag was written", s.t, err)
}

// put is one blob going into a repository: uploaded, or, when from is not nil, mounted
// from the repository it went into first.
type put struct {
	r    *repo
	blob v1.Hash
	from *repo
}

// pushBlobs puts each blob into the first repository needing it, then mounts it from there
// into the others, which is why the second step waits for the first.
func (s *session) pushBlobs(ctx context.Context) error {
	home := map[v1.Hash]*repo{}
	var first, mounts []put
	for _, r := range s.repos {
		for _, b := range r.blobs {
			if h, ok := home[b]; ok {
				mounts = append(mounts, put{r, b, h})
				continue
			}
			home[b] = r
			first = append(first, put{r: r, blob: b})
		}
	}
	if err := each(ctx, s.jobs, first, s.putBlob); err != nil {
		return err
	}
	return each(ctx, s.jobs, mounts, s.putBlob)
}

// putBlob uploads or mounts one blob and reports how it got there.
func (s *session) putBlob(ctx context.Context, p put) error {
	b := s.l.blobs[p.blob]
	d := b.desc
	layer, err := partial.CompressedToLayer(b)
	if err != nil {
		return err
	}
	ev := Event{Type: EventBlob, Repository: p.r.name.Name(), Digest: d.Digest, Size: d.Size}
	if p.from != nil {
		layer = &remote.MountableLayer{Layer: layer, Reference: p.from.name.Digest(d.Digest.String())}
		ev.From = p.from.name.Name()
	}
	if err := p.r.pusher.Upload(ctx, p.r.name, layer); err != nil {
		return explain(fmt.Errorf("pushing blob %s (%s) to %s: %w", d.Digest, d.MediaType, p.r.name, err), s.t, p.r)
	}
	ev.Outcome = p.r.wire.outcome(d.Digest)
	s.tally.emit(ev)
	return nil
}

// pushManifests puts the manifests by digest: children before their index, so the
// registry never holds an index whose children it lacks.
func (s *session) pushManifests(ctx context.Context) error {
	return each(ctx, s.jobs, s.repos, func(ctx context.Context, r *repo) error {
		for _, h := range r.manifests {
			m := s.l.manifests[h]
			if err := r.pusher.Put(ctx, r.name.Digest(h.String()), m); err != nil {
				return explain(fmt.Errorf("pushing manifest %s to %s: %w", h, r.name, err), s.t, r)
			}
			s.tally.emit(Event{Type: EventManifest, Repository: r.name.Name(), Digest: h, Size: m.desc.Size})
		}
		return nil
	})
}

// tagging is one tag to write into a repository.
type tagging struct {
	r *repo
	p Published
}

// taggings lists the tags of every repository, in the layout's order.
func taggings(repos []*repo) []tagging {
	var tags []tagging
	for _, r := range repos {
		for _, ref := range r.refs {
			tags = append(tags, tagging{r, Published{Edition: r.edition, Repository: r.name.Name(), Tag: ref.Tag, Digest: ref.Desc.Digest, MediaType: ref.Desc.MediaType}})
		}
	}
	return tags
}

// pushTags writes the tags last: each now names an image whose every part is in place.
// The report lists those written, in the layout's order, even when some failed.
func (s *session) pushTags(ctx context.Context) (Report, error) {
	tags := taggings(s.repos)
	written := make([]bool, len(tags))
	err := each(ctx, s.jobs, indexes(len(tags)), func(ctx context.Context, i int) error {
		r, p := tags[i].r, tags[i].p
		if err := r.pusher.Put(ctx, r.name.Tag(p.Tag), s.l.manifests[p.Digest]); err != nil {
			return explain(fmt.Errorf("tagging %s as %s: %w", p.Digest, p.Reference(), err), s.t, r)
		}
		s.tally.mu.Lock()
		written[i] = true
		s.tally.mu.Unlock()
		s.tally.emit(Event{Type: EventTag, Repository: p.Repository, Tag: p.Tag, Digest: p.Digest})
		return nil
	})
	rep := &s.tally.rep
	for i, ok := range written {
		if ok {
			rep.Tags = append(rep.Tags, tags[i].p)
		}
	}
	if err != nil {
		if len(rep.Tags) == 0 {
			return s.fail(err)
		}
		return *rep, fmt.Errorf("publishing to %s: %w; %d of %d tags were written, each naming a complete image", s.t, err, len(rep.Tags), len(tags))
	}
	return *rep, nil
}

// plan picks the editions, and for each its repository, pusher, manifests and blobs.
func plan(ctx context.Context, l *Layout, t Target, o Options) ([]*repo, error) {
	all := l.Editions()
	for _, e := range o.Editions {
		if !slices.Contains(all, e) {
			return nil, fmt.Errorf("edition %q is not in the layout at %s, which holds %v", e, l.Dir, all)
		}
	}
	inner := o.Transport
	if inner == nil {
		inner = remote.DefaultTransport
	}
	backoff := DefaultBackoff
	if o.Backoff != nil {
		backoff = *o.Backoff
	}
	var repos []*repo
	for _, ref := range l.Refs {
		if o.Editions != nil && !slices.Contains(o.Editions, ref.Edition) {
			continue
		}
		if len(repos) == 0 || repos[len(repos)-1].edition != ref.Edition {
			n, err := t.Repository(ref.Edition)
			if err != nil {
				return nil, fmt.Errorf("edition %q: %w", ref.Edition, err)
			}
			auth := authn.Anonymous
			if o.Keychain != nil {
				if auth, err = authn.Resolve(ctx, o.Keychain, n); err != nil {
					return nil, fmt.Errorf("reading the credentials for %s from the Docker config: %w", n.RegistryStr(), err)
				}
			}
			w := newWire(inner, t.PlainHTTP)
			p, err := remote.NewPusher(remote.WithAuth(auth), remote.WithTransport(w), remote.WithRetryBackoff(backoff),
				remote.WithUserAgent("mwedition"))
			if err != nil {
				return nil, err
			}
			repos = append(repos, &repo{edition: ref.Edition, name: n, pusher: p, wire: w, anonymous: auth == authn.Anonymous})
		}
		r := repos[len(repos)-1]
		if _, err := name.NewTag(r.name.Name()+":"+ref.Tag, name.StrictValidation); err != nil {
			return nil, fmt.Errorf("edition %q: %q is not a valid tag: %w", ref.Edition, ref.Tag, err)
		}
		r.refs = append(r.refs, ref)
		ms, bs := l.reach(ref.Desc.Digest)
		r.manifests = appendNew(r.manifests, ms)
		r.blobs = appendNew(r.blobs, bs)
	}
	return repos, nil
}

func appendNew(dst, src []v1.Hash) []v1.Hash {
	for _, h := range src {
		if !slices.Contains(dst, h) {
			dst = append(dst, h)
		}
	}
	return dst
}

func indexes(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// each runs f on every item, at most jobs at once, and returns the first error; the
// others then stop at their next request.
func each[T any](ctx context.Context, jobs int, items []T, f func(context.Context, T) error) error {
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(jobs)
	for _, it := range items {
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return f(ctx, it)
		})
	}
	return g.Wait()
}

// explain turns the registry's refusals into errors that say what to do.
func explain(err error, t Target, r *repo) error {
	var te *transport.Error
	if errors.As(err, &te) && (te.StatusCode == http.StatusUnauthorized || te.StatusCode == http.StatusForbidden) {
		return &AuthError{Registry: t.Registry, Repository: r.name.RepositoryStr(), Status: te.StatusCode, Anonymous: r.anonymous, err: te}
	}
	var oe *net.OpError
	if errors.As(err, &oe) && oe.Op == "dial" {
		// What was being pushed does not matter: nothing got through.
		return fmt.Errorf("cannot reach the registry %s (is it running, and is the address right?): %w", t.Registry, oe)
	}
	return err
}

// blob is a file of the layout, pushed as it is.
type blob struct {
	path string
	desc v1.Descriptor
}

func (b blob) Digest() (v1.Hash, error)            { return b.desc.Digest, nil }
func (b blob) Size() (int64, error)                { return b.desc.Size, nil }
func (b blob) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }
func (b blob) Compressed() (io.ReadCloser, error)  { return os.Open(b.path) }
