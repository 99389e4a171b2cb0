//go:build e2e

package tests

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mwedition/mwedition/internal/debarchive"
	"github.com/mwedition/mwedition/internal/signature"
)

// The 1.43 line's core is Debian trixie's repack of MediaWiki 1.43.9, which has no signature
// of its own: its pin is the recipe's sha256, and this is where that sha256 comes from.
const (
	trixieMediaWiki     = "1:1.43.9+dfsg-1~deb13u1"
	trixieMediaWikiOrig = "mediawiki_1.43.9+dfsg.orig.tar.gz"
	trixieMediaWikiDsc  = "mediawiki_1.43.9+dfsg-1~deb13u1.dsc"
)

// TestMediaWiki143PinnedByDebianArchive follows Debian's trust chain down to the tarball
// lines/1.43/recipes/core.hcl pins: trixie's InRelease verified with Debian's archive keyring,
// its main/source/Sources.xz checked against the Release, the mediawiki stanza of that index
// giving the orig tarball's size and sha256 and the .dsc's, the .dsc (fetched) agreeing with
// the index, and the recipe's sha256 and URL being the index's. The tarball itself is not
// downloaded here: mwedition checks its sha256 whenever it fetches it.
//
// It fails once trixie's point release moves mediawiki past 1.43.9: the archive then drops
// the pinned tarball from the pool, and the 1.43 line's core must move with it.
func TestMediaWiki143PinnedByDebianArchive(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url, sha := coreTarballPin(t, filepath.Join("..", "lines", "1.43", "recipes", "core.hcl"))
	kb, err := os.ReadFile(debianKeyring)
	if err != nil {
		t.Fatalf("Debian's archive keyring (apt-get install debian-archive-keyring): %v", err)
	}
	kr, err := signature.ReadKeyring(bytes.NewReader(kb))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := debarchive.VerifyInRelease(kr, fetchDebian(ctx, t, "dists/trixie/InRelease"), time.Now(), "trixie InRelease")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Codename != "trixie" {
		t.Fatalf("Release is %q, want trixie", rel.Codename)
	}
	const index = "main/source/Sources.xz"
	srcs, err := debarchive.ReadSourcesIndex(rel, index, bytes.NewReader(fetchDebian(ctx, t, "dists/trixie/"+index)))
	if err != nil {
		t.Fatal(err)
	}
	src := findSource(t, srcs, "mediawiki", trixieMediaWiki)
	orig, ok := src.File(trixieMediaWikiOrig)
	if !ok {
		t.Fatalf("mediawiki %s lists %+v, no %s", trixieMediaWiki, src.Files, trixieMediaWikiOrig)
	}
	if orig.SHA256 != sha {
		t.Errorf("core.hcl pins sha256 %s, trixie's Sources gives %s", sha, orig.SHA256)
	}
	if want := "https://deb.debian.org/debian/" + src.Path(orig); url != want {
		t.Errorf("core.hcl's url is %s, the archive keeps the tarball at %s", url, want)
	}
	dsc, err := debarchive.ReadDsc(src, trixieMediaWikiDsc, bytes.NewReader(fetchDebian(ctx, t, poolPath(src, trixieMediaWikiDsc))))
	if err != nil {
		t.Fatal(err)
	}
	if f, _ := dsc.File(trixieMediaWikiOrig); f != orig {
		t.Errorf("the .dsc lists %+v, want %+v", f, orig)
	}
	checkPoolSize(ctx, t, url, orig.Size)
	t.Logf("trixie %s (%s), signed by %s: %s is %d bytes, sha256 %s", rel.Version, rel.Date, rel.Signer, src.Path(orig), orig.Size, orig.SHA256)
}

func poolPath(src debarchive.Source, name string) string {
	return src.Path(debarchive.SourceFile{Name: name})
}

// coreTarballPin reads the url and sha256 of the one tarball source in a core recipe.
func coreTarballPin(t *testing.T, file string) (url, sha string) {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	attr := func(name string) string {
		m := regexp.MustCompile(`(?m)^\s*`+name+`\s*=\s*"([^"]+)"`).FindAllSubmatch(b, -1)
		if len(m) != 1 {
			t.Fatalf("%s: %d %s attributes, want 1", file, len(m), name)
		}
		return string(m[0][1])
	}
	return attr("url"), attr("sha256")
}

func findSource(t *testing.T, srcs []debarchive.Source, pkg, version string) debarchive.Source {
	t.Helper()
	var seen []string
	for _, s := range srcs {
		if s.Package == pkg {
			if s.Version == version {
				return s
			}
			seen = append(seen, s.Version)
		}
	}
	t.Fatalf("no %s %s among %d source packages (versions listed: %s)", pkg, version, len(srcs), strings.Join(seen, ", "))
	return debarchive.Source{}
}

// checkPoolSize asks the archive, without downloading it, whether url still serves the
// tarball with the size the index gives.
func checkPoolSize(ctx context.Context, t *testing.T, url string, size int64) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("HEAD %s: %v", url, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.ContentLength != size {
		t.Errorf("HEAD %s: %s, %d bytes, want 200 OK and %d bytes", url, resp.Status, resp.ContentLength, size)
	}
}
