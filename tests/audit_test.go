//go:build e2e

package tests

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mwedition/mwedition/internal/repro"
)

// TestMetadataAuditRealTree builds every artifact of the three shipped editions from the
// real release with SOURCE_DATE_EPOCH set before every source time, under a host name of
// its own (a UTS namespace), and reads every entry back: tar, ar and cpio entries and OCI
// layers are owned by 0:0 with fixed owner names, dated exactly SOURCE_DATE_EPOCH (no
// sub-second part, no access or change time), with modes 0644/0755 (directories 0755,
// symlinks 0777); every gzip header, nested ones included, has no time and no name; RPM
// headers carry the same time; and no byte of any artifact, decompressed, holds the host
// name or the project, cache or output directory of the build.
func TestMetadataAuditRealTree(t *testing.T) {
	// Own caches and output directories; mostly single-threaded tools (lintian, rpmlint,
	// xz, mmdebstrap): they overlap with the other tests on CI's two cores.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the audit builds under a host name of its own (unshare --uts), which needs root: run `make e2e` as root")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Fatal("unshare is not installed: run `make deps`")
	}
	const sde = 1700000000 // 2023-11-14: before every source time of the lock
	dir := project(t)
	cacheDir := seededCache(t)
	out := filepath.Join(t.TempDir(), "out")
	host := "mwedition-audit-host-" + strconv.Itoa(os.Getpid())
	start := time.Now()
	cmd := exec.Command("unshare", "--uts", "sh", "-c", `hostname "$0" && exec "$@"`, host,
		bin(t), "-C", dir, "--cache", cacheDir, "--offline", "-q", "build", "--out", out,
		// The shipped Debian base takes minutes to make and is audited by TestImagesRealTree.
		"--image-base", "scratch")
	cmd.Env = append(os.Environ(), "SOURCE_DATE_EPOCH="+strconv.Itoa(sde))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	t.Logf("%s: built with SOURCE_DATE_EPOCH=%d as host %s", time.Since(start).Round(time.Second), sde, host)

	a := &audit{t: t, sde: time.Unix(sde, 0).UTC(), gzipOS: map[string]map[int]int{},
		needles: map[string][]byte{"host name": []byte(host), "project directory": []byte(dir), "cache directory": []byte(cacheDir), "output directory": []byte(out)}}
	var artifacts []string
	for _, glob := range []string{"deb/*.deb", "rpm/*.rpm", "tarballs/*.tar.*", "tarballs/SHA256SUMS", "manifest.json", "oci/index.json"} {
		m, _ := filepath.Glob(filepath.Join(out, glob))
		artifacts = append(artifacts, m...)
	}
	for _, p := range artifacts {
		rel, _ := filepath.Rel(out, p)
		policy := "root"
		es, err := repro.Walk(p, a.content(rel))
		if err != nil {
			t.Fatalf("%s: %v", rel, err)
		}
		a.entries(rel, policy, es)
	}
	a.images(filepath.Join(out, "oci"))
	// The SBOMs, provenance statements and the top-level records are JSON and text: no
	// build path, no host name.
	docs, _ := filepath.Glob(filepath.Join(out, "sbom", "*.json"))
	docs = append(docs, filepath.Join(out, "manifest.json"), filepath.Join(out, "SHA256SUMS"))
	if len(docs) != 3*2+2 {
		t.Errorf("%d documents in out/sbom and out/, want an SBOM and a provenance per edition", len(docs)-2)
	}
	for _, p := range docs {
		rel, _ := filepath.Rel(out, p)
		a.scanFile(rel, p)
	}

	t.Logf("%s: audited %d artifacts, %d entries, %d bytes of content; gzip OS bytes %v", time.Since(start).Round(time.Second),
		len(artifacts)+a.layers, a.count, a.bytes, a.gzipOS)
	if len(artifacts) != 37+37+6+1+2 || a.layers != 37 || a.referrers != 6 {
		t.Errorf("audited %d files, %d layers and %d referrers, want 83, 37 and 6: the build made other artifacts than expected", len(artifacts), a.layers, a.referrers)
	}
	if a.count < 100000 {
		t.Errorf("only %d entries read: the walk missed archives", a.count)
	}
	// One fixed OS byte for each kind of gzip stream: archives and layers (the library's
	// 255, "unknown"), and the documents packages ship (3, Unix, as gzip -n writes them).
	for kind, seen := range a.gzipOS {
		if len(seen) != 1 {
			t.Errorf("gzip headers of %s carry %d different OS bytes (%v), want one fixed value", kind, len(seen), seen)
		}
	}
	if len(a.violations) > 0 {
		kinds := map[string]int{}
		for _, v := range a.violations {
			k := v[strings.LastIndex(v, ": ")+2:]
			if i := strings.IndexAny(k, "0123456789\""); i > 0 {
				k = k[:i]
			}
			kinds[k]++
		}
		t.Errorf("violations by kind: %v", kinds)
		sort.Strings(a.violations)
		n := len(a.violations)
		if n > 40 {
			a.violations = a.violations[:40]
		}
		t.Errorf("%d violations:\n%s", n, strings.Join(a.violations, "\n"))
	}
}

type audit struct {
	t          *testing.T
	sde        time.Time
	needles    map[string][]byte
	violations []string
	gzipOS     map[string]map[int]int // kind of stream -> OS byte -> count
	count      int
	layers     int
	referrers  int
	bytes      int64
}

func (a *audit) bad(format string, args ...any) {
	a.violations = append(a.violations, fmt.Sprintf(format, args...))
}

// content scans every file's bytes for the build's paths and host name; a nested gzip
// file (changelog.Debian.gz) has its header checked and is scanned decompressed.
func (a *audit) content(rel string) repro.Content {
	return func(e repro.Entry, r io.Reader) error {
		where := rel + ": " + e.ID()
		if strings.HasSuffix(e.Name, ".gz") {
			b, err := io.ReadAll(r)
			if err != nil {
				return err
			}
			a.bytes += int64(len(b))
			a.scan(where, bytes.NewReader(b))
			if zr, err := gzip.NewReader(bytes.NewReader(b)); err == nil {
				// The documents packages generate; a .gz MediaWiki ships (benchmark data)
				// is upstream's bytes, kept as they are.
				if strings.Contains(e.Name, "/usr/share/doc/") {
					a.gzipHeader("files", where, zr.Header.ModTime, zr.Header.Name, zr.Header.Comment, int(zr.Header.OS))
				}
				a.scan(where+" (decompressed)", zr)
			}
			return nil
		}
		a.scan(where, r)
		return nil
	}
}

// scan looks for every needle in r, across chunk boundaries.
func (a *audit) scan(where string, r io.Reader) {
	longest := 0
	for _, n := range a.needles {
		longest = max(longest, len(n))
	}
	buf := make([]byte, 0, 1<<16+longest)
	chunk := make([]byte, 1<<16)
	for {
		n, err := r.Read(chunk)
		a.bytes += int64(n)
		buf = append(buf, chunk[:n]...)
		for what, needle := range a.needles {
			if bytes.Contains(buf, needle) {
				a.bad("%s: holds the build's %s %s", where, what, needle)
				delete(a.needles, what) // once is enough
			}
		}
		if len(buf) > longest {
			buf = append(buf[:0], buf[len(buf)-longest:]...)
		}
		if err != nil {
			return
		}
	}
}

func (a *audit) gzipHeader(kind, where string, mtime time.Time, name, comment string, os int) {
	if a.gzipOS[kind] == nil {
		a.gzipOS[kind] = map[int]int{}
	}
	a.gzipOS[kind][os]++
	if !mtime.IsZero() && mtime.Unix() != 0 {
		a.bad("%s: gzip header time %s, want none (0)", where, mtime.UTC())
	}
	if name != "" || comment != "" {
		a.bad("%s: gzip header name %q, comment %q, want neither", where, name, comment)
	}
}

// entries checks owners, times and modes. uname is the owner name tar entries carry.
func (a *audit) entries(rel, uname string, es []repro.Entry) {
	sde := strconv.FormatInt(a.sde.Unix(), 10)
	for _, e := range es {
		a.count++
		where := rel + ": " + e.ID()
		switch e.Kind {
		case repro.KindGzip:
			a.gzipHeader("archives", where, e.MTime, e.Value, e.Comment, e.OS)
		case repro.KindField:
			a.scan(where, strings.NewReader(e.Value))
			name := e.Name
			switch {
			case strings.HasPrefix(name, "1006 BUILDTIME"), strings.HasPrefix(name, "1080 CHANGELOGTIME"), strings.HasPrefix(name, "1034 FILEMTIMES"):
				if e.Value != sde {
					a.bad("%s: %s, want SOURCE_DATE_EPOCH %s", where, e.Value, sde)
				}
			case strings.HasPrefix(name, "1039 FILEUSERNAME"), strings.HasPrefix(name, "1040 FILEGROUPNAME"):
				if e.Value != "root" {
					a.bad("%s: owner %q, want root", where, e.Value)
				}
			}
		case repro.KindAr, repro.KindTar, repro.KindCPIO:
			if e.UID != 0 || e.GID != 0 {
				a.bad("%s: owner %d:%d, want 0:0", where, e.UID, e.GID)
			}
			if !e.MTime.Equal(a.sde) {
				a.bad("%s: mtime %s, want SOURCE_DATE_EPOCH %s", where, e.MTime.Format(time.RFC3339Nano), a.sde.Format(time.RFC3339))
			}
			if e.Kind == repro.KindAr {
				if e.Mode&0o777 != 0o644 {
					a.bad("%s: ar member mode %#o, want 0644", where, e.Mode)
				}
				continue
			}
			if e.Kind == repro.KindTar {
				if e.Uname != uname || e.Gname != uname {
					a.bad("%s: owner names %q:%q, want %q", where, e.Uname, e.Gname, uname)
				}
				if !e.ATime.IsZero() || !e.CTime.IsZero() {
					a.bad("%s: access or change time in the header", where)
				}
				for k, v := range e.PAX {
					if k == "atime" || k == "ctime" || (k == "mtime" && strings.Contains(v, ".")) {
						a.bad("%s: PAX record %s=%s", where, k, v)
					}
				}
			}
			switch e.Type {
			case "file":
				if e.Mode != 0o644 && e.Mode != 0o755 {
					a.bad("%s: file mode %#o, want 0644 or 0755", where, e.Mode)
				}
			case "dir":
				if e.Mode != 0o755 {
					a.bad("%s: directory mode %#o, want 0755", where, e.Mode)
				}
			case "symlink":
				if e.Mode != 0o777 {
					a.bad("%s: symlink mode %#o, want 0777", where, e.Mode)
				}
			default:
				a.bad("%s: a %s entry", where, e.Type)
			}
		}
	}
}

// images audits the OCI layout: index, manifests and configurations (times, and the
// build's paths), and every layer, once. The images have no base: every layer is ours.
func (a *audit) images(dir string) {
	t := a.t
	var idx struct {
		Manifests []struct{ Digest string }
	}
	readJSON(t, filepath.Join(dir, "index.json"), &idx)
	seen := map[string]bool{}
	created := a.sde.Format(time.RFC3339)
	for _, im := range idx.Manifests {
		if seen[im.Digest] {
			continue
		}
		seen[im.Digest] = true
		mp := blobPath(dir, im.Digest)
		var m struct {
			ArtifactType string
			Annotations  map[string]string
			Config       struct{ Digest string }
			Layers       []struct{ Digest string }
		}
		readJSON(t, mp, &m)
		a.scanFile("oci manifest "+im.Digest, mp)
		if m.ArtifactType != "" {
			// A referrer (an SBOM or provenance attached to an image): documents, not layers.
			a.referrers++
			for _, l := range m.Layers {
				a.scanFile("oci referrer "+l.Digest[:19], blobPath(dir, l.Digest))
			}
			continue
		}
		if got := m.Annotations["org.opencontainers.image.created"]; got != created {
			a.bad("oci manifest %s: created %q, want %s", im.Digest, got, created)
		}
		var cfg struct {
			Created string
			History []struct{ Created string }
		}
		cp := blobPath(dir, m.Config.Digest)
		readJSON(t, cp, &cfg)
		a.scanFile("oci config "+m.Config.Digest, cp)
		if cfg.Created != created {
			a.bad("oci config %s: created %q, want %s", m.Config.Digest, cfg.Created, created)
		}
		for i, h := range cfg.History {
			if h.Created != created {
				a.bad("oci config %s: history[%d] created %q, want %s", m.Config.Digest, i, h.Created, created)
			}
		}
		for _, l := range m.Layers {
			if seen[l.Digest] {
				continue
			}
			seen[l.Digest] = true
			a.layers++
			rel := "oci layer " + l.Digest[:19]
			f, err := os.Open(blobPath(dir, l.Digest))
			if err != nil {
				t.Fatal(err)
			}
			es, err := repro.WalkLayer("", f, a.content(rel))
			f.Close()
			if err != nil {
				t.Fatalf("%s: %v", rel, err)
			}
			// Layers carry numeric owners only (no names), as runtimes read them.
			a.entries(rel, "", es)
		}
	}
}

func (a *audit) scanFile(where, p string) {
	f, err := os.Open(p)
	if err != nil {
		a.t.Fatal(err)
	}
	defer f.Close()
	a.scan(where, f)
}

func blobPath(dir, digest string) string {
	return filepath.Join(dir, "blobs", "sha256", strings.TrimPrefix(digest, "sha256:"))
}
