package dnf

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/pack"
	"github.com/mwedition/mwedition/internal/repo"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/signature/signaturetest"
)

// TestPublish publishes four versions of a package one after the other, keeping two, and
// the same builds twice.
func TestPublish(t *testing.T) {
	signer, _ := testSigner(t)
	dir := filepath.Join(t.TempDir(), "repo")
	builds := t.TempDir()
	opt := PublishOptions{Options: Options{Signer: signer, BaseURL: "file://" + dir}, Versions: 2}
	writeRPM := func(t *testing.T, dir string, p pack.Package) string { return writeRPMSigned(t, dir, p, signer) }
	ctx := t.Context()
	var published [][]string
	for i, v := range []string{"1.0", "1.1", "1.2", "1.10"} {
		mtime := buildTime.Add(time.Duration(i) * time.Hour)
		rpms := []string{writeRPM(t, builds, plain("mediawiki-extension-probe", v, mtime))}
		if i == 0 {
			rpms = append(rpms, writeRPM(t, builds, plain("mediawiki-core", "1.39.17", mtime)))
		}
		res, err := Publish(ctx, dir, rpms, opt)
		if err != nil {
			t.Fatalf("publish %s: %v", v, err)
		}
		published = append(published, res.Packages)
		if i == 3 {
			if diff := cmp.Diff([]string{"pool/mediawiki-extension-probe-1.1-1.noarch.rpm"}, res.Dropped); diff != "" {
				t.Errorf("dropped (-want +got):\n%s", diff)
			}
		}
	}
	want := [][]string{
		{"pool/mediawiki-core-1.39.17-1.noarch.rpm", "pool/mediawiki-extension-probe-1.0-1.noarch.rpm"},
		{"pool/mediawiki-core-1.39.17-1.noarch.rpm", "pool/mediawiki-extension-probe-1.0-1.noarch.rpm", "pool/mediawiki-extension-probe-1.1-1.noarch.rpm"},
		{"pool/mediawiki-core-1.39.17-1.noarch.rpm", "pool/mediawiki-extension-probe-1.1-1.noarch.rpm", "pool/mediawiki-extension-probe-1.2-1.noarch.rpm"},
		{"pool/mediawiki-core-1.39.17-1.noarch.rpm", "pool/mediawiki-extension-probe-1.10-1.noarch.rpm", "pool/mediawiki-extension-probe-1.2-1.noarch.rpm"},
	}
	if diff := cmp.Diff(want, published); diff != "" {
		t.Errorf("packages listed after each publish (-want +got):\n%s", diff)
	}
	r, err := repo.Open(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	served, err := ReadServed(r.ReadFile)
	r.Close()
	listed := served.Packages
	if err != nil || len(listed) != 3 || listed[1].Version != "1.2" || listed[2].Version != "1.10" || !served.Revision.Equal(buildTime.Add(3*time.Hour)) {
		t.Errorf("ReadServed: %+v, %v", served, err)
	}
	repomd := func() []byte {
		b, err := os.ReadFile(filepath.Join(dir, RepomdPath))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	before := repomd()
	if !bytes.Contains(before, []byte("<revision>"+itoa(buildTime.Add(3*time.Hour).Unix())+"<")) {
		t.Errorf("the revision is not the newest package's time:\n%s", before)
	}

	// The last build again: nothing changes.
	last := filepath.Join(builds, "mediawiki-extension-probe-1.10-1.noarch.rpm")
	res, err := Publish(ctx, dir, []string{last}, opt)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Unchanged || !bytes.Equal(before, repomd()) {
		t.Errorf("publishing the same build again changed the repository (unchanged: %v)", res.Unchanged)
	}

	// A different build under a published name is refused, and the repository stays as it was.
	other := filepath.Join(t.TempDir(), filepath.Base(last))
	p := plain("mediawiki-extension-probe", "1.10", buildTime.Add(5*time.Hour))
	os.Rename(writeRPM(t, t.TempDir(), p), other)
	if _, err := Publish(ctx, dir, []string{other}, opt); err == nil || !strings.Contains(err.Error(), "already published with other bytes") {
		t.Errorf("a changed package under a published name: %v", err)
	}
	if !bytes.Equal(before, repomd()) {
		t.Error("a refused publish changed repomd.xml")
	}

	// An explicit time older than the served revision does not move the revision back.
	early := opt
	early.Time = buildTime
	skin := writeRPM(t, builds, plain("mediawiki-skin-old", "1", buildTime.Add(-10*time.Hour)))
	res, err = Publish(ctx, dir, []string{skin}, early)
	if err != nil || !res.Time.Equal(buildTime.Add(3*time.Hour)) || len(res.New) != 1 || res.New[0] != "pool/"+filepath.Base(skin) {
		t.Errorf("publish with an earlier time: %v, time %s, new %v", err, res.Time, res.New)
	}

	// A pool file changed behind the repository's back is noticed.
	core := filepath.Join(dir, "pool/mediawiki-core-1.39.17-1.noarch.rpm")
	b, _ := os.ReadFile(core)
	b[len(b)-1] ^= 1
	os.WriteFile(core, b, 0o644)
	newer := writeRPM(t, builds, plain("mediawiki-extension-probe", "1.11", buildTime.Add(6*time.Hour)))
	if _, err := Publish(ctx, dir, []string{newer}, opt); err == nil || !strings.Contains(err.Error(), "mediawiki-core-1.39.17-1.noarch.rpm: reading the RPM header, checking its digests and signatures: payload SHA-256 digest mismatch") {
		t.Errorf("a changed pool file: %v", err)
	}
}

// TestPublishRefusesWhatTheRepoFileDoesNotHold: the .repo file promises gpgcheck=1 with
// the repository's key; a publish that would break the promise is refused, naming every
// package at fault, and writes nothing.
func TestPublishRefusesWhatTheRepoFileDoesNotHold(t *testing.T) {
	signer, _ := testSigner(t)
	other, err := signature.NewSigner(signaturetest.Keys(t)[1].Priv, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	otherID := other.Fingerprint()[24:]
	builds := t.TempDir()
	mtime := buildTime
	core := writeRPMSigned(t, builds, plain("mediawiki-core", "1.39.17", mtime), signer)
	unsigned := writeRPM(t, builds, plain("mediawiki-extension-unsigned", "1.0", mtime))
	stranger := writeRPMSigned(t, builds, plain("mediawiki-extension-stranger", "1.0", mtime), other)

	// olderRepo is a repository an earlier mwedition published, with an unsigned package.
	olderRepo := func(t *testing.T, dir string) string {
		old := writeRPM(t, t.TempDir(), plain("mediawiki-skin-old", "1", mtime))
		p, err := ReadPackage(old, "pool/"+filepath.Base(old))
		if err != nil {
			t.Fatal(err)
		}
		meta, err := Metadata([]Package{p}, Options{Signer: signer, BaseURL: "file://" + dir})
		if err != nil {
			t.Fatal(err)
		}
		r, err := repo.Open(t.Context(), dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if _, err := r.Publish(t.Context(), []repo.PoolFile{{Path: p.Href, Src: old}}, meta, repo.PublishOptions{}); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(dir, p.Href)
	}

	for _, tc := range []struct {
		name   string
		setup  func(t *testing.T, dir string) []Unsigned // the packages to name
		rpms   []string
		signer *signature.Signer
		want   error
	}{
		{"unsigned and signed by another key", nil, []string{core, unsigned, stranger}, signer, &UnsignedError{Key: signer.Fingerprint(), Packages: []Unsigned{
			{File: stranger, Others: []string{otherID}},
			{File: unsigned},
		}}},
		{"published earlier, unsigned", func(t *testing.T, dir string) []Unsigned {
			return []Unsigned{{File: olderRepo(t, dir), Published: true}}
		}, []string{core}, signer, nil},
		{"signed with another key than the served one", func(t *testing.T, dir string) []Unsigned {
			if _, err := Publish(t.Context(), dir, []string{core}, PublishOptions{Options: Options{Signer: signer, BaseURL: "file://" + dir}}); err != nil {
				t.Fatal(err)
			}
			return nil
		}, []string{stranger}, other, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "repo")
			want := tc.want
			if tc.setup != nil {
				if named := tc.setup(t, dir); named != nil {
					want = &UnsignedError{Key: signer.Fingerprint(), Packages: named}
				} else {
					want = &KeyChangeError{Dir: dir, KeyFile: KeyPath(DefaultID), Served: []string{signer.Fingerprint()}, Given: other.Fingerprint()}
				}
			}
			before := tree(t, dir)
			_, err := Publish(t.Context(), dir, tc.rpms, PublishOptions{Options: Options{Signer: tc.signer, BaseURL: "file://" + dir}})
			if diff := cmp.Diff(want, err); diff != "" {
				t.Errorf("Publish error (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(before, tree(t, dir)); diff != "" {
				t.Errorf("a refused publish changed the repository (-before +after):\n%s", diff)
			}
		})
	}
}

// tree maps each file under dir (but the lock) to its bytes, and each symlink to its target.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, ".lock") {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			out[p], err = os.Readlink(p)
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		out[p] = string(b)
		return nil
	})
	return out
}
