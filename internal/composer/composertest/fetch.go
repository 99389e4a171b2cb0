package composertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"

	"github.com/mwedition/mwedition/internal/composer"
)

// Fetch reads file:// and http:// URLs for composer.NewRepository: a
// missing file or an HTTP 404 wraps composer.ErrNotFound, any other HTTP
// status is an error naming it.
func Fetch(ctx context.Context, rawURL string) ([]byte, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	switch u.Scheme {
	case "file":
		b, err := os.ReadFile(u.Path)
		if os.IsNotExist(err) {
			return nil, fmt.Errorf("%s: %w", rawURL, composer.ErrNotFound)
		}

		return b, err
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotFound:
			return nil, fmt.Errorf("GET %s: %s: %w", rawURL, resp.Status, composer.ErrNotFound)
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("GET %s: %s", rawURL, resp.Status)
		}

		return io.ReadAll(resp.Body)
	}

	return nil, fmt.Errorf("%s: unsupported scheme %q", rawURL, u.Scheme)
}
