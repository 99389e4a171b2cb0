package resolve_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/spec"
)

const lockedBase = `debian_base "bookworm" {
  source "http://deb.debian.org/debian" { suites = ["bookworm"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = ["apache2", "php-cli"]
}
`

// lockDebianBase records b as the lock command would, without any package.
func lockDebianBase(b spec.DebianBase) lock.DebianBase {
	lb := lock.DebianBase{Name: b.Name, Recipe: lock.DebianRecipe(b, nil), Requested: lock.SortedUnique(b.Packages), Keyring: b.Keyring}
	for _, s := range b.Sources {
		for _, suite := range s.Suites {
			lb.Suites = append(lb.Suites, lock.DebianSuite{Archive: s.URL, Suite: suite})
		}
	}
	return lb
}

// TestStaleDebianBase checks that a debian_base block that changed since it was locked
// makes the lock stale, and that the diagnostic names the base and what changed.
func TestStaleDebianBase(t *testing.T) {
	tests := []struct {
		name, now string
		noLock    bool
		want      []string // details
	}{
		{name: "unchanged", now: lockedBase},
		{name: "packages", now: `debian_base "bookworm" {
  source "http://deb.debian.org/debian" { suites = ["bookworm"] }
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  packages = ["apache2", "php-intl", "libapache2-mod-php"]
}`, want: []string{"debian_base \"bookworm\" changed since it was locked:\n  packages added: libapache2-mod-php, php-intl\n  packages removed: php-cli\nRun `mwedition lock` to resolve and pin its packages again."}},
		{name: "suites and keyring", now: `debian_base "bookworm" {
  source "http://deb.debian.org/debian" { suites = ["bookworm", "bookworm-updates"] }
  packages = ["php-cli", "apache2"]
  keyring  = "/usr/share/keyrings/debian-archive-bookworm-stable.gpg"
}`, want: []string{"debian_base \"bookworm\" changed since it was locked:\n  suites added: http://deb.debian.org/debian bookworm-updates\n  suites removed: http://deb.debian.org/debian-security bookworm-security\n  keyring\n    locked: /usr/share/keyrings/debian-archive-keyring.gpg\n    recipe: /usr/share/keyrings/debian-archive-bookworm-stable.gpg\nRun `mwedition lock` to resolve and pin its packages again."}},
		{name: "order of preference", now: `debian_base "bookworm" {
  source "http://deb.debian.org/debian-security" { suites = ["bookworm-security"] }
  source "http://deb.debian.org/debian" { suites = ["bookworm"] }
  packages = ["apache2", "php-cli"]
}`, want: []string{"debian_base \"bookworm\" changed since it was locked:\n  the order of its sources or suites, which is apt's order of preference\nRun `mwedition lock` to resolve and pin its packages again."}},
		{name: "not locked", now: lockedBase, noLock: true,
			want: []string{"debian_base \"bookworm\" is not in editions.lock. Run `mwedition lock` to resolve and pin its packages."}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			was := loadFiles(t, project(map[string]string{"recipes/debian.hcl": lockedBase}))
			set := loadFiles(t, project(map[string]string{"recipes/debian.hcl": tc.now,
				"editions/e.hcl": edition("e", "  output \"image\" { base = \"debian:bookworm\" }\n")}))
			lk := buildLock(set, defaultInfos(), nil)
			if !tc.noLock {
				b, _ := was.DebianBase("bookworm")
				lk = lk.WithDebianBases([]lock.DebianBase{lockDebianBase(b)})
			}
			g, diags := resolve.ResolveEditions(set, lk)
			if diags.HasErrors() {
				t.Fatal(diags)
			}
			var got []string
			for _, d := range resolve.CheckDebianBases(set, g, lk) {
				got = append(got, d.Detail)
				if st, ok := d.Extra.(resolve.Stale); !ok || st.Component != "debian_base/bookworm" {
					t.Errorf("Extra = %#v, want the base's stale component", d.Extra)
				}
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("details (-want +got):\n%s", diff)
			}
			if _, d := resolve.Resolve(set, lk); d.HasErrors() != (len(tc.want) > 0) {
				t.Errorf("Resolve: errors %v, want stale %v", d, len(tc.want) > 0)
			}
		})
	}
}
