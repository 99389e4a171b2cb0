//go:build e2e

package tests

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mwedition/mwedition/internal/debarchive"
	"github.com/mwedition/mwedition/internal/signature"
)

// debianMirror is the mirror this machine's apt uses (/etc/apt/sources.list.d/debian.sources).
const (
	debianMirror  = "http://deb.debian.org/debian"
	debianKeyring = "/usr/share/keyrings/debian-archive-keyring.gpg"
	// debianStableKeyring holds only "Debian Stable Release Key (12/bookworm)".
	debianStableKeyring = "/usr/share/keyrings/debian-archive-bookworm-stable.gpg"
)

// TestDebianArchiveTrustChain follows apt's trust chain on the real archive: bookworm's
// InRelease verified with Debian's archive keyring (package debian-archive-keyring, in the
// Makefile's DEPS), its amd64 Packages.xz checked against the Release, and php8.2-cli found
// in it with a pin the lock could keep.
func TestDebianArchiveTrustChain(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	kb, err := os.ReadFile(debianKeyring)
	if err != nil {
		t.Fatalf("Debian's archive keyring (apt-get install debian-archive-keyring): %v", err)
	}
	kr, err := signature.ReadKeyring(bytes.NewReader(kb))
	if err != nil {
		t.Fatal(err)
	}

	inRelease := fetchDebian(ctx, t, "dists/bookworm/InRelease")
	rel, err := debarchive.VerifyInRelease(kr, inRelease, time.Now(), "bookworm InRelease")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Codename != "bookworm" || !strings.Contains(strings.Join(rel.Components, " "), "main") {
		t.Fatalf("Release is %q with components %v, want bookworm with main", rel.Codename, rel.Components)
	}
	t.Logf("bookworm %s of %s, signed by %s, %d files", rel.Version, rel.Date, rel.Signer, len(rel.Files))

	// Debian's stable release key (ed25519) signs too, after the automatic key: with only
	// that key trusted, the same InRelease must verify by its signature.
	sb, err := os.ReadFile(debianStableKeyring)
	if err != nil {
		t.Fatal(err)
	}
	stable, err := signature.ReadKeyring(bytes.NewReader(sb))
	if err != nil {
		t.Fatal(err)
	}
	byStable, err := debarchive.VerifyInRelease(stable, inRelease, time.Now(), "bookworm InRelease")
	if err != nil {
		t.Fatalf("with only %s: %v", debianStableKeyring, err)
	}
	if want := stable.Fingerprints(); len(want) != 1 || byStable.Signer != want[0] || byStable.Signer == rel.Signer {
		t.Errorf("with only the stable key, signed by %s, want %v (and not %s)", byStable.Signer, want, rel.Signer)
	}
	t.Logf("also verified by the stable release key %s", byStable.Signer)

	// One byte changed anywhere in the signed text must be refused.
	forged := bytes.Replace(inRelease, []byte("Codename: bookworm"), []byte("Codename: bookwork"), 1)
	if _, err := debarchive.VerifyInRelease(kr, forged, time.Now(), "forged InRelease"); !errors.Is(err, signature.ErrBadSignature) {
		t.Errorf("an altered InRelease: error %v, want %v", err, signature.ErrBadSignature)
	}

	const index = "main/binary-amd64/Packages.xz"
	pkgs, err := debarchive.ReadPackagesIndex(rel, index, bytes.NewReader(fetchDebian(ctx, t, "dists/bookworm/"+index)))
	if err != nil {
		t.Fatal(err)
	}
	var php *debarchive.Package
	for i := range pkgs {
		if pkgs[i].Package == "php8.2-cli" {
			php = &pkgs[i]
		}
	}
	if php == nil {
		t.Fatalf("php8.2-cli is not among the %d packages of %s", len(pkgs), index)
	}
	pin := php.Pin()
	if err := pin.Check(); err != nil || !strings.HasPrefix(pin.Filename, "pool/main/p/php8.2/php8.2-cli_") || pin.Size == 0 {
		t.Errorf("php8.2-cli's pin %+v: %v", pin, err)
	}
	t.Logf("%d packages; php8.2-cli pinned as %+v", len(pkgs), pin)
}

func fetchDebian(ctx context.Context, t *testing.T, rel string) []byte {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, debianMirror+"/"+rel, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("fetching %s: %v", rel, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("fetching %s: %s", rel, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		t.Fatalf("fetching %s: %v", rel, err)
	}
	return b
}
