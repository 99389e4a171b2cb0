package push_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/mwedition/mwedition/internal/outdir"
	"github.com/mwedition/mwedition/internal/push"
)

// fast retries keep the flaky-registry tests short; six attempts ride out a fault on
// every distinct request.
var fast = remote.Backoff{Duration: time.Millisecond, Factor: 2, Steps: 6}

// editionLayout writes a layout as the image sink does: three editions sharing layers
// (core ⊂ knowledge-base ⊂ enterprise), enterprise as a two-platform index, a descriptor
// per (edition, tag), and one descriptor that is not to be published. It returns the
// directory and the digest each "edition:tag" must resolve to.
func editionLayout(t *testing.T) (string, map[string]v1.Hash) {
	t.Helper()
	layer := func() v1.Layer {
		l, err := random.Layer(2048, types.OCILayer)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	image := func(arch string, ls ...v1.Layer) v1.Image {
		base, err := mutate.ConfigFile(mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON),
			&v1.ConfigFile{OS: "linux", Architecture: arch, RootFS: v1.RootFS{Type: "layers"}})
		if err != nil {
			t.Fatal(err)
		}
		img, err := mutate.AppendLayers(base, ls...)
		if err != nil {
			t.Fatal(err)
		}
		return img
	}
	shared1, shared2 := layer(), layer()
	core := image("amd64", shared1, layer())
	kb := image("amd64", shared1, shared2, layer())
	ent := mutate.AppendManifests(mutate.IndexMediaType(empty.Index, types.OCIImageIndex),
		mutate.IndexAddendum{Add: image("amd64", shared1, shared2, layer()), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: image("arm64", shared1, shared2, layer()), Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})

	dir := t.TempDir()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]v1.Hash{}
	ann := func(ed, tag string) layout.Option {
		return layout.WithAnnotations(map[string]string{
			"org.opencontainers.image.ref.name": ed + "-" + tag,
			outdir.AnnotationEdition:            ed,
			outdir.AnnotationTag:                tag,
		})
	}
	for _, e := range []struct {
		name string
		tags []string
		img  v1.Image
	}{{"core", []string{"1.39", "1.39.17.1"}, core}, {"knowledge-base", []string{"1.39.17.1"}, kb}} {
		d, _ := e.img.Digest()
		for _, tag := range e.tags {
			if err := p.AppendImage(e.img, ann(e.name, tag)); err != nil {
				t.Fatal(err)
			}
			want[e.name+":"+tag] = d
		}
	}
	if err := p.AppendIndex(ent, ann("enterprise", "1.39")); err != nil {
		t.Fatal(err)
	}
	want["enterprise:1.39"], _ = ent.Digest()
	// A base image kept in the layout, not published.
	if err := p.AppendImage(image("amd64", layer())); err != nil {
		t.Fatal(err)
	}
	return dir, want
}

// uniqueBlobs is what editionLayout's editions hold: 4 configs, 2 shared and 4 own layers.
const uniqueBlobs = 10

// blobsPerRepository is the blobs each edition's repository needs, summed: 3 + 4 + 6.
const blobsPerRepository = 13

// counter counts, per blob digest, the uploads a registry received.
type counter struct {
	mu      sync.Mutex
	uploads map[string]int // digest -> committed uploads
	started int            // upload sessions opened without a mount
}

func (c *counter) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/blobs/uploads/") {
			c.mu.Lock()
			switch d := r.URL.Query().Get("digest"); {
			case r.Method == http.MethodPut || (r.Method == http.MethodPost && d != ""):
				c.uploads[d]++
			case r.Method == http.MethodPost && r.URL.Query().Get("mount") == "":
				c.started++
			}
			c.mu.Unlock()
		}
		h.ServeHTTP(w, r)
	})
}

func (c *counter) reset() (uploads map[string]int, started int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	uploads, started = c.uploads, c.started
	c.uploads, c.started = map[string]int{}, 0
	return uploads, started
}

// testRegistry is ggcr's in-memory registry behind optional middleware, counting uploads.
func testRegistry(t *testing.T, middleware ...func(http.Handler) http.Handler) (host string, c *counter) {
	t.Helper()
	c = &counter{uploads: map[string]int{}}
	var h http.Handler = registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	for _, m := range middleware {
		h = m(h)
	}
	srv := httptest.NewServer(c.wrap(h))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://"), c
}

func target(t *testing.T, host string) push.Target {
	t.Helper()
	tg, err := push.ParseTarget(host+"/mediawiki", false)
	if err != nil {
		t.Fatal(err)
	}
	return tg
}

func read(t *testing.T, dir string) *push.Layout {
	t.Helper()
	l, err := push.ReadLayout(dir)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// tags lists what each edition's repository holds as "edition:tag" -> digest, reading
// the registry directly (no faults, full credentials).
func tags(t *testing.T, host string, opts ...remote.Option) map[string]v1.Hash {
	t.Helper()
	got := map[string]v1.Hash{}
	for _, ed := range []string{"core", "knowledge-base", "enterprise"} {
		repo, _ := name.NewRepository(host + "/mediawiki/" + ed)
		list, err := remote.List(repo, opts...)
		var te *transport.Error
		if errors.As(err, &te) && te.StatusCode == http.StatusNotFound {
			continue
		} else if err != nil {
			t.Fatalf("listing %s: %v", repo, err)
		}
		for _, tag := range list {
			d, err := remote.Get(repo.Tag(tag), opts...)
			if err != nil {
				t.Fatalf("%s:%s: %v", repo, tag, err)
			}
			// Every tag must name a complete image: validate reads every blob.
			if d.MediaType.IsIndex() {
				idx, _ := d.ImageIndex()
				err = validate.Index(idx)
			} else {
				img, _ := d.Image()
				err = validate.Image(img)
			}
			if err != nil {
				t.Errorf("%s:%s is not a complete image: %v", repo, tag, err)
			}
			got[ed+":"+tag] = d.Digest
		}
	}
	return got
}

func TestPushEveryEdition(t *testing.T) {
	dir, want := editionLayout(t)
	host, c := testRegistry(t)
	var evs []push.Event
	rep, err := push.Push(context.Background(), read(t, dir), target(t, host), push.Options{
		Jobs: 3, Observer: func(e push.Event) { evs = append(evs, e) }, // never called concurrently: -race checks
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, tags(t, host)); diff != "" {
		t.Errorf("tags in the registry (-want +got):\n%s", diff)
	}
	var printed []string
	for _, p := range rep.Tags {
		printed = append(printed, p.Reference()+" "+p.Digest.String())
	}
	wantPrinted := []string{
		host + "/mediawiki/core:1.39 " + want["core:1.39"].String(),
		host + "/mediawiki/core:1.39.17.1 " + want["core:1.39.17.1"].String(),
		host + "/mediawiki/enterprise:1.39 " + want["enterprise:1.39"].String(),
		host + "/mediawiki/knowledge-base:1.39.17.1 " + want["knowledge-base:1.39.17.1"].String(),
	}
	if diff := cmp.Diff(wantPrinted, printed); diff != "" {
		t.Errorf("report, in layout order (-want +got):\n%s", diff)
	}
	uploads, _ := c.reset()
	for d, n := range uploads {
		if n != 1 {
			t.Errorf("blob %s uploaded %d times", d, n)
		}
	}
	type counts struct{ Uploaded, Shared, Manifests int }
	// The in-memory registry keeps one blob store for all repositories, so a shared layer
	// is found there (a real registry mounts it: tests/registry_test.go).
	if diff := cmp.Diff(counts{uniqueBlobs, blobsPerRepository - uniqueBlobs, 5}, counts{rep.Uploaded, rep.Existed + rep.Mounted, rep.Manifests}); diff != "" {
		t.Errorf("report counts (-want +got):\n%s", diff)
	}
	if len(uploads) != uniqueBlobs {
		t.Errorf("the registry received %d distinct blobs, want %d", len(uploads), uniqueBlobs)
	}
	// Events: one per blob and repository, manifest and tag; counted in order; tags last.
	if n := blobsPerRepository + 5 + 4; len(evs) != n {
		t.Fatalf("%d events, want %d", len(evs), n)
	}
	for i, e := range evs {
		if e.Done != i+1 || e.Total != len(evs) {
			t.Fatalf("event %d says %d/%d", i, e.Done, e.Total)
		}
		if i >= len(evs)-4 && e.Type != push.EventTag {
			t.Errorf("event %d is %v, want the tags last", i, e.Type)
		}
	}
}

func TestSecondPushUploadsNoBlob(t *testing.T) {
	dir, want := editionLayout(t)
	host, c := testRegistry(t)
	l := read(t, dir)
	if _, err := push.Push(context.Background(), l, target(t, host), push.Options{}); err != nil {
		t.Fatal(err)
	}
	c.reset()
	rep, err := push.Push(context.Background(), l, target(t, host), push.Options{})
	if err != nil {
		t.Fatal(err)
	}
	uploads, started := c.reset()
	if len(uploads) != 0 || started != 0 || rep.Uploaded != 0 || rep.Mounted != 0 {
		t.Errorf("second push: %d blobs uploaded, %d upload sessions started, report %+v: want nothing sent", len(uploads), started, rep)
	}
	if rep.Existed != blobsPerRepository || len(rep.Tags) != len(want) {
		t.Errorf("second push report %+v: want every blob found and every tag written", rep)
	}
}

func TestPushOneEdition(t *testing.T) {
	dir, want := editionLayout(t)
	host, _ := testRegistry(t)
	l := read(t, dir)
	if _, err := push.Push(context.Background(), l, target(t, host), push.Options{Editions: []string{"knowledge-base"}}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]v1.Hash{"knowledge-base:1.39.17.1": want["knowledge-base:1.39.17.1"]}, tags(t, host)); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	_, err := push.Push(context.Background(), l, target(t, host), push.Options{Editions: []string{"knowledge"}})
	if err == nil || !strings.Contains(err.Error(), `edition "knowledge" is not in the layout`) || !strings.Contains(err.Error(), "knowledge-base") {
		t.Errorf("unknown edition: %v", err)
	}
}

// faulty fails requests before (or after) the registry sees them.
type faulty struct {
	mode  string                   // "500", "drop" (close the connection unanswered) or "lose" (serve, then drop the answer)
	once  bool                     // fail each distinct request (method and path, upload session aside) once
	fails func(*http.Request) bool // fail these every time
	on    atomic.Bool

	mu   sync.Mutex
	seen map[string]bool
	n    int
}

func (f *faulty) injected() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

var uploadSession = regexp.MustCompile(`/blobs/uploads/.*`)

func (f *faulty) wrap(h http.Handler) http.Handler {
	f.seen = map[string]bool{}
	f.on.Store(true)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !f.on.Load() {
			h.ServeHTTP(w, r)
			return
		}
		key := r.Method + " " + uploadSession.ReplaceAllString(r.URL.Path, "/blobs/uploads/")
		f.mu.Lock()
		fail := (f.once && !f.seen[key]) || (f.fails != nil && f.fails(r))
		f.seen[key] = true
		if fail {
			f.n++
		}
		f.mu.Unlock()
		if !fail {
			h.ServeHTTP(w, r)
			return
		}
		switch f.mode {
		case "500":
			io.Copy(io.Discard, r.Body)
			http.Error(w, `{"errors":[{"code":"UNKNOWN","message":"injected failure"}]}`, http.StatusInternalServerError)
		case "lose":
			h.ServeHTTP(httptest.NewRecorder(), r)
			fallthrough
		case "drop":
			io.Copy(io.Discard, r.Body)
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				panic(err)
			}
			conn.Close()
		}
	})
}

func TestFlakyRegistry(t *testing.T) {
	tagPut := func(repo, tag string) func(*http.Request) bool {
		return func(r *http.Request) bool {
			return r.Method == http.MethodPut && strings.HasSuffix(r.URL.Path, "/mediawiki/"+repo+"/manifests/"+tag)
		}
	}
	for _, tc := range []struct {
		name  string
		fault *faulty
		// The tags that must exist afterwards; the error wanted when some are missing.
		missing []string
		wantErr string
	}{
		{name: "every request fails once with 500", fault: &faulty{mode: "500", once: true}},
		{name: "every request loses its connection once", fault: &faulty{mode: "drop", once: true}},
		{name: "every request is served but its answer lost once", fault: &faulty{mode: "lose", once: true}},
		{
			name: "enterprise's manifests always fail",
			fault: &faulty{mode: "500", fails: func(r *http.Request) bool {
				return r.Method == http.MethodPut && strings.Contains(r.URL.Path, "/enterprise/manifests/")
			}},
			missing: []string{"core:1.39", "core:1.39.17.1", "enterprise:1.39", "knowledge-base:1.39.17.1"},
			wantErr: "no tag was written",
		},
		{
			name:    "a blob upload always fails",
			fault:   &faulty{mode: "drop", fails: func(r *http.Request) bool { return r.Method == http.MethodPatch }},
			missing: []string{"core:1.39", "core:1.39.17.1", "enterprise:1.39", "knowledge-base:1.39.17.1"},
			wantErr: "no tag was written",
		},
		{
			name:    "one tag always fails",
			fault:   &faulty{mode: "500", fails: tagPut("core", "1.39")},
			missing: []string{"core:1.39"},
			wantErr: "tagging sha256:",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, want := editionLayout(t)
			host, _ := testRegistry(t, tc.fault.wrap)
			rep, err := push.Push(context.Background(), read(t, dir), target(t, host), push.Options{Backoff: &fast})
			tc.fault.on.Store(false)
			if tc.fault.injected() == 0 {
				t.Fatal("no fault was injected")
			}
			for _, m := range tc.missing {
				delete(want, m)
			}
			if tc.wantErr == "" && err != nil {
				t.Fatalf("push did not ride out the faults: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one saying %q", err, tc.wantErr)
			}
			if diff := cmp.Diff(want, tags(t, host)); diff != "" {
				t.Errorf("tags in the registry (-want +got):\n%s", diff)
			}
			if len(rep.Tags) != len(want) {
				t.Errorf("report lists %d tags, the registry holds %d", len(rep.Tags), len(want))
			}
		})
	}
}

// keychain gives fixed credentials per registry.
type keychain map[string]authn.AuthConfig

func (k keychain) Resolve(r authn.Resource) (authn.Authenticator, error) {
	if c, ok := k[r.RegistryStr()]; ok {
		return authn.FromConfig(c), nil
	}
	return authn.Anonymous, nil
}

const password = "s3cret-Passw0rd"

// basicAuth lets in only user "ci" with the password, and refuses it pushes to enterprise.
func basicAuth(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		if !ok || u != "ci" || p != password {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, `{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}`, http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodGet && r.Method != http.MethodHead && strings.Contains(r.URL.Path, "/enterprise/") {
			http.Error(w, `{"errors":[{"code":"DENIED","message":"requested access to the resource is denied"}]}`, http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func TestCredentials(t *testing.T) {
	dir, want := editionLayout(t)
	host, _ := testRegistry(t, basicAuth)
	l := read(t, dir)
	for _, tc := range []struct {
		name     string
		keys     push.Options
		editions []string
		want     *push.AuthError // nil: success
		says     string
	}{
		{"no credentials", push.Options{}, []string{"core"},
			&push.AuthError{Registry: host, Repository: "mediawiki/core", Status: 401, Anonymous: true}, "none were found for it: log in with `docker login " + host + "`"},
		{"wrong password", push.Options{Keychain: keychain{host: {Username: "ci", Password: "wrong-" + password}}}, []string{"core"},
			&push.AuthError{Registry: host, Repository: "mediawiki/core", Status: 401}, "rejected the credentials"},
		{"no right to push", push.Options{Keychain: keychain{host: {Username: "ci", Password: password}}}, []string{"enterprise"},
			&push.AuthError{Registry: host, Repository: "mediawiki/enterprise", Status: 403}, "denied pushing to mediawiki/enterprise"},
		{"right password", push.Options{Keychain: keychain{host: {Username: "ci", Password: password}}}, []string{"core", "knowledge-base"}, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.keys
			o.Editions = tc.editions
			o.Backoff = &fast
			_, err := push.Push(context.Background(), l, target(t, host), o)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ae *push.AuthError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v, want an AuthError", err)
			}
			if diff := cmp.Diff(tc.want, ae, cmpopts.IgnoreUnexported(push.AuthError{})); diff != "" {
				t.Errorf("AuthError (-want +got):\n%s", diff)
			}
			for _, s := range []string{tc.says, "no tag was written", "Docker config"} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), password) {
				t.Errorf("the error shows the password: %v", err)
			}
		})
	}
	full := remote.WithAuth(&authn.Basic{Username: "ci", Password: password})
	if diff := cmp.Diff(map[string]v1.Hash{"core:1.39": want["core:1.39"], "core:1.39.17.1": want["core:1.39.17.1"], "knowledge-base:1.39.17.1": want["knowledge-base:1.39.17.1"]}, tags(t, host, full)); diff != "" {
		t.Errorf("only the successful push may tag (-want +got):\n%s", diff)
	}
}

func TestUnreachableRegistry(t *testing.T) {
	dir, _ := editionLayout(t)
	srv := httptest.NewServer(http.NotFoundHandler())
	host := strings.TrimPrefix(srv.URL, "http://")
	srv.Close() // nothing listens there now
	start := time.Now()
	_, err := push.Push(context.Background(), read(t, dir), target(t, host), push.Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot reach the registry "+host) || !strings.Contains(err.Error(), "no tag was written") {
		t.Errorf("error %v, want one saying the registry cannot be reached", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("took %v to give up on a closed port", d)
	}
}

// tlsOnly answers https with an error and fails the test if plain HTTP gets through.
type tlsOnly struct{ t *testing.T }

func (x tlsOnly) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.URL.Scheme == "http" {
		x.t.Errorf("plain HTTP reached the network: %s %s", r.Method, r.URL)
	}
	return nil, errors.New("no TLS server here")
}

func TestPlainHTTPOnlyToLoopback(t *testing.T) {
	dir, _ := editionLayout(t)
	// A private address: ggcr would fall back to http:// there; the pusher does not.
	tg, err := push.ParseTarget("192.168.77.1:5000/mediawiki", false)
	if err != nil {
		t.Fatal(err)
	}
	_, err = push.Push(context.Background(), read(t, dir), tg, push.Options{Transport: tlsOnly{t}, Backoff: &fast})
	if err == nil || !strings.Contains(err.Error(), "refusing plain HTTP to 192.168.77.1:5000") {
		t.Errorf("error %v, want plain HTTP refused", err)
	}
}

func TestParseTarget(t *testing.T) {
	for _, tc := range []struct {
		in       string
		insecure bool
		want     push.Target
		err      string
	}{
		{in: "127.0.0.1:5000/mediawiki", want: push.Target{Registry: "127.0.0.1:5000", Prefix: "mediawiki", PlainHTTP: true}},
		{in: "localhost:5000/a/b/", want: push.Target{Registry: "localhost:5000", Prefix: "a/b", PlainHTTP: true}},
		{in: "[::1]:5000/mw", want: push.Target{Registry: "[::1]:5000", Prefix: "mw", PlainHTTP: true}},
		{in: "registry.example.org/mediawiki", want: push.Target{Registry: "registry.example.org", Prefix: "mediawiki"}},
		{in: "registry.example.org", want: push.Target{Registry: "registry.example.org"}},
		{in: "10.0.0.5:5000/mw", insecure: true, want: push.Target{Registry: "10.0.0.5:5000", Prefix: "mw", PlainHTTP: true}},
		{in: "", err: "give HOST[:PORT]/PREFIX"},
		{in: "https://registry.example.org/mw", err: "without a scheme"},
		{in: "mediawiki", err: `"mediawiki" is not a registry host; start with one, e.g. docker.io/mediawiki`},
		{in: "registry.example.org/MediaWiki", err: "not a valid repository prefix"},
		{in: "registry.example.org/mw:1.39", err: "cannot carry a tag"},
		{in: "registry.example.org:port/mw", err: "is not a registry host[:port]"},
		{in: "ci:" + password + "@registry.example.org/mw", err: "must not carry credentials"},
	} {
		t.Run(tc.in, func(t *testing.T) {
			got, err := push.ParseTarget(tc.in, tc.insecure)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("ParseTarget(%q) = %+v, %v; want an error saying %q", tc.in, got, err, tc.err)
				}
				if strings.Contains(err.Error(), password) {
					t.Errorf("the error repeats the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTarget(%q): %v", tc.in, err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("ParseTarget(%q) (-want +got):\n%s", tc.in, diff)
			}
		})
	}
}

func TestReadLayoutErrors(t *testing.T) {
	for _, tc := range []struct {
		name  string
		spoil func(t *testing.T, dir string)
		err   string
	}{
		{"no layout", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, "index.json")) }, "no OCI image layout"},
		{"missing blob", func(t *testing.T, dir string) {
			l := read(t, dir)
			img, _ := layout.Path(dir).Image(l.Refs[0].Desc.Digest)
			ls, _ := img.Layers()
			d, _ := ls[len(ls)-1].Digest()
			os.Remove(filepath.Join(dir, "blobs", d.Algorithm, d.Hex))
		}, "is missing from the layout"},
		{"truncated blob", func(t *testing.T, dir string) {
			l := read(t, dir)
			img, _ := layout.Path(dir).Image(l.Refs[0].Desc.Digest)
			ls, _ := img.Layers()
			d, _ := ls[0].Digest()
			os.Truncate(filepath.Join(dir, "blobs", d.Algorithm, d.Hex), 10)
		}, "the layout is corrupt"},
		{"no annotations", func(t *testing.T, dir string) {
			rewriteIndex(t, dir, func(d *v1.Descriptor) {
				delete(d.Annotations, outdir.AnnotationEdition)
				delete(d.Annotations, outdir.AnnotationTag)
			})
		}, "nothing to publish"},
		{"edition without tag", func(t *testing.T, dir string) {
			rewriteIndex(t, dir, func(d *v1.Descriptor) { delete(d.Annotations, outdir.AnnotationTag) })
		}, "has only one of"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, _ := editionLayout(t)
			tc.spoil(t, dir)
			_, err := push.ReadLayout(dir)
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Fatalf("ReadLayout: %v, want an error saying %q", err, tc.err)
			}
			if tc.name == "no layout" && !errors.Is(err, push.ErrNoLayout) {
				t.Errorf("error %v is not ErrNoLayout", err)
			}
		})
	}
	dir, _ := editionLayout(t)
	if diff := cmp.Diff([]string{"core", "enterprise", "knowledge-base"}, read(t, dir).Editions()); diff != "" {
		t.Errorf("Editions (-want +got):\n%s", diff)
	}
}

func rewriteIndex(t *testing.T, dir string, f func(*v1.Descriptor)) {
	t.Helper()
	idx, _ := layout.Path(dir).ImageIndex()
	im, _ := idx.IndexManifest()
	for i := range im.Manifests {
		if im.Manifests[i].Annotations != nil {
			f(&im.Manifests[i])
		}
	}
	b, err := json.Marshal(im)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "index.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
