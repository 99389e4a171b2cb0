//go:build e2e

package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
)

// diffReport is the part of `diff --json` the test reads.
type diffReport struct {
	Identical bool `json:"identical"`
	Added     []struct {
		ID string `json:"id"`
	} `json:"added"`
	Removed []struct {
		ID string `json:"id"`
	} `json:"removed"`
	Bumped []struct {
		ID       string `json:"id"`
		Old, New struct {
			Version string `json:"version"`
			Tree    string `json:"tree"`
		}
	} `json:"bumped"`
	PHPExtensions []struct {
		Name, Change string
		Components   []string
	} `json:"phpExtensions"`
	OSPackages []struct {
		Family, Name, Change string
	} `json:"osPackages"`
	Licenses []struct {
		ID, Old, New string
	} `json:"licenses"`
	SchemaUpdates []struct {
		ID, Reason string
	} `json:"schemaUpdates"`
	DebianBases []struct {
		Name, Change string
		Added        []struct{ Name string }                 `json:"packagesAdded"`
		Removed      []struct{ Name, Version, Suite string } `json:"packagesRemoved"`
		Updated      []struct {
			Name                   string
			OldVersion, NewVersion string
			Security               bool
		} `json:"packagesUpdated"`
	} `json:"debianBases"`
}

// TestDiffRealLock compares the committed editions.lock of the real 1.39.17 project with a
// copy in which three components moved: AbuseFilter (which registers schema updates) to a
// new version, Math to one that needs the gmp PHP extension, Timeless to one under another
// licence. diff must report exactly those, as Markdown and as JSON, for the whole release and
// per edition (enterprise leaves Math out), and report nothing between the lock at git HEAD
// and the same bytes on disk.
func TestDiffRealLock(t *testing.T) {
	committed, err := exec.Command("git", "-C", "..", "show", "HEAD:./editions.lock").Output()
	if err != nil {
		t.Fatalf("git show HEAD:editions.lock: %v", err)
	}
	lk, err := lock.Decode(committed)
	if err != nil {
		t.Fatal(err)
	}
	if len(lk.Components) < 30 {
		t.Fatalf("the committed lock has %d components; want the real release's", len(lk.Components))
	}
	proj := project(t)
	if err := os.WriteFile(filepath.Join(proj, lock.FileName), committed, 0o644); err != nil {
		t.Fatal(err)
	}
	headCopy := filepath.Join(t.TempDir(), "head.lock")
	if err := os.WriteFile(headCopy, committed, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range lk.Components {
		c := &lk.Components[i]
		switch c.ID {
		case "extension/AbuseFilter":
			c.Version, c.Tree = "1.39.18", "sha256:"+strings.Repeat("a", 64)
		case "extension/Math":
			c.Version, c.Tree = "3.0.1", "sha256:"+strings.Repeat("b", 64)
			c.Registry.Requires.PHPExtensions = append(c.Registry.Requires.PHPExtensions, "gmp")
		case "skin/Timeless":
			c.Version, c.Tree = "0.9.2", "sha256:"+strings.Repeat("c", 64)
			c.Registry.License = "MIT"
		}
	}
	if err := lock.Write(proj, lk); err != nil {
		t.Fatal(err)
	}
	cache := t.TempDir()

	// The lock at HEAD against the same bytes: no differences, exit 0.
	r := run(t, "..", cache, "diff", "git:HEAD", headCopy)
	if r.code != 0 || !strings.Contains(r.stdout, "No differences") {
		t.Fatalf("diff git:HEAD %s: exit %d\n%s%s", headCopy, r.code, r.stdout, r.stderr)
	}

	r = run(t, "..", cache, "diff", headCopy, proj)
	if r.code != 0 {
		t.Fatalf("diff exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"0 components added, 0 components removed, 3 components bumped; 1 new PHP extension; new Debian packages: php-gmp; new Fedora packages: php-gmp; 1 licence changed; 2 components need `maintenance/update.php`.",
		"| `extension/AbuseFilter` | 1.39.17 → 1.39.18 | in core/mediawiki (sha256 2c5853d034d0); tree 9b9d96222f1f → aaaaaaaaaaaa |",
		"| `gmp` | new | `extension/Math` |",
		"| Debian | `php-gmp` | new | `extension/Math` |",
		"| `skin/Timeless` | GPL-2.0-or-later → MIT |",
		"- `extension/AbuseFilter` 1.39.17 → 1.39.18\n",
		"- `extension/Math` ",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, r.stdout)
		}
	}

	rep := diffJSON(t, cache, headCopy, proj)
	var got []string
	for _, b := range rep.Bumped {
		got = append(got, b.ID+" "+b.Old.Version+" "+b.New.Version)
	}
	for _, e := range rep.PHPExtensions {
		got = append(got, e.Change+" ext "+e.Name+" "+strings.Join(e.Components, ","))
	}
	for _, p := range rep.OSPackages {
		got = append(got, p.Change+" "+p.Family+" "+p.Name)
	}
	for _, l := range rep.Licenses {
		got = append(got, "licence "+l.ID+" "+l.Old+" "+l.New)
	}
	for _, s := range rep.SchemaUpdates {
		got = append(got, "update.php "+s.ID+" "+s.Reason)
	}
	want := []string{
		"extension/AbuseFilter 1.39.17 1.39.18", "extension/Math 3.0.0 3.0.1", "skin/Timeless 0.9.1 0.9.2",
		"added ext gmp extension/Math", "added debian php-gmp", "added rpm php-gmp",
		"licence skin/Timeless GPL-2.0-or-later MIT",
		"update.php extension/AbuseFilter bumped", "update.php extension/Math bumped",
	}
	if diff := cmp.Diff(want, got); diff != "" || rep.Identical || len(rep.Added)+len(rep.Removed) != 0 {
		t.Errorf("diff --json (-want +got):\n%s\nidentical %v, added %v, removed %v", diff, rep.Identical, rep.Added, rep.Removed)
	}

	// Per edition: the project directories' manifests (or git's) say who is in which;
	// enterprise and core leave Math out, so gmp is no news to them.
	for _, tc := range []struct {
		edition, old string
		bumped       []string
	}{
		{"knowledge-base", "..", []string{"extension/AbuseFilter", "extension/Math", "skin/Timeless"}},
		{"enterprise", "..", []string{"extension/AbuseFilter", "skin/Timeless"}},
		{"core", "git:HEAD", []string{"extension/AbuseFilter", "skin/Timeless"}},
	} {
		rep := diffJSON(t, cache, "--edition", tc.edition, tc.old, proj)
		var bumped []string
		for _, b := range rep.Bumped {
			bumped = append(bumped, b.ID)
		}
		hasGMP := len(rep.PHPExtensions) == 1 && rep.PHPExtensions[0].Name == "gmp"
		if diff := cmp.Diff(tc.bumped, bumped); diff != "" || hasGMP != (tc.edition == "knowledge-base") {
			t.Errorf("--edition %s %s: bumped (-want +got):\n%s\nPHP extensions %+v", tc.edition, tc.old, diff, rep.PHPExtensions)
		}
	}
	// A lock file alone does not say who is in an edition.
	if r := run(t, "..", cache, "diff", "--edition", "core", headCopy, proj); r.code != 1 || !strings.Contains(r.stderr, headCopy+" is a lock, which does not say") {
		t.Errorf("--edition with a lock file: exit %d, stderr %s", r.code, r.stderr)
	}
	// A broken input is named.
	bad := filepath.Join(t.TempDir(), "broken.lock")
	os.WriteFile(bad, committed[:len(committed)/2], 0o644)
	if r := run(t, "..", cache, "diff", bad, proj); r.code != 1 || !strings.Contains(r.stderr, bad) {
		t.Errorf("a truncated lock: exit %d, stderr %s", r.code, r.stderr)
	}
}

func diffJSON(t *testing.T, cache string, args ...string) diffReport {
	t.Helper()
	r := run(t, "..", cache, append([]string{"--json", "diff"}, args...)...)
	if r.code != 0 {
		t.Fatalf("diff --json %v exited %d:\n%s%s", args, r.code, r.stdout, r.stderr)
	}
	var rep diffReport
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("diff --json %v: %v\n%s", args, err, r.stdout)
	}
	return rep
}

// TestDiffDebianBase compares the shipped editions.lock with a copy in which one package
// of its Debian base, pinned from bookworm-security, has another version and sha256 and
// another package is gone: the "Debian base packages" section must list both, the first
// as a security update, in the Markdown and the JSON, and nothing else may differ.
func TestDiffDebianBase(t *testing.T) {
	shipped := filepath.Join("..", lock.FileName)
	b, err := os.ReadFile(shipped)
	if err != nil {
		t.Fatal(err)
	}
	lk, err := lock.Decode(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(lk.DebianBases) == 0 {
		t.Fatalf("%s has no debianBases: the shipped editions are built on a locked Debian base", shipped)
	}
	base := &lk.DebianBases[0]
	upd, gone := -1, -1
	for i, p := range base.Packages {
		switch {
		case upd < 0 && p.Suite == "bookworm-security":
			upd = i
		case gone < 0 && p.Suite == "bookworm":
			gone = i
		}
	}
	if upd < 0 || gone < 0 {
		t.Fatalf("base %s has no package from bookworm-security or none from bookworm", base.Name)
	}
	u, g := base.Packages[upd], base.Packages[gone]
	newVersion := u.Version + "+mwtest1"
	base.Packages[upd].Version, base.Packages[upd].SHA256 = newVersion, strings.Repeat("d", 64)
	base.Packages = append(base.Packages[:gone], base.Packages[gone+1:]...)
	dir := t.TempDir()
	if err := lock.Write(dir, lk); err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(dir, lock.FileName)
	cache := t.TempDir()

	r := run(t, "..", cache, "diff", shipped, changed)
	if r.code != 0 {
		t.Fatalf("diff exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{
		"0 components added, 0 components removed, 0 components bumped; Debian base packages: 1 updated (1 from Debian security), 1 removed.\n",
		"\n### Debian base packages\n",
		"#### `" + base.Name + "`\n\n1 package updated (1 security update), 1 removed; archive as of ",
		"| `" + u.Name + "` | **security update** | " + u.Version + " → " + newVersion + " | bookworm-security |\n",
		"| `" + g.Name + "` | removed | " + g.Version + " | bookworm |\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, r.stdout)
		}
	}

	rep := diffJSON(t, cache, shipped, changed)
	var got []string
	for _, d := range rep.DebianBases {
		got = append(got, d.Name+" "+d.Change)
		for _, p := range d.Updated {
			got = append(got, fmt.Sprintf("updated %s %s %s security=%v", p.Name, p.OldVersion, p.NewVersion, p.Security))
		}
		for _, p := range d.Removed {
			got = append(got, "removed "+p.Name+" "+p.Version+" "+p.Suite)
		}
		for _, p := range d.Added {
			got = append(got, "added "+p.Name)
		}
	}
	want := []string{base.Name + " changed",
		fmt.Sprintf("updated %s %s %s security=true", u.Name, u.Version, newVersion),
		"removed " + g.Name + " " + g.Version + " bookworm"}
	if diff := cmp.Diff(want, got); diff != "" || rep.Identical || len(rep.Added)+len(rep.Removed)+len(rep.Bumped)+len(rep.OSPackages) != 0 {
		t.Errorf("diff --json (-want +got):\n%s\nidentical %v, added %v, removed %v, bumped %v, OS packages %v",
			diff, rep.Identical, rep.Added, rep.Removed, rep.Bumped, rep.OSPackages)
	}
}
