package repro

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/spec"
)

const verifyTarball = "tarballs/mediawiki-core-1.0.tar.gz"

// verifyOutput writes a synthetic output directory: a manifest naming one edition, core
// 1.0, built as tarballs, and the given artifacts.
func verifyOutput(t *testing.T, dir string, files map[string][]byte) {
	t.Helper()
	sde := int64(1700000000)
	m := build.Manifest{
		Format:   "1",
		Build:    &build.BuildInfo{Formats: []string{build.FormatTarball}, SourceDateEpoch: &sde},
		Editions: []build.ManifestEdition{{Name: "core", Version: "1.0"}},
	}
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "manifest.json", b)
	for name, body := range files {
		writeFile(t, dir, name, body)
	}
}

// verifyProject writes what CopyProject copies of a project, and its original output.
func verifyProject(t *testing.T, tarball []byte) string {
	t.Helper()
	root := t.TempDir()
	writeFile(t, root, "recipes/core.hcl", []byte("# core\n"))
	writeFile(t, root, "editions/core.hcl", []byte("# edition\n"))
	writeFile(t, root, lock.FileName, []byte("{}\n"))
	verifyOutput(t, filepath.Join(root, "out"), map[string][]byte{verifyTarball: tarball})
	return root
}

func verifyOptions(t *testing.T, root string, run func(context.Context, Rebuild) error) VerifyOptions {
	return VerifyOptions{
		Root: root, Set: spec.NewSet(nil, []spec.Edition{{Name: "core"}}),
		UserCache: filepath.Join(t.TempDir(), "cache"), TempDir: t.TempDir(),
		Host: Host{Env: map[string]string{"TZ": "UTC", "PATH": "/bin"}, Umask: 0o022, Jobs: 4, NumCPU: 4},
		Run:  run,
	}
}

func TestVerify(t *testing.T) {
	tgz := gzipBytes(t, tarBytes(t, baseEntries()), "", t0)
	other := gzipBytes(t, tarBytes(t, append(baseEntries(), tarEnt{name: "mediawiki-1.39.17/extra", mode: 0o644, mtime: t0})), "", t0)
	for _, tc := range []struct {
		name    string
		rebuilt map[string][]byte // nil: the rebuild fails
		keep    bool
		want    []Status
		wantErr string
	}{
		{name: "identical", rebuilt: map[string][]byte{verifyTarball: tgz}, want: []Status{Identical, Identical}},
		{name: "kept", rebuilt: map[string][]byte{verifyTarball: tgz}, keep: true, want: []Status{Identical, Identical}},
		{name: "differs", rebuilt: map[string][]byte{verifyTarball: other}, want: []Status{Identical, Differs}},
		{name: "missing", rebuilt: map[string][]byte{}, want: []Status{Identical, Missing}},
		{name: "extra", rebuilt: map[string][]byte{verifyTarball: tgz, "tarballs/mediawiki-core-1.0.tar.xz": []byte("xz")}, want: []Status{Identical, Identical, Extra}},
		{name: "rebuild fails", wantErr: "the rebuild directory is kept"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := verifyProject(t, tgz)
			var seen Rebuild
			o := verifyOptions(t, root, func(_ context.Context, rb Rebuild) error {
				seen = rb
				if tc.rebuilt == nil {
					return errors.New("exit status 1")
				}
				verifyOutput(t, rb.Out, tc.rebuilt)
				return nil
			})
			o.Keep = tc.keep
			res, err := Verify(context.Background(), o)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				if _, err := os.Stat(seen.Dir); err != nil {
					t.Errorf("a failed rebuild's directory is removed: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, statuses(res.Results)); diff != "" {
				t.Errorf("statuses (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"core"}, res.Editions); diff != "" {
				t.Errorf("editions (-want +got):\n%s", diff)
			}
			if _, err := os.Stat(res.Rebuild.Dir); (err == nil) != tc.keep || res.Kept != tc.keep {
				t.Errorf("keep %v: the rebuild directory's stat says %v, Kept %v", tc.keep, err, res.Kept)
			}
			if _, err := os.Stat(filepath.Join(seen.Project, "recipes", "core.hcl")); tc.keep && err != nil {
				t.Errorf("the project was not copied: %v", err)
			}
			if !slices.Contains(seen.Env, "SOURCE_DATE_EPOCH=1700000000") || !slices.Contains(seen.Env, "TZ=GMT-14") {
				t.Errorf("the rebuild's environment is not varied: %q", seen.Env)
			}
		})
	}
}

func TestVerifyRefuses(t *testing.T) {
	tgz := gzipBytes(t, tarBytes(t, baseEntries()), "", t0)
	for _, tc := range []struct {
		name   string
		change func(*VerifyOptions)
		option bool // an OptionError
		want   string
	}{
		{"no original", func(o *VerifyOptions) { o.Against = filepath.Join(o.Root, "nowhere") }, false, "nothing to verify"},
		{"bad sums file", func(o *VerifyOptions) { o.SumsFile = writeFile(t, o.Root, "SUMS", []byte("not a sum\n")) }, false, "line 1"},
		{"image base without images", func(o *VerifyOptions) { o.ImageBase = "scratch" }, true, "add --format image"},
		{"bad image base", func(o *VerifyOptions) { o.ImageBase = "nonsense:x"; o.Formats = []string{build.FormatImage} }, true, "--image-base"},
		{"edition the build lacks", func(o *VerifyOptions) { o.Editions = []string{"enterprise"} }, true, "--edition enterprise"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := verifyProject(t, tgz)
			o := verifyOptions(t, root, func(_ context.Context, rb Rebuild) error {
				verifyOutput(t, rb.Out, map[string][]byte{verifyTarball: tgz})
				return nil
			})
			tc.change(&o)
			_, err := Verify(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			var oe OptionError
			if errors.As(err, &oe) != tc.option {
				t.Errorf("%v: OptionError is %v, want %v", err, !tc.option, tc.option)
			}
		})
	}
}

func TestVerifySums(t *testing.T) {
	tgz := gzipBytes(t, tarBytes(t, baseEntries()), "", t0)
	root := verifyProject(t, tgz)
	sums := sha(string(tgz)) + "  " + verifyTarball + "\n" + sha("other") + "  tarballs/mediawiki-core-1.0.tar.xz\n"
	o := verifyOptions(t, root, func(_ context.Context, rb Rebuild) error {
		verifyOutput(t, rb.Out, map[string][]byte{verifyTarball: tgz, "tarballs/mediawiki-core-1.0.tar.xz": []byte("xz")})
		return nil
	})
	o.SumsFile = writeFile(t, t.TempDir(), "SHA256SUMS", []byte(sums))
	res, err := Verify(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Status{Identical, Differs}, statuses(res.Results)); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
}

func TestRebuildArgs(t *testing.T) {
	rb := Rebuild{Project: "/t/project", Cache: "/t/cache", Out: "/t/out", Conditions: Conditions{Jobs: 1}}
	for _, tc := range []struct {
		name      string
		offline   bool
		formats   []string
		imageBase string
		want      []string
	}{
		{"trees only", false, nil, "", []string{"-C", "/t/project", "--cache", "/t/cache", "-j", "1", "build", "--out", "/t/out", "--format", "tree"}},
		{"formats", false, []string{"deb", "rpm"}, "", []string{"-C", "/t/project", "--cache", "/t/cache", "-j", "1", "build", "--out", "/t/out", "--format", "deb,rpm"}},
		{"offline with a base", true, []string{"image"}, "scratch", []string{"--offline", "-C", "/t/project", "--cache", "/t/cache", "-j", "1", "build", "--out", "/t/out", "--format", "image", "--image-base", "scratch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, rebuildArgs(rb, tc.offline, tc.formats, tc.imageBase)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestTarget(t *testing.T) {
	rec := build.BuildInfo{Formats: []string{"deb", "image"}, ImageBase: "oci:base"}
	for _, tc := range []struct {
		name        string
		opts        VerifyOptions
		wantFormats []string
		wantBase    string
	}{
		{"the original's", VerifyOptions{Root: "/p"}, []string{"deb", "image"}, "oci:/p/base"},
		{"the flags'", VerifyOptions{Root: "/p", Formats: []string{"image"}, ImageBase: "scratch"}, []string{"image"}, "scratch"},
		{"no images: the original's base does not apply", VerifyOptions{Root: "/p", Formats: []string{"deb"}}, []string{"deb"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			formats, base, err := tc.opts.target(rec)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.wantFormats, formats); diff != "" {
				t.Errorf("formats (-want +got):\n%s", diff)
			}
			if base != tc.wantBase {
				t.Errorf("base = %q, want %q", base, tc.wantBase)
			}
		})
	}
}

func TestBaseRefs(t *testing.T) {
	set := spec.NewSet(nil, []spec.Edition{
		{Name: "a", Outputs: []spec.Output{{Format: "image", Base: "r.example/x@sha256:1"}}},
		{Name: "b", Outputs: []spec.Output{{Format: "deb"}, {Format: "image", Base: "scratch"}}},
	})
	for _, tc := range []struct {
		name, imageBase string
		want            []string
	}{
		{"every output block's", "", []string{"r.example/x@sha256:1", "", "scratch"}},
		{"the one given", "scratch", []string{"scratch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, baseRefs(set, tc.imageBase)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadBuildInfo(t *testing.T) {
	dir := t.TempDir()
	old := writeFile(t, dir, "old.json", []byte(`{"format":"1","editions":[]}`))
	got, err := ReadBuildInfo(old)
	if err != nil {
		t.Fatal(err)
	}
	want := build.BuildInfo{Formats: []string{build.FormatDeb, build.FormatRPM, build.FormatTarball, build.FormatImage}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("a manifest without a build field (-want +got):\n%s", diff)
	}
	if _, err := ReadBuildInfo(filepath.Join(dir, "none.json")); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("a missing manifest: %v", err)
	}
}
