package sbom

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	spdxjson "github.com/spdx/tools-golang/json"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/mwedition/mwedition/internal/lock"
)

// debianInput is smallInput on a small Debian base: lua5.1 (which Cite requires) from the
// release, php8.2-cli from its security suite, and one package of two architectures.
func debianInput(t *testing.T) Input {
	t.Helper()
	in := smallInput(t)
	in.Base = &Dependency{Name: "image base", Digest: map[string]string{"sha256": strings.Repeat("8", 64)},
		Annotations: map[string]any{"kind": "debian", "mediaType": "application/vnd.oci.image.manifest.v1+json"}}
	in.DebianBase = &lock.DebianBase{Name: "bookworm", Time: 1765907450,
		Suites: []lock.DebianSuite{
			{Archive: "http://deb.debian.org/debian", Suite: "bookworm"},
			{Archive: "http://deb.debian.org/debian-security", Suite: "bookworm-security"},
		},
		Packages: []lock.DebPackage{
			{Name: "php8.2-cli", Version: "8.2.36-1~deb12u1", Architecture: "amd64", Archive: "http://deb.debian.org/debian-security", Suite: "bookworm-security",
				Filename: "pool/updates/main/p/php8.2/php8.2-cli_8.2.36-1~deb12u1_amd64.deb", SHA256: strings.Repeat("2", 64)},
			{Name: "lua5.1", Version: "5.1.5-9", Architecture: "amd64", Archive: "http://deb.debian.org/debian/", Suite: "bookworm",
				Filename: "pool/main/l/lua5.1/lua5.1_5.1.5-9_amd64.deb", SHA256: strings.Repeat("1", 64)},
			{Name: "libc6", Version: "2.36-9+deb12u13", Architecture: "i386", Archive: "http://deb.debian.org/debian",
				Filename: "pool/main/g/glibc/libc6_2.36-9+deb12u13_i386.deb", SHA256: strings.Repeat("4", 64)},
			{Name: "libc6", Version: "2.36-9+deb12u13", Architecture: "amd64", Archive: "http://deb.debian.org/debian", Suite: "bookworm",
				Filename: "pool/main/g/glibc/libc6_2.36-9+deb12u13_amd64.deb", SHA256: strings.Repeat("3", 64)},
		}}
	return in
}

// debRow is what the document says of one package, as a scanner reads it.
type debRow struct {
	ID, Name, Version, Purl, SHA256, Location, Supplier, Purpose string
}

func rowOf(p *spdx.Package) debRow {
	r := debRow{ID: string(p.PackageSPDXIdentifier), Name: p.PackageName, Version: p.PackageVersion,
		Location: p.PackageDownloadLocation, Purpose: p.PrimaryPackagePurpose}
	if p.PackageSupplier != nil {
		r.Supplier = p.PackageSupplier.SupplierType + ": " + p.PackageSupplier.Supplier
	}
	for _, c := range p.PackageChecksums {
		r.SHA256 = c.Value
	}
	for _, ref := range p.PackageExternalReferences {
		if ref.RefType == "purl" {
			r.Purl = ref.Locator
		}
	}
	return r
}

func TestSPDXDebianBase(t *testing.T) {
	b, err := SPDX(debianInput(t))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := spdxjson.Read(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("tools-golang cannot read the document: %v", err)
	}
	var got []debRow
	for _, p := range doc.Packages {
		if id := string(p.PackageSPDXIdentifier); strings.HasPrefix(id, "Deb-") || strings.HasPrefix(id, "ImageBase-") {
			got = append(got, rowOf(p))
		}
	}
	deb := "Organization: Debian"
	want := []debRow{
		{"Deb-libc6-amd64", "libc6", "2.36-9+deb12u13", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u13?arch=amd64&distro=debian-12", strings.Repeat("3", 64),
			"http://deb.debian.org/debian/pool/main/g/glibc/libc6_2.36-9+deb12u13_amd64.deb", deb, "INSTALL"},
		// No suite recorded: the base's release.
		{"Deb-libc6-i386", "libc6", "2.36-9+deb12u13", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u13?arch=i386&distro=debian-12", strings.Repeat("4", 64),
			"http://deb.debian.org/debian/pool/main/g/glibc/libc6_2.36-9+deb12u13_i386.deb", deb, "INSTALL"},
		{"Deb-lua5.1-amd64", "lua5.1", "5.1.5-9", "pkg:deb/debian/lua5.1@5.1.5-9?arch=amd64&distro=debian-12", strings.Repeat("1", 64),
			"http://deb.debian.org/debian/pool/main/l/lua5.1/lua5.1_5.1.5-9_amd64.deb", deb, "INSTALL"},
		{"Deb-php8.2-cli-amd64", "php8.2-cli", "8.2.36-1~deb12u1", "pkg:deb/debian/php8.2-cli@8.2.36-1~deb12u1?arch=amd64&distro=debian-12", strings.Repeat("2", 64),
			"http://deb.debian.org/debian-security/pool/updates/main/p/php8.2/php8.2-cli_8.2.36-1~deb12u1_amd64.deb", deb, "INSTALL"},
		{"ImageBase-bookworm", "debian", "12", "", strings.Repeat("8", 64), "NOASSERTION", deb, "OPERATING_SYSTEM"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Debian packages (-want +got):\n%s", diff)
	}

	var rels []string
	for _, r := range doc.Relationships {
		a, b := string(r.RefA.ElementRefID), string(r.RefB.ElementRefID)
		if strings.HasPrefix(a, "ImageBase-") || strings.HasPrefix(b, "ImageBase-") || strings.HasPrefix(b, "Deb-") {
			rels = append(rels, a+" "+r.Relationship+" "+b+" "+r.RelationshipComment)
		}
	}
	wantRels := []string{
		"Artifact-oci-intranet-1.39.17.2 CONTAINS ImageBase-bookworm ",
		"ImageBase-bookworm CONTAINS Deb-libc6-amd64 ",
		"ImageBase-bookworm CONTAINS Deb-libc6-i386 ",
		"ImageBase-bookworm CONTAINS Deb-lua5.1-amd64 ",
		"ImageBase-bookworm CONTAINS Deb-php8.2-cli-amd64 ",
		// Cite requires lua5.1, which the base pins.
		"System-debian-lua5.1 OTHER Deb-lua5.1-amd64 the image base bookworm pins this requirement at 5.1.5-9",
	}
	if diff := cmp.Diff(wantRels, rels); diff != "" {
		t.Errorf("relationships (-want +got):\n%s", diff)
	}
}

func TestSPDXDebianBaseWithoutImage(t *testing.T) {
	in := debianInput(t)
	in.Artifacts = in.Artifacts[:1]
	in.DebianBase.Packages = in.DebianBase.Packages[:1]
	doc, err := Document(in)
	if err != nil {
		t.Fatal(err)
	}
	var rels []string
	for _, r := range doc.Relationships {
		if string(r.RefB.ElementRefID) == "ImageBase-bookworm" {
			rels = append(rels, string(r.RefA.ElementRefID)+" "+r.Relationship)
		}
	}
	if diff := cmp.Diff([]string{"Edition-intranet CONTAINS"}, rels); diff != "" {
		t.Errorf("what holds the base (-want +got):\n%s", diff)
	}
}

func TestProvenanceDebianBase(t *testing.T) {
	b, err := ProvenanceStatement(debianInput(t))
	if err != nil {
		t.Fatal(err)
	}
	var st Statement
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	var got []Dependency
	for _, d := range st.Predicate.BuildDefinition.ResolvedDependencies {
		if d.Name == "image base" || strings.HasPrefix(d.Name, "deb ") {
			got = append(got, d)
		}
	}
	dep := func(name, uri, sha, version, arch, suite string) Dependency {
		return Dependency{Name: name, URI: uri, Digest: map[string]string{"sha256": sha},
			Annotations: map[string]any{"version": version, "architecture": arch, "suite": suite}}
	}
	want := []Dependency{
		{Name: "image base", Digest: map[string]string{"sha256": strings.Repeat("8", 64)},
			Annotations: map[string]any{"kind": "debian", "mediaType": "application/vnd.oci.image.manifest.v1+json"}},
		dep("deb libc6", "http://deb.debian.org/debian/pool/main/g/glibc/libc6_2.36-9+deb12u13_amd64.deb", strings.Repeat("3", 64), "2.36-9+deb12u13", "amd64", "bookworm"),
		dep("deb libc6", "http://deb.debian.org/debian/pool/main/g/glibc/libc6_2.36-9+deb12u13_i386.deb", strings.Repeat("4", 64), "2.36-9+deb12u13", "i386", ""),
		dep("deb lua5.1", "http://deb.debian.org/debian/pool/main/l/lua5.1/lua5.1_5.1.5-9_amd64.deb", strings.Repeat("1", 64), "5.1.5-9", "amd64", "bookworm"),
		dep("deb php8.2-cli", "http://deb.debian.org/debian-security/pool/updates/main/p/php8.2/php8.2-cli_8.2.36-1~deb12u1_amd64.deb", strings.Repeat("2", 64), "8.2.36-1~deb12u1", "amd64", "bookworm-security"),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved dependencies of the base (-want +got):\n%s", diff)
	}
}

func TestDebianDistro(t *testing.T) {
	for _, tt := range []struct{ suite, want string }{
		{"bookworm", "debian-12"},
		{"bookworm-security", "debian-12"},
		{"bookworm-updates", "debian-12"},
		{"trixie", "debian-13"},
		{"bullseye", "debian-11"},
		{"sid", "sid"},
		{"duke-backports", "duke"},
	} {
		if got := debianDistro(tt.suite); got != tt.want {
			t.Errorf("debianDistro(%q) = %q, want %q", tt.suite, got, tt.want)
		}
	}
}
