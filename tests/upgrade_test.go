//go:build e2e

package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The LTS upgrade acceptance test, its data side: the knowledge-base edition installed from a
// published apt repository, on SQLite and on MariaDB, the generated content imported and a file
// uploaded; the snapshot of the site must hold the generator's facts. Then the site moves to
// another repository's packages (apt-get dist-upgrade, update.php) and a second snapshot must
// equal the first.
//
// Both shipped lines are published into one repository, each in its suite (1.39, 1.43): the
// site is installed from 1.39, and moves when its sources name 1.43 instead.

// upgradeExtraPages are the pages a site has besides the generated ones: the installer's Main
// Page and the upload's file page.
var upgradeExtraPages = []string{"Main Page", "File:" + uploadName}

// upgradeVersion is the release Special:Version must show after the move.
const upgradeVersion = "1.43.9"

func TestUpgradeData(t *testing.T) {
	// Mostly apt-get and dpkg in a root of its own: runs beside the other such tests
	// (make e2e's -parallel), after the sequential ones.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the upgrade test needs root (chroot, unshare): run it as root")
	}
	start := time.Now()
	cacheDir := corpusCache(t)
	base := bookwormRoot(t, cacheDir)
	repo, next := publishShippedLines(t, cacheDir)
	t.Logf("%s: the shipped packages built and published", time.Since(start).Round(time.Second))
	content := generateContent()
	for _, db := range []string{dbSQLite, dbMariaDB} {
		t.Run(db, func(t *testing.T) {
			t.Parallel()
			step := stepTimer(t, db)
			s := newUpgradeSite(t, base, repo, "knowledge-base", db, step)
			s.importContent(t, content)
			step(fmt.Sprintf("%d pages imported, 1 file uploaded", len(content.facts)))
			before := s.snapshot(t, content)
			step("snapshot taken")
			for _, d := range checkImported(content, before) {
				t.Error(d)
			}
			want := wantTransitions(t, s.r, next)
			logStart := s.r.size(t, "/var/log/dpkg.log")
			s.upgradeTo(t, repo, "1.43")
			step("moved to the 1.43 suite (apt-get dist-upgrade), update.php run")
			if diff := cmp.Diff(want, s.r.dpkgTransitions(t, logStart, "mediawiki-")); diff != "" {
				t.Errorf("dpkg.log's transitions of the mediawiki packages (-want +got):\n%s", diff)
			}
			after := s.snapshot(t, content)
			step("second snapshot taken")
			if after.Version != upgradeVersion {
				t.Errorf("Special:Version shows MediaWiki %q after the move, want %s", after.Version, upgradeVersion)
			}
			for _, d := range compareSnapshots(before, after) {
				t.Error(d)
			}
		})
	}
}

// stepTimer logs how long each step of a subtest took, and since when it started.
func stepTimer(t *testing.T, db string) func(string) {
	start, last := time.Now(), time.Now()
	return func(what string) {
		t.Logf("%s: %s in %s (%s since the start)", db, what, time.Since(last).Round(100*time.Millisecond), time.Since(start).Round(time.Second))
		last = time.Now()
	}
}

// publishShippedLines builds both shipped lines' Debian packages and publishes them into one
// signed apt repository, each line in its own suite (1.39, 1.43); it returns the repository
// and the 1.43 line's package versions by name.
func publishShippedLines(t *testing.T, cacheDir string) (string, map[string]string) {
	t.Helper()
	top := linesProject(t)
	repo := filepath.Join(t.TempDir(), "apt")
	priv, _, fpr := releaseKey(t)
	var next map[string]string
	for _, proj := range []string{top, filepath.Join(top, "lines/1.43")} {
		out := filepath.Join(t.TempDir(), "out")
		if r := run(t, proj, cacheDir, "-q", "build", "--out", out, "--format", "deb"); r.code != 0 {
			t.Fatalf("build in %s exited %d:\n%s", proj, r.code, r.stderr)
		}
		if r := run(t, proj, cacheDir, "--json", "publish", "--apt", repo, "--out", out, "--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
			t.Fatalf("publish exited %d:\n%s%s", r.code, r.stdout, r.stderr)
		}
		next = debVersions(t, filepath.Join(out, "deb"))
	}
	return repo, next
}

// wantTransitions is what moving the site's installed mediawiki packages to the 1.43 line must
// log in dpkg.log: each upgraded to its 1.43 version, and the one core took in removed.
func wantTransitions(t *testing.T, r root, next map[string]string) []string {
	t.Helper()
	var want []string
	for _, line := range strings.Split(r.run(t, "dpkg-query", "-W", "-f", "${Package} ${Version}\n", "mediawiki-*"), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		if v, ok := next[f[0]]; ok {
			want = append(want, fmt.Sprintf("upgrade %s:all %s %s", f[0], f[1], v))
		} else {
			want = append(want, fmt.Sprintf("remove %s:all %s <none>", f[0], f[1]))
		}
	}
	sort.Strings(want)
	if !slices.Contains(want, "remove mediawiki-extension-renameuser:all 1.39.17-1 <none>") {
		t.Errorf("the 1.39 site has no Renameuser to lose: %v", want)
	}
	return want
}

// checkImported lists how a freshly imported site's snapshot differs from what the generator
// made: every page with its facts, the categories' members, what the Lua module and the
// templates render to, the upload served, and the release.
func checkImported(c upgradeContent, s siteSnapshot) []string {
	got := map[string]pageFacts{}
	for title, f := range s.Pages {
		got[title] = f
	}
	var diffs []string
	for _, title := range upgradeExtraPages {
		if _, ok := got[title]; !ok {
			diffs = append(diffs, fmt.Sprintf("the site has no page %q", title))
		}
		delete(got, title)
	}
	diffs = append(diffs, diffPages(c.facts, got)...)
	diffs = append(diffs, diffMembers(c.members, s.Members)...)
	for _, r := range []struct{ title, want string }{
		{luaPage, "Lua says hellohello and 78"},
		{templatePage, `<span class="badge badge-bold">[test]</span>`},
	} {
		if !strings.Contains(s.Rendered[r.title], r.want) {
			diffs = append(diffs, fmt.Sprintf("%s renders without %q:\n%s", r.title, r.want, s.Rendered[r.title]))
		}
	}
	if h := sha256.Sum256(uploadPNG()); s.Upload != hex.EncodeToString(h[:]) {
		diffs = append(diffs, fmt.Sprintf("the upload %s is not served as uploaded: %s", uploadName, s.Upload))
	}
	if s.Version != "1.39.17" {
		diffs = append(diffs, fmt.Sprintf("Special:Version shows MediaWiki %q, want 1.39.17", s.Version))
	}
	return diffs
}

// parserWrapper is the one difference 1.39 → 1.43 makes to every rendered page, explained:
// since 1.41 the parser output's wrapper carries the content's language and direction
// (class mw-content-ltr, lang and dir), which 1.39's skin put on an outer element instead.
// The content inside is compared as it is.
var parserWrapper = strings.NewReplacer(`<div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">`, `<div class="mw-parser-output">`)

// explained is rendered HTML with the explained differences undone.
func explained(html string) string { return parserWrapper.Replace(html) }

// compareSnapshots lists what changed from snapshot a to snapshot b, in words: pages gone,
// added or changed (text, model, latest revision's time, revision count), category members,
// rendered HTML (the first line that differs) and the upload. The version is not compared:
// an upgrade changes it.
func compareSnapshots(a, b siteSnapshot) []string {
	diffs := diffPages(a.Pages, b.Pages)
	diffs = append(diffs, diffMembers(a.Members, b.Members)...)
	for _, title := range unionKeys(a.Rendered, b.Rendered) {
		if d := diffHTML(explained(a.Rendered[title]), explained(b.Rendered[title])); d != "" {
			diffs = append(diffs, fmt.Sprintf("%s renders differently: %s", title, d))
		}
	}
	if a.Upload != b.Upload {
		diffs = append(diffs, fmt.Sprintf("the upload was served as %s, now %s", a.Upload, b.Upload))
	}
	return diffs
}

func diffPages(a, b map[string]pageFacts) []string {
	var diffs []string
	for _, title := range unionKeys(a, b) {
		fa, inA := a[title]
		fb, inB := b[title]
		switch {
		case !inB:
			diffs = append(diffs, fmt.Sprintf("page %q is gone", title))
		case !inA:
			diffs = append(diffs, fmt.Sprintf("page %q is new", title))
		default:
			if fa.SHA1 != fb.SHA1 {
				diffs = append(diffs, fmt.Sprintf("page %q: latest text sha1 %s, now %s", title, fa.SHA1, fb.SHA1))
			}
			if fa.Model != fb.Model {
				diffs = append(diffs, fmt.Sprintf("page %q: content model %s, now %s", title, fa.Model, fb.Model))
			}
			if fa.Timestamp != fb.Timestamp {
				diffs = append(diffs, fmt.Sprintf("page %q: latest revision of %s, now of %s", title, fa.Timestamp, fb.Timestamp))
			}
			if fa.Revisions != fb.Revisions {
				diffs = append(diffs, fmt.Sprintf("page %q: %d revisions, now %d", title, fa.Revisions, fb.Revisions))
			}
		}
	}
	return diffs
}

func diffMembers(a, b map[string][]string) []string {
	var diffs []string
	for _, cat := range unionKeys(a, b) {
		ma, mb := sortedCopy(a[cat]), sortedCopy(b[cat])
		if d := cmp.Diff(ma, mb); d != "" {
			diffs = append(diffs, fmt.Sprintf("Category:%s members (-before +after):\n%s", cat, d))
		}
	}
	return diffs
}

// diffHTML says where two renderings part: the first differing line of each, or "" when they
// are equal.
func diffHTML(a, b string) string {
	if a == b {
		return ""
	}
	la, lb := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := 0; ; i++ {
		switch {
		case i >= len(la):
			return fmt.Sprintf("line %d added: %q", i+1, lb[i])
		case i >= len(lb):
			return fmt.Sprintf("line %d removed: %q", i+1, la[i])
		case la[i] != lb[i]:
			return fmt.Sprintf("line %d was %q, now %q", i+1, la[i], lb[i])
		}
	}
}

// unionKeys is the sorted keys of every map given.
func unionKeys[V any](maps ...map[string]V) []string {
	seen := map[string]bool{}
	var keys []string
	for _, m := range maps {
		for k := range m {
			if !seen[k] {
				seen[k] = true
				keys = append(keys, k)
			}
		}
	}
	sort.Strings(keys)
	return keys
}

func sortedCopy(s []string) []string {
	out := append([]string(nil), s...)
	sort.Strings(out)
	return out
}

func TestCompareSnapshots(t *testing.T) {
	base := func() siteSnapshot {
		return siteSnapshot{
			Version:  "1.39.17",
			Pages:    map[string]pageFacts{"A": {"aa", "wikitext", "2024-01-01T01:00:00Z", 3}, "Module:M": {"mm", "Scribunto", "2024-01-01T02:00:00Z", 1}},
			Members:  map[string][]string{"Cats": {"A", "B"}},
			Rendered: map[string]string{"A": "<p>one</p>\n<p>two</p>", "W": `<div class="mw-parser-output"><p>w</p></div>`},
			Upload:   "u1",
		}
	}
	for _, tc := range []struct {
		name   string
		change func(s *siteSnapshot)
		want   []string
	}{
		{"equal, only the version moved", func(s *siteSnapshot) { s.Version = "1.43.9" }, nil},
		{"page gone and page new", func(s *siteSnapshot) { delete(s.Pages, "A"); s.Pages["C"] = pageFacts{} },
			[]string{`page "A" is gone`, `page "C" is new`}},
		{"facts changed", func(s *siteSnapshot) {
			s.Pages["A"] = pageFacts{"ab", "wikitext", "2024-01-01T01:00:00Z", 2}
			s.Pages["Module:M"] = pageFacts{"mm", "text", "2024-01-02T00:00:00Z", 1}
		}, []string{
			`page "A": latest text sha1 aa, now ab`, `page "A": 3 revisions, now 2`,
			`page "Module:M": content model Scribunto, now text`, `page "Module:M": latest revision of 2024-01-01T02:00:00Z, now of 2024-01-02T00:00:00Z`,
		}},
		{"members in another order are equal", func(s *siteSnapshot) { s.Members["Cats"] = []string{"B", "A"} }, nil},
		{"rendering changed", func(s *siteSnapshot) { s.Rendered["A"] = "<p>one</p>\n<p>2</p>" },
			[]string{`A renders differently: line 2 was "<p>two</p>", now "<p>2</p>"`}},
		{"the 1.43 wrapper is explained", func(s *siteSnapshot) {
			s.Rendered["W"] = strings.Replace(s.Rendered["W"], `<div class="mw-parser-output">`, `<div class="mw-content-ltr mw-parser-output" lang="en" dir="ltr">`, 1)
		}, nil},
		{"other wrapper attributes are not", func(s *siteSnapshot) {
			s.Rendered["W"] = strings.Replace(s.Rendered["W"], `<div class="mw-parser-output">`, `<div class="mw-content-rtl mw-parser-output" lang="he" dir="rtl">`, 1)
		}, []string{`W renders differently: line 1 was "<div class=\"mw-parser-output\"><p>w</p></div>", now "<div class=\"mw-content-rtl mw-parser-output\" lang=\"he\" dir=\"rtl\"><p>w</p></div>"`}},
		{"rendering longer", func(s *siteSnapshot) { s.Rendered["A"] += "\n<p>three</p>" },
			[]string{`A renders differently: line 3 added: "<p>three</p>"`}},
		{"upload not served", func(s *siteSnapshot) { s.Upload = "GET /images/x.png: 404 Not Found" },
			[]string{"the upload was served as u1, now GET /images/x.png: 404 Not Found"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := base()
			tc.change(&after)
			if diff := cmp.Diff(tc.want, compareSnapshots(base(), after)); diff != "" {
				t.Errorf("differences (-want +got):\n%s", diff)
			}
		})
	}
	// A member lost is listed with the category.
	after := base()
	after.Members["Cats"] = []string{"A"}
	if d := compareSnapshots(base(), after); len(d) != 1 || !strings.HasPrefix(d[0], "Category:Cats members") {
		t.Errorf("a lost category member gives %q", d)
	}
}

// TestUpgradeContent checks the generator without a wiki: it is deterministic, the dump is
// export-0.11 XML that reads back to the facts kept beside it, and it holds what the
// acceptance asks for.
func TestUpgradeContent(t *testing.T) {
	c := generateContent()
	if again := generateContent(); !bytes.Equal(c.dump, again.dump) {
		t.Fatal("two runs of the generator made different dumps")
	}
	if !bytes.Contains(c.dump, []byte(`<mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">`)) {
		t.Errorf("the dump does not open as an export-0.11 document:\n%s", c.dump[:300])
	}
	var d xmlDump
	if err := xml.Unmarshal(c.dump, &d); err != nil {
		t.Fatal(err)
	}
	facts := map[string]pageFacts{}
	multi, templates := 0, 0
	for _, p := range d.Pages {
		last := p.Revisions[len(p.Revisions)-1]
		facts[p.Title] = pageFacts{hexSHA1(last.Text.Text), last.Model, last.Timestamp, len(p.Revisions)}
		who, when := map[string]bool{}, map[string]bool{}
		for _, r := range p.Revisions {
			who[r.Contributor.Username], when[r.Timestamp] = true, true
			if r.SHA1 != base36SHA1(r.Text.Text) || len(r.SHA1) != 31 || r.Text.Bytes != len(r.Text.Text) {
				t.Errorf("%s revision %d: sha1 %s, bytes %d do not match its text", p.Title, r.ID, r.SHA1, r.Text.Bytes)
			}
		}
		if n := len(p.Revisions); n >= 3 && len(who) == n && len(when) == n {
			multi++
		}
		if p.NS == 10 {
			templates++
		}
	}
	if diff := cmp.Diff(c.facts, facts); diff != "" {
		t.Errorf("the dump read back (-kept +read):\n%s", diff)
	}
	if len(d.Pages) < 200 || multi < 3 || templates < 2 || c.facts[luaModule].Model != "Scribunto" || len(c.members) < 5 {
		t.Errorf("the content has %d pages, %d with 3+ revisions by distinct people at distinct times, %d templates, module model %q, %d categories",
			len(d.Pages), multi, templates, c.facts[luaModule].Model, len(c.members))
	}
	if diff := cmp.Diff([]string{"Article 010", "Article 020"}, c.members["Stubs"][:2]); diff != "" {
		t.Errorf("Stubs, filed through Template:Stub (-want +got):\n%s", diff)
	}
}

// TestCheckImported: a snapshot holding exactly the generated facts passes, and one page
// with a revision lost, a missing extra page or a Lua error are each reported.
func TestCheckImported(t *testing.T) {
	c := generateContent()
	h := sha256.Sum256(uploadPNG())
	good := func() siteSnapshot {
		s := siteSnapshot{Version: "1.39.17", Pages: map[string]pageFacts{}, Members: c.members, Upload: hex.EncodeToString(h[:]),
			Rendered: map[string]string{luaPage: "<p>Lua says hellohello and 78</p>", templatePage: `<span class="badge badge-bold">[test]</span>`}}
		for title, f := range c.facts {
			s.Pages[title] = f
		}
		for _, title := range upgradeExtraPages {
			s.Pages[title] = pageFacts{Revisions: 1}
		}
		return s
	}
	if d := checkImported(c, good()); d != nil {
		t.Errorf("the generated facts themselves differ: %q", d)
	}
	bad := good()
	f := bad.Pages["Article 010"]
	f.Revisions--
	bad.Pages["Article 010"] = f
	delete(bad.Pages, "Main Page")
	bad.Rendered[luaPage] = `<strong class="error">Script error</strong>`
	want := []string{`the site has no page "Main Page"`, `page "Article 010": 4 revisions, now 3`,
		"Lua upgrade renders without \"Lua says hellohello and 78\":\n<strong class=\"error\">Script error</strong>"}
	if diff := cmp.Diff(want, checkImported(c, bad)); diff != "" {
		t.Errorf("differences (-want +got):\n%s", diff)
	}
}
