package repro

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mwedition/mwedition/internal/build"
	"github.com/mwedition/mwedition/internal/fstree"
	"github.com/mwedition/mwedition/internal/pack"
)

var t0 = time.Date(2025, 12, 16, 17, 50, 49, 0, time.UTC)

// tarEnt is one entry of a synthetic tar.
type tarEnt struct {
	name, body string
	mode       int64
	uid        int
	uname      string
	mtime      time.Time
	dir, pax   bool
}

func baseEntries() []tarEnt {
	return []tarEnt{
		{name: "mediawiki-1.39.17/", mode: 0o755, uname: "root", mtime: t0, dir: true},
		{name: "mediawiki-1.39.17/index.php", body: "<?php\n", mode: 0o644, uname: "root", mtime: t0},
		{name: "mediawiki-1.39.17/maintenance/run.php", body: "<?php // run\n", mode: 0o755, uname: "root", mtime: t0},
	}
}

func tarBytes(t *testing.T, ents []tarEnt) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range ents {
		h := &tar.Header{Name: e.name, Mode: e.mode, Uid: e.uid, Uname: e.uname, Gname: e.uname, ModTime: e.mtime, Typeflag: tar.TypeReg, Size: int64(len(e.body))}
		if e.dir {
			h.Typeflag, h.Size = tar.TypeDir, 0
		}
		if e.pax {
			h.Format = tar.FormatPAX
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		tw.Write([]byte(e.body))
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func gzipBytes(t *testing.T, b []byte, name string, mtime time.Time) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Name, zw.ModTime = name, mtime
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestCompareTarballs(t *testing.T) {
	const index = "tar mediawiki-1.39.17/index.php"
	for _, tc := range []struct {
		name   string
		change func([]tarEnt) []tarEnt
		gzName string
		want   []Difference
	}{
		{name: "identical", change: func(e []tarEnt) []tarEnt { return e }},
		{name: "mtime", change: func(e []tarEnt) []tarEnt { e[1].mtime = t0.Add(time.Second); return e },
			want: []Difference{{Entry: index, Field: "mtime", Original: "2025-12-16T17:50:49Z", Rebuilt: "2025-12-16T17:50:50Z"}}},
		{name: "mode", change: func(e []tarEnt) []tarEnt { e[1].mode = 0o664; return e },
			want: []Difference{{Entry: index, Field: "mode", Original: "0644", Rebuilt: "0664"}}},
		{name: "owner", change: func(e []tarEnt) []tarEnt { e[1].uid, e[1].uname = 1000, "builder"; return e },
			want: []Difference{
				{Entry: index, Field: "uid", Original: "0", Rebuilt: "1000"},
				{Entry: index, Field: "uname", Original: "root", Rebuilt: "builder"},
				{Entry: index, Field: "gname", Original: "root", Rebuilt: "builder"},
			}},
		{name: "content", change: func(e []tarEnt) []tarEnt { e[1].body = "<?php \n"; return e },
			want: []Difference{
				{Entry: index, Field: "size", Original: "6", Rebuilt: "7"},
				{Entry: index, Field: "sha256", Original: sha("<?php\n"), Rebuilt: sha("<?php \n")},
			}},
		{name: "sub-second time", change: func(e []tarEnt) []tarEnt { e[2].mtime, e[2].pax = t0.Add(time.Millisecond), true; return e },
			want: []Difference{
				{Entry: "tar mediawiki-1.39.17/maintenance/run.php", Field: "mtime", Original: "2025-12-16T17:50:49Z", Rebuilt: "2025-12-16T17:50:49.001Z"},
				{Entry: "tar mediawiki-1.39.17/maintenance/run.php", Field: "format", Original: "USTAR", Rebuilt: "PAX"},
				{Entry: "tar mediawiki-1.39.17/maintenance/run.php", Field: "pax", Original: "", Rebuilt: "mtime=1765907449.001"},
			}},
		{name: "missing and extra", change: func(e []tarEnt) []tarEnt {
			e[2].name = "mediawiki-1.39.17/maintenance/update.php"
			return e
		}, want: []Difference{
			{Entry: "tar mediawiki-1.39.17/maintenance/run.php", Field: "missing"},
			{Entry: "tar mediawiki-1.39.17/maintenance/update.php", Field: "extra"},
		}},
		{name: "order", change: func(e []tarEnt) []tarEnt { e[1], e[2] = e[2], e[1]; return e },
			want: []Difference{{Entry: "entry 2", Field: "position", Original: index, Rebuilt: "tar mediawiki-1.39.17/maintenance/run.php"}}},
		{name: "gzip header", change: func(e []tarEnt) []tarEnt { return e }, gzName: "x.tar",
			want: []Difference{
				{Entry: "gzip member 0", Field: "mtime", Original: "", Rebuilt: "2025-12-16T17:50:49Z"},
				{Entry: "gzip member 0", Field: "name", Original: "", Rebuilt: "x.tar"},
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			orig := writeFile(t, dir, "a/mw.tar.gz", gzipBytes(t, tarBytes(t, baseEntries()), "", time.Time{}))
			var mt time.Time
			if tc.gzName != "" {
				mt = t0
			}
			rebuilt := writeFile(t, dir, "b/mw.tar.gz", gzipBytes(t, tarBytes(t, tc.change(baseEntries())), tc.gzName, mt))
			res, err := CompareFiles("tarballs/mw.tar.gz", orig, rebuilt)
			if err != nil {
				t.Fatal(err)
			}
			wantStatus := Differs
			if tc.want == nil {
				wantStatus = Identical
			}
			if res.Status != wantStatus {
				t.Errorf("status %s, want %s (%+v)", res.Status, wantStatus, res)
			}
			if diff := cmp.Diff(tc.want, res.Differences); diff != "" {
				t.Errorf("differences (-want +got):\n%s", diff)
			}
		})
	}
}

// debPackage is a small real package, written by internal/pack.
func debPackage(change func(*pack.Package)) pack.Package {
	p := pack.Package{
		Name: "mediawiki-extension-example", Version: "1.2.3", Summary: "Example extension for MediaWiki",
		License: "GPL-2.0-or-later", Maintainer: "mwedition tests <tests@mwedition.example.org>", MTime: t0,
		Extra: []pack.File{
			{Path: "/usr/share/mediawiki/extensions/Example/extension.json", Type: fstree.File, Content: []byte("{}\n")},
			{Path: "/usr/share/mediawiki/extensions/Example/run.sh", Type: fstree.File, Mode: 0o755, Content: []byte("#!/bin/sh\n")},
		},
	}
	if change != nil {
		change(&p)
	}
	return p
}

func writePackage(t *testing.T, dir string, p pack.Package, rpm bool) string {
	t.Helper()
	var buf bytes.Buffer
	var err error
	name := pack.DebFileName(p)
	if rpm {
		err, name = pack.RPM(context.Background(), p, nil, &buf, nil), pack.RPMFileName(p)
	} else {
		err = pack.Deb(context.Background(), p, nil, &buf)
	}
	if err != nil {
		t.Fatal(err)
	}
	return writeFile(t, dir, name, buf.Bytes())
}

func TestCompareDebs(t *testing.T) {
	const file = "data.tar.gz: tar ./usr/share/mediawiki/extensions/Example/extension.json"
	for _, tc := range []struct {
		name   string
		change func(*pack.Package)
		want   []string // entry: field
	}{
		{name: "identical"},
		{name: "content", change: func(p *pack.Package) { p.Extra[0].Content = []byte("{ }\n") },
			want: []string{"ar control.tar.gz: sha256", "control.tar.gz: tar ./md5sums: sha256", "ar data.tar.gz: sha256", file + ": size", file + ": sha256"}},
		{name: "mode", change: func(p *pack.Package) { p.Extra[1].Mode = 0o644 },
			want: []string{"ar data.tar.gz: sha256", "data.tar.gz: tar ./usr/share/mediawiki/extensions/Example/run.sh: mode"}},
		{name: "control field", change: func(p *pack.Package) { p.Homepage = "https://www.mediawiki.org/" },
			want: []string{"ar control.tar.gz: sha256", "control.tar.gz: tar ./control: size", "control.tar.gz: tar ./control: sha256", "control: field Homepage: extra"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			orig := writePackage(t, filepath.Join(dir, "a"), debPackage(nil), false)
			rebuilt := writePackage(t, filepath.Join(dir, "b"), debPackage(tc.change), false)
			res, err := CompareFiles("deb/"+filepath.Base(orig), orig, rebuilt)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range res.Differences {
				if strings.HasPrefix(d.Entry, "ar ") && d.Field == "size" {
					continue // a compressed member's size moves with the compressor, byte by byte
				}
				got = append(got, d.Entry+": "+d.Field)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("differences (-want +got):\n%s\n%+v", diff, res)
			}
		})
	}

	// A rewritten data entry time names the entry, with both times.
	dir := t.TempDir()
	orig := writePackage(t, filepath.Join(dir, "a"), debPackage(nil), false)
	rebuilt := writePackage(t, filepath.Join(dir, "b"), debPackage(func(p *pack.Package) { p.MTime = t0.Add(time.Hour) }), false)
	res, err := CompareFiles("deb/x.deb", orig, rebuilt)
	if err != nil {
		t.Fatal(err)
	}
	want := Difference{Entry: file, Field: "mtime", Original: "2025-12-16T17:50:49Z", Rebuilt: "2025-12-16T18:50:49Z"}
	found := false
	for _, d := range res.Differences {
		found = found || d == want
	}
	if !found || res.Status != Differs {
		t.Errorf("a changed package time: %+v does not list %+v", res, want)
	}
}

func TestCompareRPMs(t *testing.T) {
	const file = "payload: cpio ./usr/share/mediawiki/extensions/Example/extension.json"
	for _, tc := range []struct {
		name   string
		change func(*pack.Package)
		want   []string // a subset of entry: field, in order
	}{
		{name: "identical"},
		{name: "content", change: func(p *pack.Package) { p.Extra[0].Content = []byte("[]\n") },
			want: []string{"header: field 1035 FILEDIGESTS /usr/share/mediawiki/extensions/Example/extension.json: value", file + ": sha256"}},
		{name: "mode", change: func(p *pack.Package) { p.Extra[1].Mode = 0o644 },
			want: []string{"header: field 1030 FILEMODES /usr/share/mediawiki/extensions/Example/run.sh: value",
				"payload: cpio ./usr/share/mediawiki/extensions/Example/run.sh: mode"}},
		{name: "time", change: func(p *pack.Package) { p.MTime = t0.Add(time.Second) },
			want: []string{"header: field 1006 BUILDTIME: value", file + ": mtime"}},
		{name: "header tag", change: func(p *pack.Package) { p.License = "MIT" },
			want: []string{"header: field 1014 LICENSE: value"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			orig := writePackage(t, filepath.Join(dir, "a"), debPackage(nil), true)
			rebuilt := writePackage(t, filepath.Join(dir, "b"), debPackage(tc.change), true)
			res, err := CompareFiles("rpm/"+filepath.Base(orig), orig, rebuilt)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]bool{}
			for _, d := range res.Differences {
				got[d.Entry+": "+d.Field] = true
			}
			for _, w := range tc.want {
				if !got[w] {
					t.Errorf("the report lacks %q: %+v", w, res.Differences)
				}
			}
			if (len(tc.want) == 0) != (res.Status == Identical) {
				t.Errorf("status %s with differences %+v", res.Status, res.Differences)
			}
		})
	}
}

// layout writes a one-image OCI layout whose layer holds ents, and returns the image digest.
func layout(t *testing.T, dir string, ents []tarEnt, created string) string {
	t.Helper()
	put := func(b []byte) string {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		writeFile(t, dir, "blobs/sha256/"+h, b)
		return "sha256:" + h
	}
	raw := tarBytes(t, ents)
	diffSum := sha256.Sum256(raw)
	layer := gzipBytes(t, raw, "", time.Time{})
	ld := put(layer)
	cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux", "created": created,
		"rootfs":  map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + hex.EncodeToString(diffSum[:])}},
		"history": []map[string]string{{"created": created, "created_by": "mwedition: core/mediawiki 1.39.17"}}})
	cd := put(cfg)
	man, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": map[string]any{"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(cfg)},
		"layers": []map[string]any{{"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld, "size": len(layer)}}})
	md := put(man)
	idx, _ := json.Marshal(map[string]any{"schemaVersion": 2, "manifests": []map[string]any{{
		"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": md, "size": len(man),
		"annotations": map[string]string{"org.opencontainers.image.ref.name": "core-1.39", "io.mwedition.edition": "core", "io.mwedition.tag": "1.39"}}}})
	writeFile(t, dir, "index.json", idx)
	writeFile(t, dir, "oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`))
	return ld
}

func TestCompareLayouts(t *testing.T) {
	dir := t.TempDir()
	orig, rebuilt := filepath.Join(dir, "orig"), filepath.Join(dir, "rebuilt")
	layout(t, rebuilt, baseEntries(), "2025-12-16T17:50:49Z")

	// The same image: identical.
	layout(t, orig, baseEntries(), "2025-12-16T17:50:49Z")
	res, err := CompareLayouts(orig, rebuilt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Status{Identical, Identical, Identical}, statuses(res)); diff != "" {
		t.Fatalf("same layouts (-want +got):\n%s\n%+v", diff, res)
	}

	// A well-formed image whose layer has one entry with another time: the index, the
	// manifest, the configuration's diff_id and the layer's entry are named.
	os.RemoveAll(orig)
	ents := baseEntries()
	ents[1].mtime = t0.Add(-time.Hour)
	layout(t, orig, ents, "2025-12-16T17:50:49Z")
	res, err = CompareLayouts(orig, rebuilt, func(e string) bool { return e == "core" })
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 1 || res[0].Artifact != "oci/core" || res[0].Status != Differs {
		t.Fatalf("results %+v", res)
	}
	var got []string
	for _, d := range res[0].Differences {
		got = append(got, d.Entry+": "+d.Field)
	}
	want := []string{
		"index.json: core-1.39: digest",
		"manifest: field config.digest: value",
		"manifest: field layers[0].digest: value",
		"manifest: field layers[0].size: value",
		"config: field rootfs.diff_ids[0]: value",
		"layer 0 (core/mediawiki 1.39.17): tar mediawiki-1.39.17/index.php: mtime",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}

	// A layer rewritten in place, under its old name: the blob no longer hashes to its name,
	// and its entries are compared with the rebuilt blob of that name.
	os.RemoveAll(orig)
	ld := layout(t, orig, baseEntries(), "2025-12-16T17:50:49Z")
	tampered := baseEntries()
	tampered[2].body = "<?php // changed\n"
	writeFile(t, orig, "blobs/sha256/"+strings.TrimPrefix(ld, "sha256:"), gzipBytes(t, tarBytes(t, tampered), "", time.Time{}))
	res, err = CompareLayouts(orig, rebuilt, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := res[len(res)-1]
	got = nil
	for _, d := range last.Differences {
		got = append(got, d.Entry+": "+d.Field)
	}
	want = []string{"blob " + ld + ": sha256", "blob " + ld[:19] + ": tar mediawiki-1.39.17/maintenance/run.php: size", "blob " + ld[:19] + ": tar mediawiki-1.39.17/maintenance/run.php: sha256"}
	if diff := cmp.Diff(want, got); diff != "" || last.Status != Differs {
		t.Errorf("a layer changed in place (-want +got):\n%s\n%+v", diff, last)
	}
}

func statuses(rs []Result) []Status {
	var out []Status
	for _, r := range rs {
		out = append(out, r.Status)
	}
	return out
}

func TestParseSums(t *testing.T) {
	good := "# published with the release\n" + sha("a") + "  deb/a.deb\n" + sha("b") + " *tarballs/b.tar.gz\n\n"
	got, err := ParseSums(strings.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Sum{{sha("a"), "deb/a.deb"}, {sha("b"), "tarballs/b.tar.gz"}}, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	for _, bad := range []string{
		"abc  deb/a.deb\n",
		sha("a") + " deb/a.deb\n",
		sha("a") + "  /etc/passwd\n",
		sha("a") + "  ../x\n",
		strings.ToUpper(sha("a"))[:63] + "g  x\n",
	} {
		if _, err := ParseSums(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseSums(%q) accepted it", bad)
		}
	}
}

func TestVary(t *testing.T) {
	sde := int64(1700000000)
	for _, tc := range []struct {
		name string
		host Host
		sde  *int64
		want Conditions
	}{
		{name: "defaults", host: Host{Env: map[string]string{"PATH": "/usr/bin:/bin", "TZ": "UTC", "LANG": "C.UTF-8"}, Umask: 0o022, Jobs: 8, NumCPU: 8},
			want: Conditions{TZ: "GMT-14", Locale: "et_EE.UTF-8", Umask: 0o077, Home: "/h", Jobs: 1, SourceDateEpoch: 1765907451, SDEChosen: true, Path: "/usr/bin:/bin:/i_capture_the_path"}},
		{name: "away from the caller's", host: Host{Env: map[string]string{"TZ": "GMT-14", "LC_ALL": "et_EE.UTF-8"}, Umask: 0o077, Jobs: 1, NumCPU: 1}, sde: &sde,
			want: Conditions{TZ: "GMT+12", Locale: "C.UTF-8", Umask: 0o002, Home: "/h", Jobs: 2, SourceDateEpoch: sde, Path: "/usr/local/bin:/usr/bin:/bin:/i_capture_the_path"}},
		{name: "jobs given", host: Host{Env: map[string]string{}, Umask: 0o022, Jobs: 3, JobsSet: true, NumCPU: 8},
			want: Conditions{TZ: "GMT-14", Locale: "et_EE.UTF-8", Umask: 0o077, Home: "/h", Jobs: 3, SourceDateEpoch: 1765907451, SDEChosen: true, Path: "/usr/local/bin:/usr/bin:/bin:/i_capture_the_path"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Vary(tc.host, tc.sde, 1765907450, "/h")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	env := Vary(Host{Env: map[string]string{}, Jobs: 2, NumCPU: 2}, nil, 100, "/h").Environ(map[string]string{"LANGUAGE": "de", "KEEP": "1", "MWEDITION_CACHE": "/c"})
	want := []string{"CAPTURE_ENVIRONMENT=i_capture_the_environment", "GOMAXPROCS=1", "HOME=/h", "KEEP=1", "LANG=et_EE.UTF-8", "LC_ALL=et_EE.UTF-8",
		"PATH=/usr/local/bin:/usr/bin:/bin:/i_capture_the_path", "SOURCE_DATE_EPOCH=101", "TZ=GMT-14"}
	if diff := cmp.Diff(want, env); diff != "" {
		t.Errorf("Environ (-want +got):\n%s", diff)
	}
}

func TestWalkGzipHeaders(t *testing.T) {
	dir := t.TempDir()
	raw := tarBytes(t, baseEntries())
	// Two members, as tarball segments are; the second has a name and a time.
	b := append(gzipBytes(t, raw[:1024], "", time.Time{}), gzipBytes(t, raw[1024:], "seg.tar", t0)...)
	p := writeFile(t, dir, "x.tar.gz", b)
	es, err := Walk(p, nil)
	if err != nil {
		t.Fatal(err)
	}
	var gz []Entry
	tars := 0
	for _, e := range es {
		switch e.Kind {
		case KindGzip:
			gz = append(gz, e)
		case KindTar:
			tars++
		}
	}
	want := []Entry{{Kind: KindGzip, Name: "member 0", OS: 255}, {Kind: KindGzip, Name: "member 1", OS: 255, Value: "seg.tar", MTime: t0}}
	if diff := cmp.Diff(want, gz); diff != "" || tars != 3 {
		t.Errorf("gzip headers (-want +got):\n%s\n%d tar entries", diff, tars)
	}
}

func TestSelection(t *testing.T) {
	m := build.Manifest{Editions: []build.ManifestEdition{
		{Name: "core", Version: "1.39.17.1", Members: []build.Member{{ID: "core/mediawiki"}, {ID: "extension/Cite"},
			{ID: "library/paragonie/random_compat"}}},
		{Name: "enterprise", Version: "1.39.17.1", Members: []build.Member{{ID: "core/mediawiki"}, {ID: "extension/CiteThisPage"},
			{ID: "library/acme/sso"}, {ID: "library/jumbojett/openid-connect-php"}, {ID: "skin/Vector"}}},
	}}
	sel, err := Select(m, []string{"core"})
	if err != nil {
		t.Fatal(err)
	}
	debOnly := sel
	debOnly.Formats = map[string]bool{"deb": true}
	all, _ := Select(m, nil)
	for _, tc := range []struct {
		rel               string
		core, deb, allEds bool
	}{
		{"deb/mediawiki-core_1.39.17-1_all.deb", true, true, true},
		{"deb/mediawiki-extension-cite_1.39.17-1_all.deb", true, true, true},
		{"deb/mediawiki-extension-citethispage_1.39.17-1_all.deb", false, false, true},
		{"deb/mediawiki-edition-core_1.39.17.1-1_all.deb", true, true, true},
		{"rpm/mediawiki-extension-cite-1.39.17-1.noarch.rpm", true, false, true},
		{"rpm/mediawiki-extension-citethispage-1.39.17-1.noarch.rpm", false, false, true},
		{"rpm/mediawiki-skin-vector-1.39.17-1.noarch.rpm", false, false, true},
		// A library's ID has two slashes; its package is named after vendor and name.
		{"deb/mediawiki-lib-paragonie-random-compat_9.99.100-1_all.deb", true, true, true},
		{"rpm/mediawiki-lib-paragonie-random-compat-9.99.100-1.noarch.rpm", true, false, true},
		{"deb/mediawiki-lib-jumbojett-openid-connect-php_1.0.2-1_all.deb", false, false, true},
		{"rpm/mediawiki-lib-jumbojett-openid-connect-php-1.0.2-1.noarch.rpm", false, false, true},
		{"rpm/mediawiki-lib-acme-sso-0~dev.main-1.noarch.rpm", false, false, true},
		{"tarballs/mediawiki-core-1.39.17.1.tar.gz", true, false, true},
		{"tarballs/mediawiki-core-1.39.17.1.tar.gz.asc", true, false, true},
		{"tarballs/mediawiki-enterprise-1.39.17.1.tar.xz", false, false, true},
		{"tarballs/SHA256SUMS", false, false, true},
		{"manifest.json", false, false, true},
		{"sbom/core.spdx.json", true, false, true},
		{"sbom/core.provenance.json", true, false, true},
		{"sbom/enterprise.spdx.json", false, false, true},
		{"SHA256SUMS", false, false, true},
	} {
		if got := sel.Keeps(tc.rel); got != tc.core {
			t.Errorf("core: Keeps(%s) = %v", tc.rel, got)
		}
		if got := debOnly.Keeps(tc.rel); got != tc.deb {
			t.Errorf("core, deb only: Keeps(%s) = %v", tc.rel, got)
		}
		if got := all.Keeps(tc.rel); got != tc.allEds {
			t.Errorf("every edition: Keeps(%s) = %v", tc.rel, got)
		}
	}
	if _, err := Select(m, []string{"nope"}); err == nil || !strings.Contains(err.Error(), "core, enterprise") {
		t.Errorf("an unknown edition: %v", err)
	}
}

func TestCompareSums(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "deb/mediawiki-core_1.39.17-1_all.deb", []byte("core"))
	writeFile(t, dir, "tarballs/mediawiki-core-1.39.17.1.tar.gz", []byte("changed"))
	sums := []Sum{
		{sha("core"), "deb/mediawiki-core_1.39.17-1_all.deb"},
		{sha("tarball"), "tarballs/mediawiki-core-1.39.17.1.tar.gz"},
		{sha("gone"), "deb/mediawiki-extension-cite_1.39.17-1_all.deb"},
	}
	all, _ := Select(build.Manifest{}, nil)
	got, err := CompareSums(sums, dir, all)
	if err != nil {
		t.Fatal(err)
	}
	want := []Result{
		{Artifact: sums[0].Path, Status: Identical, Original: sha("core"), Rebuilt: sha("core")},
		{Artifact: sums[1].Path, Status: Differs, Original: sha("tarball"), Rebuilt: sha("changed"),
			Note:        "only digests were published: compare with the artifact itself (--against DIR) for the entries that differ",
			Differences: []Difference{{Entry: sums[1].Path, Field: "sha256", Original: sha("tarball"), Rebuilt: sha("changed")}}},
		{Artifact: sums[2].Path, Status: Missing, Original: sha("gone"), Note: "the rebuild did not make it"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// addReferrers attaches two untagged documents to the layout's image, as build does with an
// edition's SBOM and provenance.
func addReferrers(t *testing.T, dir string, sbomName string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var idx struct {
		SchemaVersion int              `json:"schemaVersion"`
		Manifests     []map[string]any `json:"manifests"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		t.Fatal(err)
	}
	subject := idx.Manifests[0]
	put := func(b []byte) string {
		s := sha256.Sum256(b)
		writeFile(t, dir, "blobs/sha256/"+hex.EncodeToString(s[:]), b)
		return "sha256:" + hex.EncodeToString(s[:])
	}
	empty := put([]byte("{}"))
	for _, doc := range []struct{ typ, body string }{
		{"application/spdx+json", `{"spdxVersion": "SPDX-2.3", "name": "` + sbomName + `"}`},
		{"application/vnd.in-toto+json", `{"_type": "https://in-toto.io/Statement/v1"}`},
	} {
		man, _ := json.Marshal(map[string]any{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
			"artifactType": doc.typ,
			"config":       map[string]any{"mediaType": "application/vnd.oci.empty.v1+json", "digest": empty, "size": 2},
			"layers":       []map[string]any{{"mediaType": doc.typ, "digest": put([]byte(doc.body)), "size": len(doc.body)}},
			"subject":      map[string]any{"mediaType": subject["mediaType"], "digest": subject["digest"], "size": subject["size"]}})
		idx.Manifests = append(idx.Manifests, map[string]any{"mediaType": "application/vnd.oci.image.manifest.v1+json",
			"artifactType": doc.typ, "digest": put(man), "size": len(man)})
	}
	b, _ = json.Marshal(idx)
	writeFile(t, dir, "index.json", b)
}

func TestCompareLayoutsReferrers(t *testing.T) {
	dir := t.TempDir()
	orig, rebuilt := filepath.Join(dir, "orig"), filepath.Join(dir, "rebuilt")
	layout(t, rebuilt, baseEntries(), "2025-12-16T17:50:49Z")
	addReferrers(t, rebuilt, "core")
	layout(t, orig, baseEntries(), "2025-12-16T17:50:49Z")
	addReferrers(t, orig, "core")
	res, err := CompareLayouts(orig, rebuilt, nil)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Status{Identical, Identical, Identical, Identical}, statuses(res)); diff != "" {
		t.Fatalf("same layouts with referrers (-want +got):\n%s\n%+v", diff, res)
	}

	// An SBOM that differs in one field is named as a JSON field, not read as a tar layer.
	os.RemoveAll(orig)
	layout(t, orig, baseEntries(), "2025-12-16T17:50:49Z")
	addReferrers(t, orig, "other")
	res, err = CompareLayouts(orig, rebuilt, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := res[len(res)-1]
	var got []string
	for _, d := range last.Differences {
		got = append(got, d.Entry+": "+d.Field)
	}
	if last.Artifact != "oci/referrers" || last.Status != Differs || !slices.Contains(got, "layer 0: field name: value") {
		t.Errorf("a changed SBOM: %s %v %q", last.Artifact, last.Status, got)
	}
}
