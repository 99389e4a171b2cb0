package sbom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	spdxjson "github.com/spdx/tools-golang/json"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/registration"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const releaseSHA = "2c5853d034d0c3e75160e8104125226fab964d7ed37732f83e7204781fab07b9"

// smallInput is a synthetic edition: a core from a tarball shipping two composer
// libraries, an extension bundled in it, one from git with a deprecated licence name, and
// a skin from a project directory that declares none; and the artifacts a build made.
func smallInput(t *testing.T) Input {
	t.Helper()
	core := resolve.Component{ID: "core/mediawiki", Kind: spec.Core, Name: "mediawiki", Version: "1.39.17", Time: 1765907450,
		Tree: "sha256:1111111111111111111111111111111111111111111111111111111111111111", Files: 3, Bytes: 300,
		Source:  lock.Source{Kind: spec.Tarball, URL: "https://releases.wikimedia.org/mediawiki/1.39/mediawiki-1.39.17.tar.gz", SHA256: releaseSHA},
		Info:    registration.Info{Name: "MediaWiki", Version: "1.39.17", License: "GPL-2.0-or-later"},
		Systems: []spec.System{{Distro: spec.Debian, Depends: []string{"php-apcu"}}}}
	cite := resolve.Component{ID: "extension/Cite", Kind: spec.Extension, Name: "Cite", Version: "1.39.17", Time: 1765907000,
		Tree: "sha256:2222222222222222222222222222222222222222222222222222222222222222", Files: 2, Bytes: 200,
		Source: lock.Source{Kind: spec.Bundled, Of: "core/mediawiki", Path: "extensions/Cite", SHA256: releaseSHA},
		Info:   registration.Info{Name: "Cite", License: "GPL-2.0+"},
		// System packages, as a recipe declares them: alternatives, and a package both
		// required and recommended by different components.
		Systems: []spec.System{
			{Distro: spec.Debian, Depends: []string{"lua5.1 | php-luasandbox"}, Recommends: []string{"php-apcu"}},
			{Distro: spec.Fedora, Depends: []string{"ImageMagick"}},
		}}
	ldap := resolve.Component{ID: "extension/LDAPAuthentication2", Kind: spec.Extension, Name: "LDAPAuthentication2", Version: "2.0.18+git20240102.030405.390566e",
		Time: 1704164645, Tree: "sha256:3333333333333333333333333333333333333333333333333333333333333333", Files: 5, Bytes: 500,
		Source: lock.Source{Kind: spec.Git, URL: "https://gerrit.wikimedia.org/r/mediawiki/extensions/LDAPAuthentication2", Ref: "REL1_39", Commit: "390566efc8aa2bb3cc4dd5ee6ff7a8b9c0d1e2f3"},
		Info:   registration.Info{Name: "LDAPAuthentication2", Version: "2.0.18", License: "GPL-2.0"}}
	skin := resolve.Component{ID: "skin/House_Style", Kind: spec.Skin, Name: "House_Style", Version: "1.39.17", Time: 1765000000,
		Tree: "sha256:4444444444444444444444444444444444444444444444444444444444444444", Files: 1, Bytes: 100,
		Source: lock.Source{Kind: spec.Dir, Path: "local/HouseStyle", SHA256: "sha256:4444444444444444444444444444444444444444444444444444444444444444"},
		Info:   registration.Info{Name: "HouseStyle"}}
	g := resolve.Graph{Components: []resolve.Component{core, cite, ldap, skin}}
	var members []resolve.Member
	for _, c := range g.Components {
		members = append(members, resolve.Member{ID: c.ID, Reason: "listed"})
	}
	g.Editions = []resolve.Edition{{Name: "intranet", Title: "Intranet Wiki", Version: "1.39.17.2", Core: "core/mediawiki", Members: members, Time: 1765907450}}
	libs, err := ParseInstalled([]byte(installed2))
	if err != nil {
		t.Fatal(err)
	}
	return Input{
		Graph: g, Edition: "intranet", Time: 1765907450,
		Libraries: map[string][]Library{"core/mediawiki": libs, "extension/LDAPAuthentication2": {
			{Name: "acme/ldap-helper", Version: "dev-main", Licenses: []string{"Acme Internal Licence", "MIT"}, SourceType: "git",
				SourceURL: "https://git.example.org/acme/ldap-helper.git", SourceRef: "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c"},
			{Name: "psr/log", Version: "1.1.4", Licenses: []string{"MIT"}},
		}},
		Artifacts: []Artifact{
			{Kind: Deb, Path: "deb/mediawiki-core_1.39.17-1_all.deb", Name: "mediawiki-core", Version: "1.39.17-1", Arch: "all", SHA256: strings.Repeat("a", 64), From: "core/mediawiki"},
			{Kind: Deb, Path: "deb/mediawiki-extension-cite_1.39.17-1_all.deb", Name: "mediawiki-extension-cite", Version: "1.39.17-1", Arch: "all", SHA256: strings.Repeat("b", 64), From: "extension/Cite"},
			{Kind: Deb, Path: "deb/mediawiki-edition-intranet_1.39.17.2-1_all.deb", Name: "mediawiki-edition-intranet", Version: "1.39.17.2-1", Arch: "all", SHA256: strings.Repeat("c", 64)},
			{Kind: RPM, Path: "rpm/mediawiki-core-1.39.17-1.noarch.rpm", Name: "mediawiki-core", Version: "1.39.17-1", Arch: "noarch", SHA256: strings.Repeat("d", 64), From: "core/mediawiki"},
			{Kind: Tarball, Path: "tarballs/mediawiki-intranet-1.39.17.2.tar.gz", Name: "mediawiki-intranet-1.39.17.2.tar.gz", Version: "1.39.17.2", SHA256: strings.Repeat("e", 64)},
			{Kind: Image, Path: "oci/intranet-1.39.17.2", Name: "intranet", Version: "1.39.17.2", Tag: "1.39.17.2", SHA256: strings.Repeat("f", 64)},
		},
		Builder:    Builder{Version: "v0.9.0", Go: "go1.26.8"},
		Lock:       strings.Repeat("0", 64),
		Parameters: map[string]any{"formats": []string{"deb", "image", "rpm", "tarball"}, "sourceDateEpoch": 1765907450},
		Base:       &Dependency{Name: "image base", URI: "docker.io/library/debian@sha256:" + strings.Repeat("9", 64), Digest: map[string]string{"sha256": strings.Repeat("9", 64)}},
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to write it)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestSPDXGolden(t *testing.T) {
	in := smallInput(t)
	b, err := SPDX(in)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "intranet.spdx.json", b)

	// tools-golang reads it back, with every package and relationship.
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("tools-golang cannot read the document: %v", err)
	}
	// edition + 4 components + 4 libraries (psr/log is shipped twice) + 6 artifacts + 4
	// system packages (Debian's php-apcu once, though two components need it)
	if len(doc.Packages) != 19 || len(doc.OtherLicenses) != 1 {
		t.Errorf("read back %d packages and %d extracted licences, want 19 and 1", len(doc.Packages), len(doc.OtherLicenses))
	}
	if !strings.HasPrefix(doc.DocumentNamespace, NamespaceBase+"intranet-") || doc.CreationInfo.Created != "2025-12-16T17:50:50Z" {
		t.Errorf("namespace %q, created %q", doc.DocumentNamespace, doc.CreationInfo.Created)
	}

	// The same input gives the same bytes; any change gives another namespace.
	again, err := SPDX(smallInput(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b, again) {
		t.Error("two documents of the same input differ")
	}
	in.Artifacts[0].SHA256 = strings.Repeat("1", 64)
	changed, err := SPDX(in)
	if err != nil {
		t.Fatal(err)
	}
	doc2, err := spdxjson.Read(bytes.NewReader(changed))
	if err != nil {
		t.Fatal(err)
	}
	if doc2.DocumentNamespace == doc.DocumentNamespace {
		t.Error("a different document kept the namespace")
	}
}

func TestProvenanceGolden(t *testing.T) {
	b, err := ProvenanceStatement(smallInput(t))
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "intranet.provenance.json", b)

	in := smallInput(t)
	in.Artifacts = nil
	if _, err := ProvenanceStatement(in); err == nil || !strings.Contains(err.Error(), "no artifacts") {
		t.Errorf("provenance without artifacts: %v", err)
	}
}

func TestSPDXRefusesStrangers(t *testing.T) {
	in := smallInput(t)
	in.Edition = "nope"
	if _, err := SPDX(in); err == nil || !strings.Contains(err.Error(), `edition "nope" is not in the resolved graph`) {
		t.Errorf("unknown edition: %v", err)
	}
	in = smallInput(t)
	in.Artifacts = append(in.Artifacts, Artifact{Kind: Deb, Path: "deb/x.deb", From: "extension/Elsewhere", SHA256: strings.Repeat("a", 64)})
	if _, err := SPDX(in); err == nil || !strings.Contains(err.Error(), "not a member of edition intranet") {
		t.Errorf("artifact of a stranger: %v", err)
	}
}

func TestPurl(t *testing.T) {
	for _, tt := range []struct {
		p    purl
		want string
	}{
		{purl{typ: "composer", namespace: "pear", name: "net_socket", version: "v1.2.2"}, "pkg:composer/pear/net_socket@v1.2.2"},
		{purl{typ: "generic", name: "mediawiki-extension-Cite", version: "1.39.17+mw1.39.17", subpath: "extensions/Cite",
			qualifiers: map[string]string{"download_url": "https://x.org/a b.tgz", "checksum": "sha256:ab"}},
			"pkg:generic/mediawiki-extension-Cite@1.39.17%2Bmw1.39.17?checksum=sha256%3Aab&download_url=https%3A%2F%2Fx.org%2Fa%20b.tgz#extensions/Cite"},
		{purl{typ: "oci", name: "core", version: "sha256:ab", qualifiers: map[string]string{"tag": "1.39", "empty": ""}}, "pkg:oci/core@sha256%3Aab?tag=1.39"},
	} {
		if got := tt.p.String(); got != tt.want {
			t.Errorf("purl %+v = %q, want %q", tt.p, got, tt.want)
		}
	}
}
