package releasediff

import (
	"os"
	"testing"
)

// FuzzParse feeds Parse arbitrary bytes. It must never panic, and whatever it accepts must
// compare as identical with itself and as wholly added against an empty release, in both
// renderings.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"testdata/old.lock", "testdata/new.lock"} {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"format":"mwedition-manifest-v1","components":[{"id":"core/mediawiki","version":"1","osDependencies":{"debian":["php-xml"]}}],"editions":[{"name":"core","members":[{"id":"core/mediawiki"}]}]}`))
	f.Add([]byte(`{"lockVersion":1,"components":[{"id":"b"},{"id":"a"}]}`))
	f.Add([]byte(`{"lockVersion":1,"components":[],"debianBases":[{"name":"bookworm","time":1,"suites":[{"archive":"a","suite":"bookworm-security"}],` +
		`"packages":[{"name":"bash","version":"1","architecture":"amd64","suite":"bookworm-security","sha256":"s"},{"name":"bash","version":"1","architecture":"i386"}]}]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse("in", b)
		if err != nil {
			return
		}
		same, err := Compare(r, r, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if !same.Identical || len(same.Markdown()) == 0 {
			t.Fatalf("a release differs from itself: %+v", same)
		}
		all, err := Compare(Release{Name: "empty", PHPKnown: true}, r, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(all.Added) != len(r.Components) || len(all.Removed)+len(all.Bumped) != 0 {
			t.Fatalf("against nothing: %d added of %d components, %d removed, %d bumped", len(all.Added), len(r.Components), len(all.Removed), len(all.Bumped))
		}
		_ = all.Markdown()
		// Against the same lock without its Debian bases: every base removed, no more.
		if r.DebianKnown {
			bare := r
			bare.DebianBases = nil
			gone, err := Compare(r, bare, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(gone.DebianBases) != len(r.DebianBases) || (len(r.DebianBases) > 0) == gone.Identical {
				t.Fatalf("without its bases: %d changes of %d bases, identical %v", len(gone.DebianBases), len(r.DebianBases), gone.Identical)
			}
			_ = gone.Markdown()
		}
	})
}
