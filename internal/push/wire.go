package push

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// Outcome is what happened to a blob in one repository.
type Outcome int

const (
	Existed  Outcome = iota // the repository had it: nothing sent
	Mounted                 // mounted from another repository of the registry: nothing sent
	Uploaded                // its bytes were sent
)

func (o Outcome) String() string {
	switch o {
	case Mounted:
		return "mounted"
	case Uploaded:
		return "uploaded"
	}
	return "existed"
}

// wire is the bottom of one repository's transport stack (below ggcr's retries and
// authentication). It refuses plain HTTP where it is not allowed, and notes what the
// registry answered for each blob: ggcr's Pusher checks, mounts and uploads, but does not
// say which it did.
type wire struct {
	inner     http.RoundTripper
	plainHTTP bool

	mu       sync.Mutex
	outcomes map[v1.Hash]Outcome
}

func newWire(inner http.RoundTripper, plainHTTP bool) *wire {
	return &wire{inner: inner, plainHTTP: plainHTTP, outcomes: map[v1.Hash]Outcome{}}
}

func (w *wire) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme == "http" && !w.plainHTTP {
		return nil, fmt.Errorf("refusing plain HTTP to %s, which is not a loopback address: credentials and images would cross the network unencrypted (--insecure allows it)", req.URL.Host)
	}
	resp, err := w.inner.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	q := req.URL.Query()
	switch {
	case req.Method == http.MethodHead && resp.StatusCode == http.StatusOK && strings.Contains(req.URL.Path, "/blobs/"):
		w.note(req.URL.Path[strings.LastIndex(req.URL.Path, "/")+1:], Existed)
	case req.Method == http.MethodPost && resp.StatusCode == http.StatusCreated && q.Get("mount") != "":
		w.note(q.Get("mount"), Mounted)
	case req.Method == http.MethodPut && resp.StatusCode == http.StatusCreated && q.Get("digest") != "":
		w.note(q.Get("digest"), Uploaded)
	}
	return resp, nil
}

// note keeps the strongest outcome seen for a blob: once sent, it was sent.
func (w *wire) note(digest string, o Outcome) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if prev, ok := w.outcomes[h]; !ok || o > prev {
		w.outcomes[h] = o
	}
}

func (w *wire) outcome(h v1.Hash) Outcome {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.outcomes[h]
}
