package push

import (
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
)

// Target is where editions go: the repository of edition E is Registry/Prefix/E.
type Target struct {
	Registry string // host[:port]
	Prefix   string // may be empty
	// PlainHTTP allows http:// to the registry. It is on for loopback addresses, where
	// test and CI registries run without TLS; elsewhere only when asked for.
	PlainHTTP bool
}

// ParseTarget reads HOST[:PORT]/PREFIX. insecure allows plain HTTP to a registry that is
// not on a loopback address.
func ParseTarget(s string, insecure bool) (Target, error) {
	if strings.Contains(s, "@") {
		// Never echo it: the part before @ may be a password.
		return Target{}, errors.New("a registry address must not carry credentials or a digest ('@'): log in with `docker login HOST` instead")
	}
	if strings.Contains(s, "://") {
		return Target{}, fmt.Errorf("registry %q: give HOST[:PORT]/PREFIX without a scheme (plain HTTP is used for loopback addresses, or with --insecure)", s)
	}
	host, prefix, _ := strings.Cut(strings.TrimSuffix(s, "/"), "/")
	if host == "" {
		return Target{}, fmt.Errorf("registry %q: give HOST[:PORT]/PREFIX, e.g. registry.example.org/mediawiki", s)
	}
	// As docker does: the first part is a host if it has a dot or a port, or is localhost.
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return Target{}, fmt.Errorf("registry %q: %q is not a registry host; start with one, e.g. docker.io/%s or 127.0.0.1:5000/%s", s, host, s, s)
	}
	if _, err := name.NewRegistry(host, name.StrictValidation); err != nil {
		return Target{}, fmt.Errorf("registry %q: %q is not a registry host[:port]: %w", s, host, err)
	}
	if strings.Contains(prefix, ":") {
		return Target{}, fmt.Errorf("registry %q: the prefix cannot carry a tag; tags come from the editions' image outputs", s)
	}
	t := Target{Registry: host, Prefix: prefix, PlainHTTP: insecure || isLoopback(host)}
	// Any edition name is a valid last component, so checking one checks the prefix.
	if _, err := t.Repository("edition"); err != nil {
		return Target{}, fmt.Errorf("registry %q: %q is not a valid repository prefix (lowercase letters, digits and . _ - separated by /): %w", s, prefix, err)
	}
	return t, nil
}

// String is HOST[:PORT]/PREFIX.
func (t Target) String() string {
	if t.Prefix == "" {
		return t.Registry
	}
	return t.Registry + "/" + t.Prefix
}

// Repository is the repository an edition is pushed to.
func (t Target) Repository(edition string) (name.Repository, error) {
	opts := []name.Option{name.StrictValidation}
	if t.PlainHTTP {
		opts = append(opts, name.Insecure)
	}
	return name.NewRepository(t.String()+"/"+edition, opts...)
}

func isLoopback(host string) bool {
	h, _, err := net.SplitHostPort(host)
	if err != nil {
		h = strings.Trim(host, "[]")
	}
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
