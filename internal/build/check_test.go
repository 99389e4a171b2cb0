package build_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/resolve"
)

// TestCheckDirSources follows a dir source through the checks validate runs: a file is
// hashed again only when its stamp changed, or was too recent to trust when recorded; an
// edit is named, file by file.
func TestCheckDirSources(t *testing.T) {
	f := newFixture(t)
	f.lock()
	lk, err := build.ReadLock(f.root)
	must(t, err)
	// An hour later, every stamp lock recorded is old enough to trust; right now none is.
	later, now := f.options(), f.options()
	later.Fetcher.Now = func() time.Time { return time.Now().Add(time.Hour) }
	now.Fetcher.Now = time.Now
	check := func(o build.Options) (build.DirChecked, hcl.Diagnostics) {
		t.Helper()
		_, ck, diags, err := build.Check(context.Background(), o, f.load().Set, lk)
		must(t, err)
		if len(ck.Dirs) != 1 {
			t.Fatalf("checked %d dir sources, want 1 (Delta)", len(ck.Dirs))
		}
		return ck.Dirs[0], diags
	}
	type view struct {
		Files, Read         int
		Recorded, Unchanged bool
	}
	steps := []struct {
		name   string
		o      build.Options
		change func()
		want   view
		detail string // the Stale lock diagnostic's, when it changed
	}{
		// The fixture's clock says the lock ran before the files were written: no stamp
		// it recorded can be trusted.
		{name: "after lock", o: later, want: view{1, 1, true, true}},
		{name: "again", o: later, want: view{1, 0, true, true}},
		{name: "a file added, now", o: now, change: func() { write(t, filepath.Join(f.root, "local/Delta/new.php"), "<?php\n") },
			want: view{2, 1, true, false}, detail: "The files of extension/Delta (local/Delta) changed since they were locked:\n  added: new.php\n"},
		// new.php was too recent to trust when read: it is read again.
		{name: "again, now", o: now, want: view{2, 1, true, false}},
		{name: "edited, same size, times set back", o: later, change: func() {
			p := filepath.Join(f.root, "local/Delta/extension.json")
			fi, err := os.Stat(p)
			must(t, err)
			b, err := os.ReadFile(p)
			must(t, err)
			write(t, p, string(b[:len(b)-2])+"X}")
			must(t, os.Chtimes(p, fi.ModTime(), fi.ModTime()))
			must(t, os.Remove(filepath.Join(f.root, "local/Delta/new.php")))
		}, want: view{1, 1, true, false}, detail: "  modified: extension.json\nRun `mwedition lock`"},
		{name: "without recorded stamps", o: later, change: func() { must(t, os.RemoveAll(filepath.Join(f.cacheDir, "stamps"))) },
			want: view{1, 1, false, false}, detail: "(which ones is not known: this cache holds no record of the locked files)"},
	}
	for _, st := range steps {
		if st.change != nil {
			st.change()
		}
		d, diags := check(st.o)
		if diff := cmp.Diff(st.want, view{d.Files, d.Read, d.Recorded, d.Unchanged}); diff != "" {
			t.Errorf("%s (-want +got):\n%s", st.name, diff)
		}
		if st.want.Unchanged {
			if diags.HasErrors() {
				t.Errorf("%s: %v", st.name, diags)
			}
			continue
		}
		e := firstError(diags)
		if e == nil || e.Summary != "Stale lock" {
			t.Fatalf("%s: no Stale lock error: %v", st.name, diags)
		}
		if st.detail != "" && !strings.Contains(e.Detail, st.detail) {
			t.Errorf("%s: detail %q lacks %q", st.name, e.Detail, st.detail)
		}
		if at := e.Subject; at == nil || at.Filename != "recipes/extensions.hcl" {
			t.Errorf("%s: diagnostic at %v, want the recipe's path", st.name, at)
		}
		if x, ok := e.Extra.(resolve.Stale); !ok || x.Component != "extension/Delta" {
			t.Errorf("%s: Extra %#v does not name extension/Delta", st.name, e.Extra)
		}
	}
}
