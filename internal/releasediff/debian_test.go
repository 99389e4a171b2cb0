package releasediff

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
)

const (
	mainArchive     = "http://deb.debian.org/debian"
	securityArchive = "http://deb.debian.org/debian-security"
)

// deb is a pinned package of a synthetic base; suite "bookworm-security" comes from the
// security archive. Its sha256 follows its version unless sha says otherwise.
func deb(name, version, suite string, sha ...string) lock.DebPackage {
	archive := mainArchive
	if securitySuite(suite) {
		archive = securityArchive
	}
	sum := fmt.Sprintf("%064x", len(name+version))
	if len(sha) > 0 {
		sum = sha[0]
	}
	return lock.DebPackage{Name: name, Version: version, Architecture: "amd64", Archive: archive, Suite: suite,
		Filename: "pool/main/" + name + "_" + version + "_amd64.deb", Size: 1000, SHA256: sum}
}

func base(name string, t int64, suites []string, pkgs ...lock.DebPackage) lock.DebianBase {
	b := lock.DebianBase{Name: name, Time: t, Packages: pkgs}
	for _, s := range suites {
		archive := mainArchive
		if securitySuite(s) {
			archive = securityArchive
		}
		b.Suites = append(b.Suites, lock.DebianSuite{Archive: archive, Suite: s, Date: t})
	}
	return b
}

// debRelease is a lock's release with these bases and one component, so that only the
// bases differ.
func debRelease(name string, bases ...lock.DebianBase) Release {
	f := lock.File{Components: []lock.Component{{ID: "core/mediawiki", Version: "1.39.17"}}}
	return FromLock(name, f.WithDebianBases(bases))
}

// TestDebianBases checks what the comparison makes of the locked Debian bases: packages
// updated (security ones marked by their new suite), rebuilt under the same version,
// added and removed; a package that only moved suite with the same bytes is no change;
// suites and archive dates; bases added and removed; and nothing at all for the same base.
func TestDebianBases(t *testing.T) {
	both := []string{"bookworm", "bookworm-security"}
	old := base("bookworm", 1_780_000_000, both,
		deb("curl", "7.88.1-10+deb12u8", "bookworm"),
		deb("libssl3", "3.0.15-1~deb12u1", "bookworm-security"),
		deb("tzdata", "2024a-0+deb12u1", "bookworm"),
		deb("libgnutls30", "3.7.9-2+deb12u3", "bookworm-security", strings.Repeat("1", 64)),
		deb("zlib1g", "1:1.2.13.dfsg-1", "bookworm-security", strings.Repeat("2", 64)),
		deb("perl-base", "5.36.0-7+deb12u1", "bookworm"))
	next := base("bookworm", 1_790_000_000, []string{"bookworm", "bookworm-security", "bookworm-updates"},
		deb("libssl3", "3.0.17-1~deb12u2", "bookworm-security"),
		deb("tzdata", "2025b-0+deb12u1", "bookworm-updates"),
		deb("libgnutls30", "3.7.9-2+deb12u3", "bookworm", strings.Repeat("3", 64)), // same version, other bytes
		deb("zlib1g", "1:1.2.13.dfsg-1", "bookworm", strings.Repeat("2", 64)),      // same bytes, now in the point release
		deb("libcurl4", "7.88.1-10+deb12u12", "bookworm-security"),
		deb("perl-base", "5.36.0-7+deb12u1", "bookworm"))
	changed := DebianBaseChange{Name: "bookworm", Change: ChangeChanged, OldTime: 1_780_000_000, NewTime: 1_790_000_000,
		OldPackages: 6, NewPackages: 6,
		SuitesAdded: []string{mainArchive + " bookworm-updates"}, SuitesRemoved: []string{},
		Added:   []BasePackage{{Name: "libcurl4", Architecture: "amd64", Version: "7.88.1-10+deb12u12", Suite: "bookworm-security", Security: true}},
		Removed: []BasePackage{{Name: "curl", Architecture: "amd64", Version: "7.88.1-10+deb12u8", Suite: "bookworm"}},
		Updated: []BaseUpdate{
			{Name: "libgnutls30", Architecture: "amd64", OldVersion: "3.7.9-2+deb12u3", NewVersion: "3.7.9-2+deb12u3", OldSuite: "bookworm-security", NewSuite: "bookworm", Rebuilt: true},
			{Name: "libssl3", Architecture: "amd64", OldVersion: "3.0.15-1~deb12u1", NewVersion: "3.0.17-1~deb12u2", OldSuite: "bookworm-security", NewSuite: "bookworm-security", Security: true},
			{Name: "tzdata", Architecture: "amd64", OldVersion: "2024a-0+deb12u1", NewVersion: "2025b-0+deb12u1", OldSuite: "bookworm", NewSuite: "bookworm-updates"},
		}}
	trixie := base("trixie", 1_795_000_000, []string{"trixie"}, deb("base-files", "13.8", "trixie"), deb("bash", "5.2.37-2", "trixie"))
	empty := func(name, change string, oldT, newT int64, oldN, newN int) DebianBaseChange {
		return DebianBaseChange{Name: name, Change: change, OldTime: oldT, NewTime: newT, OldPackages: oldN, NewPackages: newN,
			SuitesAdded: []string{}, SuitesRemoved: []string{}, Added: []BasePackage{}, Removed: []BasePackage{}, Updated: []BaseUpdate{}}
	}
	relocked := old
	relocked.Time = 1_781_000_000
	for _, tc := range []struct {
		name      string
		old, next Release
		want      []DebianBaseChange
		rows      []string // in the Markdown
	}{
		{"same base", debRelease("a", old), debRelease("b", old), []DebianBaseChange{}, []string{"No differences"}},
		{"packages and suites", debRelease("a", old), debRelease("b", next), []DebianBaseChange{changed}, []string{
			"; Debian base packages: 3 updated (1 from Debian security), 1 added, 1 removed.\n",
			"\n3 packages updated (1 security update), 1 added, 1 removed; archive as of 2026-05-28 → 2026-09-21.\n",
			"\nSuites added `http://deb.debian.org/debian bookworm-updates`.\n",
			"| Package | Change | Version | Suite |\n| --- | --- | --- | --- |\n" +
				"| `libssl3` | **security update** | 3.0.15-1~deb12u1 → 3.0.17-1~deb12u2 | bookworm-security |\n" +
				"| `libcurl4` | new | 7.88.1-10+deb12u12 | bookworm-security |\n" +
				"| `curl` | removed | 7.88.1-10+deb12u8 | bookworm |\n" +
				"| `libgnutls30` | same version, other sha256 | 3.7.9-2+deb12u3 | bookworm-security → bookworm |\n" +
				"| `tzdata` | updated | 2024a-0+deb12u1 → 2025b-0+deb12u1 | bookworm → bookworm-updates |\n\n",
		}},
		{"only the archive date", debRelease("a", old), debRelease("b", relocked),
			[]DebianBaseChange{empty("bookworm", ChangeChanged, 1_780_000_000, 1_781_000_000, 6, 6)},
			[]string{"\nNo package changed; archive as of 2026-05-28 → 2026-06-09.\n"}},
		{"a base added", debRelease("a", old), debRelease("b", old, trixie),
			[]DebianBaseChange{empty("trixie", ChangeAdded, 0, 1_795_000_000, 0, 2)},
			[]string{"; 1 Debian base added.\n", "#### `trixie`\n\nNew base: 2 packages, archive as of 2026-11-18.\n"}},
		{"a base removed, from a lock with none", debRelease("a", trixie), debRelease("b"),
			[]DebianBaseChange{empty("trixie", ChangeRemoved, 1_795_000_000, 0, 2, 0)},
			[]string{"#### `trixie`\n\nRemoved: no image is built on it any more (it had 2 packages).\n"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Compare(tc.old, tc.next, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, r.DebianBases); diff != "" {
				t.Errorf("Debian bases (-want +got):\n%s", diff)
			}
			if r.Identical != (len(tc.want) == 0) {
				t.Errorf("identical %v with %d changed bases", r.Identical, len(tc.want))
			}
			if len(r.Notes) != 0 {
				t.Errorf("notes %q, want none: both are locks", r.Notes)
			}
			md := string(r.Markdown())
			for _, want := range tc.rows {
				if !strings.Contains(md, want) {
					t.Errorf("the Markdown lacks %q:\n%s", want, md)
				}
			}
		})
	}
}

// TestDebianBasesManifest checks that a build manifest, which does not record the bases,
// leaves the section empty and says so in one note naming it, rather than reporting every
// base as removed.
func TestDebianBasesManifest(t *testing.T) {
	lk := debRelease("editions.lock", base("bookworm", 1, []string{"bookworm"}, deb("bash", "5.2.15-2+b7", "bookworm")))
	m, err := FromManifest("out/manifest.json", build.Manifest{Components: []build.ManifestComponent{{ID: "core/mediawiki", Version: "1.39.17"}}})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Compare(lk, m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"Debian base packages not compared: out/manifest.json is a build manifest, which does not record the debianBases of editions.lock; compare the editions.lock files, project directories or git revisions for them"}
	var got []string
	for _, n := range r.Notes {
		if strings.HasPrefix(n, "Debian") {
			got = append(got, n)
		}
	}
	if diff := cmp.Diff(want, got); diff != "" || len(r.DebianBases) != 0 {
		t.Errorf("notes (-want +got):\n%s\nbases %v", diff, r.DebianBases)
	}
	if md := string(r.Markdown()); !strings.Contains(md, "> Note: "+want[0]+".\n") || strings.Contains(md, "### Debian base packages") {
		t.Errorf("the Markdown does not carry the note, or has the section:\n%s", md)
	}
}

// TestDebianBasesBroken checks that a lock naming a base or a package twice is refused,
// with the input's name, rather than compared by whichever entry came last.
func TestDebianBasesBroken(t *testing.T) {
	lockOf := func(bases string) []byte {
		return []byte(`{"lockVersion":1,"components":[],"debianBases":[` + bases + `]}`)
	}
	pkg := `{"name":"bash","version":"1","architecture":"amd64","archive":"a","filename":"f","size":1,"sha256":"s"}`
	b := func(name string, pkgs ...string) string {
		return `{"name":"` + name + `","recipe":"r","time":1,"requested":[],"keyring":"k","suites":[],"packages":[` + strings.Join(pkgs, ",") + `]}`
	}
	for _, tc := range []struct {
		name, in, want string
	}{
		{"base twice", b("bookworm") + "," + b("bookworm"), "/srv/old.lock: Debian base bookworm is listed twice under debianBases"},
		{"package twice", b("bookworm", pkg, pkg), "/srv/old.lock: Debian base bookworm lists package bash:amd64 twice"},
		{"no name", b(""), "/srv/old.lock: a Debian base under debianBases has no name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse("/srv/old.lock", lockOf(tc.in))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := Parse("/srv/old.lock", lockOf(b("bookworm", pkg)+","+b("trixie", pkg))); err != nil {
		t.Errorf("a well-formed lock: %v", err)
	}
}

// TestDebianBasesGolden renders a base with more changes than the Markdown lists: every
// security update is shown, the rest up to maxBaseRows, then a count of what is left out;
// the JSON lists everything.
func TestDebianBasesGolden(t *testing.T) {
	suites := []string{"bookworm", "bookworm-security", "bookworm-updates"}
	var oldPkgs, newPkgs []lock.DebPackage
	for i := 0; i < 40; i++ {
		name := fmt.Sprintf("lib%02d", i)
		oldPkgs = append(oldPkgs, deb(name, "1.0-1", "bookworm"))
		suite := "bookworm"
		if i%10 == 0 {
			suite = "bookworm-security"
		}
		newPkgs = append(newPkgs, deb(name, "1.0-1+deb12u1", suite))
	}
	oldPkgs = append(oldPkgs, deb("dropped", "2.0-1", "bookworm"))
	newPkgs = append(newPkgs, deb("fresh", "3.0-1", "bookworm-updates"))
	r, err := Compare(debRelease("old.lock", base("bookworm", 1_780_000_000, suites[:2], oldPkgs...)),
		debRelease("new.lock", base("bookworm", 1_790_000_000, suites, newPkgs...)), Options{})
	if err != nil {
		t.Fatal(err)
	}
	js, err := json.MarshalIndent(r.DebianBases, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "testdata/debian.md.golden", r.Markdown())
	golden(t, "testdata/debian.json.golden", append(js, '\n'))
	d := r.DebianBases[0]
	if len(d.Updated) != 40 || d.securityUpdates() != 4 || len(d.Added)+len(d.Removed) != 2 {
		t.Errorf("%d updated (%d security), %d added, %d removed: want 40 (4), 1, 1", len(d.Updated), d.securityUpdates(), len(d.Added), len(d.Removed))
	}
}
