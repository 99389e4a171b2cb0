package repo

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// snapshot is one publish's inputs: pool file contents by path, and metadata. Its "index"
// names the pool files, as a Packages file would; by-hash/<content> copies are retained.
type snapshot struct {
	pool map[string]string
	meta []File
}

func snap(name string, pool ...string) snapshot {
	s := snapshot{pool: map[string]string{}}
	for _, p := range pool {
		s.pool["pool/"+p] = "package " + p
	}
	index := name + "\n" + strings.Join(pool, "\n") + "\n"
	s.meta = []File{
		{Path: "dists/stable/Release", Data: []byte("release " + name + "\n")},
		{Path: "dists/stable/main/index", Data: []byte(index)},
		{Path: "dists/stable/main/by-hash/" + name, Data: []byte(index)},
		{Path: "key.asc", Data: []byte("public key\n")},
	}
	return s
}

func retainByHash(p string) bool { return strings.Contains(p, "/by-hash/") }

// inputs writes the snapshot's pool files into a source directory.
func (s snapshot) inputs(t *testing.T) []PoolFile {
	t.Helper()
	src := t.TempDir()
	var out []PoolFile
	for p, c := range s.pool {
		f := filepath.Join(src, filepath.Base(p))
		if err := os.WriteFile(f, []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
		out = append(out, PoolFile{Path: p, Src: f})
	}
	return out
}

func publish(t *testing.T, dir string, s snapshot, opt PublishOptions) (Result, error) {
	t.Helper()
	r, err := Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if opt.Retain == nil {
		opt.Retain = retainByHash
	}
	return r.Publish(context.Background(), s.inputs(t), s.meta, opt)
}

// served reads every regular file a client can reach through the repository's top-level
// names, following symlinks as a web server does.
func served(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		top := filepath.Join(dir, e.Name())
		real, err := filepath.EvalSymlinks(top)
		if errors.Is(err, fs.ErrNotExist) {
			continue // a dangling top-level link: nothing served there
		}
		if err != nil {
			t.Fatal(err)
		}
		filepath.WalkDir(real, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				t.Fatal(err)
			}
			if d.Type().IsRegular() {
				b, _ := os.ReadFile(p)
				rel, _ := filepath.Rel(real, p)
				out[filepath.ToSlash(filepath.Join(e.Name(), rel))] = string(b)
			}
			return nil
		})
	}
	return out
}

// wantServed checks that what a client sees is s whole: its metadata, and the pool files
// its index names; extra by-hash files are allowed, and returned.
func wantServed(t *testing.T, dir string, s snapshot) []string {
	t.Helper()
	got := served(t, dir)
	for _, m := range s.meta {
		if retainByHash(m.Path) {
			continue
		}
		if got[m.Path] != string(m.Data) {
			t.Fatalf("%s serves %q, want %q", m.Path, got[m.Path], m.Data)
		}
	}
	for p, c := range s.pool {
		if got[p] != c {
			t.Fatalf("%s serves %q, want %q", p, got[p], c)
		}
	}
	var byHash []string
	for p, c := range got {
		if retainByHash(p) {
			if c != got["dists/stable/main/index"] && !strings.HasPrefix(c, strings.TrimPrefix(p, "dists/stable/main/by-hash/")+"\n") {
				t.Errorf("%s holds %q, which is not what it names", p, c)
			}
			byHash = append(byHash, strings.TrimPrefix(p, "dists/stable/main/by-hash/"))
		}
	}
	sort.Strings(byHash)
	return byHash
}

func TestPublishServesAndKeepsGenerations(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	steps := []struct {
		s           snapshot
		wantByHash  []string
		wantRemoved []string
		wantPruned  []int
	}{
		{s: snap("a", "p_1.deb"), wantByHash: []string{"a"}},
		{s: snap("b", "p_1.deb", "p_2.deb"), wantByHash: []string{"a", "b"}},
		{s: snap("c", "p_2.deb", "p_3.deb"), wantByHash: []string{"a", "b", "c"}},
		// Keep 2: the fourth generation carries b and c; a goes, and p_1.deb, which only a and b named, stays until b goes.
		{s: snap("d", "p_3.deb", "p_4.deb"), wantByHash: []string{"b", "c", "d"}, wantPruned: []int{1}},
		{s: snap("e", "p_4.deb"), wantByHash: []string{"c", "d", "e"}, wantRemoved: []string{"pool/p_1.deb"}, wantPruned: []int{2}},
	}
	for i, st := range steps {
		res, err := publish(t, dir, st.s, PublishOptions{Keep: 2})
		if err != nil {
			t.Fatalf("publish %d: %v", i+1, err)
		}
		if res.Generation != i+1 || res.Unchanged {
			t.Errorf("publish %d: generation %d (unchanged %v), want %d", i+1, res.Generation, res.Unchanged, i+1)
		}
		if diff := cmp.Diff(st.wantByHash, wantServed(t, dir, st.s)); diff != "" {
			t.Errorf("publish %d: by-hash files served (-want +got):\n%s", i+1, diff)
		}
		if diff := cmp.Diff(st.wantRemoved, res.Removed); diff != "" {
			t.Errorf("publish %d: pool files removed (-want +got):\n%s", i+1, diff)
		}
		if diff := cmp.Diff(st.wantPruned, res.Pruned); diff != "" {
			t.Errorf("publish %d: generations pruned (-want +got):\n%s", i+1, diff)
		}
	}
	r, err := Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := r.ReadFile("dists/stable/Release")
	if err != nil || string(b) != "release e\n" {
		t.Errorf("ReadFile: %q, %v", b, err)
	}
	if _, err := r.ReadFile("dists/stable/nothing"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file: %v, want fs.ErrNotExist", err)
	}
}

func TestPublishSameInputsTwice(t *testing.T) {
	base := t.TempDir()
	one, two := filepath.Join(base, "one"), filepath.Join(base, "two")
	s := snap("a", "p_1.deb", "q_1.deb")
	for _, dir := range []string{one, two} {
		if _, err := publish(t, dir, s, PublishOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	res, err := publish(t, one, s, PublishOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Unchanged || res.Generation != 1 || len(res.Added) != 0 {
		t.Errorf("publishing the same inputs again: %+v, want unchanged generation 1 with nothing added", res)
	}
	if diff := cmp.Diff(served(t, one), served(t, two)); diff != "" {
		t.Errorf("two repositories from the same inputs differ (-one +two):\n%s", diff)
	}
}

func TestPoolFilesAreImmutable(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	if _, err := publish(t, dir, snap("a", "p_1.deb"), PublishOptions{}); err != nil {
		t.Fatal(err)
	}
	changed := snap("b", "p_1.deb")
	changed.pool["pool/p_1.deb"] = "other bytes"
	_, err := publish(t, dir, changed, PublishOptions{})
	if err == nil || !strings.Contains(err.Error(), "already published with other bytes") {
		t.Fatalf("publishing other bytes under a published name: %v", err)
	}
	wantServed(t, dir, snap("a", "p_1.deb"))

	// A pool file a dead publish left, never served, may be replaced.
	fail := func(step string) error {
		if step == "pool-placed" {
			return errors.New("crash")
		}
		return nil
	}
	if _, err := publish(t, dir, snap("c", "p_2.deb"), PublishOptions{fail: fail}); err == nil {
		t.Fatal("the failure hook did not stop the publish")
	}
	again := snap("c", "p_2.deb")
	again.pool["pool/p_2.deb"] = "rebuilt"
	if _, err := publish(t, dir, again, PublishOptions{}); err != nil {
		t.Fatalf("replacing a pool file nothing served: %v", err)
	}
	wantServed(t, dir, again)
}

func TestPublishRefusesForeignDirectories(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "dists"), 0o755); err != nil {
		t.Fatal(err)
	}
	_, err := publish(t, dir, snap("a", "p_1.deb"), PublishOptions{})
	if err == nil || !strings.Contains(err.Error(), "not a symlink") {
		t.Fatalf("publishing over a foreign dists directory: %v", err)
	}
	for _, bad := range []string{"../x", "/abs", "a/../b", ".current/x", ".generations/1/x", "a/.tmp-publish"} {
		s := snap("a")
		s.meta = append(s.meta, File{Path: bad, Data: nil})
		if _, err := publish(t, filepath.Join(dir, "ok"), s, PublishOptions{}); err == nil {
			t.Errorf("metadata path %q accepted", bad)
		}
	}
}

// TestPublishCrashes stops a publish at each step, as a crash would, and checks that the
// repository serves the old snapshot or the new one, whole; the next publish then serves
// the new one and leaves nothing behind.
func TestPublishCrashes(t *testing.T) {
	steps := []string{"pool-placed", "metadata-written", "generation-written", "generation-renamed", "linked", "switched", "pruning"}
	for _, step := range steps {
		t.Run(step, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			a, b, c := snap("a", "p_1.deb"), snap("b", "p_2.deb"), snap("c", "p_3.deb")
			c.meta = append(c.meta, File{Path: "c.repo", Data: []byte("new top-level file\n")})
			for _, s := range []snapshot{a, b} {
				if _, err := publish(t, dir, s, PublishOptions{Keep: 1}); err != nil {
					t.Fatal(err)
				}
			}
			hit := false
			fail := func(s string) error {
				if s == step {
					hit = true
					return errors.New("crash at " + s)
				}
				return nil
			}
			if _, err := publish(t, dir, c, PublishOptions{Keep: 1, fail: fail}); err == nil || !hit {
				t.Fatalf("the publish did not stop at %s: %v", step, err)
			}
			if got := served(t, dir)["dists/stable/Release"]; got == "release c\n" {
				wantServed(t, dir, c)
			} else {
				wantServed(t, dir, b)
				if _, ok := served(t, dir)["c.repo"]; ok {
					t.Error("c.repo is served with the old generation")
				}
			}
			if _, err := publish(t, dir, c, PublishOptions{Keep: 1}); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]string{"b", "c"}, wantServed(t, dir, c)); diff != "" {
				t.Errorf("by-hash files after the next publish (-want +got):\n%s", diff)
			}
			filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if strings.Contains(d.Name(), tmpMark) {
					t.Errorf("left behind: %s", p)
				}
				return nil
			})
			if _, err := os.Stat(filepath.Join(dir, "pool/p_1.deb")); err == nil {
				t.Error("pool/p_1.deb, named only by a pruned generation, is still there")
			}
		})
	}
}

// TestPublishersSerialise runs publishers at once on one repository: the lock lets one at
// a time between its start and its end.
func TestPublishersSerialise(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "repo")
	var mu sync.Mutex
	inside, most := 0, 0
	hook := func(step string) error {
		mu.Lock()
		defer mu.Unlock()
		switch step {
		case "metadata-written":
			inside++
			most = max(most, inside)
		case "switched":
			inside--
		}
		return nil
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	var waited sync.Map
	for i := range errs {
		s := snap(fmt.Sprintf("s%d", i), fmt.Sprintf("p_%d.deb", i))
		pool := s.inputs(t)
		wg.Add(1)
		go func() {
			defer wg.Done()
			slow := func(step string) error {
				if step == "metadata-written" {
					hook(step)
					time.Sleep(50 * time.Millisecond)
					return nil
				}
				return hook(step)
			}
			errs[i] = Publish(context.Background(), dir, pool, s.meta, PublishOptions{
				Retain: retainByHash, fail: slow,
				Progress: func(e Event) {
					if e.Step == "wait" {
						waited.Store(i, true)
					}
				},
			})
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("publisher %d: %v", i, err)
		}
	}
	if most != 1 {
		t.Errorf("%d publishers were between writing metadata and switching at once, want 1", most)
	}
	n := 0
	waited.Range(func(any, any) bool { n++; return true })
	if n == 0 {
		t.Error("no publisher waited for the lock")
	}
	r, err := Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if cur, _, _ := r.current(); cur != 4 {
		t.Errorf("served generation %d after four publishes, want 4", cur)
	}
}

func TestOpenGivesUpWithTheContext(t *testing.T) {
	dir := t.TempDir()
	r, err := Open(context.Background(), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, err := Open(ctx, dir, nil); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Open while another holds the lock: %v, want the context's deadline", err)
	}
}
