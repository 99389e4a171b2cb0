//go:build e2e

package tests

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// The distribution-package migration test (issue 19): a wiki set up on Debian's own mediawiki
// package, from deb.debian.org, the way Debian's README.Debian says (LocalSettings.php in
// /etc/mediawiki, served by Apache at /mediawiki through Debian's mediawiki.conf), with
// pages, a template, edit history and an upload, on SQLite; then our 1.39 knowledge-base
// edition (which holds every extension Debian bundles) is published into an apt repository,
// the admin adds it and runs `apt-get install mediawiki-edition-knowledge-base`, which
// replaces Debian's packages. The same pages, history and upload are served by Apache
// afterwards, LocalSettings.php is the admin's file, byte for byte, until the admin includes
// EditionSettings.php, and dpkg.log shows the switch.
//
// Each step is the README's "Migrating from Debian's mediawiki package", command for command.

const (
	debianPackage   = "mediawiki"
	debianClasses   = "mediawiki-classes"
	migrationEdn    = "mediawiki-edition-knowledge-base"
	migrationUpload = "Migration-upload.png"
	debianApache    = "/etc/apache2/conf-available/mediawiki.conf"
)

// mmvAttributes are what MultimediaViewer adds to every image in the parser's output.
var mmvAttributes = regexp.MustCompile(` data-file-width="[0-9]+" data-file-height="[0-9]+"`)

// migrationEdits are the admin's edits, in order: a template and pages using it, each page
// edited more than once.
var migrationEdits = [][2]string{
	{"Template:Greeting", "Hello, {{{1}}}!"},
	{"Alpha", "{{Greeting|Alpha}} First draft."},
	{"Template:Greeting", "Hello, '''{{{1}}}'''!"},
	{"Beta", "Beta links back to [[Alpha]].\n\n[[Category:Migrated]]"},
	{"Alpha", "{{Greeting|Alpha}} Second draft, linking [[Beta]].\n\n[[File:" + migrationUpload + "|thumb|An upload]]"},
	{"Alpha", "{{Greeting|Alpha}} Third draft, linking [[Beta]].\n\n[[File:" + migrationUpload + "]]\n\n[[Category:Migrated]]"},
}

func TestDebianPackageMigration(t *testing.T) {
	// Mostly apt-get and dpkg in a root of its own: runs beside the other such tests
	// (make e2e's -parallel), after the sequential ones.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the migration test needs root (chroot, unshare)")
	}
	start := time.Now()
	step := func(what string) { t.Logf("%s: %s", time.Since(start).Round(time.Second), what) }
	cacheDir := corpusCache(t)
	tarball := bookwormRoot(t, cacheDir)

	// Our 1.39 editions, built from the shipped project and published into a signed apt
	// repository inside the root, as a release manager serves them.
	proj := project(t)
	out := filepath.Join(t.TempDir(), "out")
	if res := run(t, proj, cacheDir, "--offline", "-q", "build", "--format", "deb", "--out", out); res.code != 0 {
		t.Fatalf("build exited %d:\n%s", res.code, res.stderr)
	}
	priv, _, fpr := releaseKey(t)
	r := unpackRoot(t, tarball)
	if res := run(t, proj, cacheDir, "-q", "publish", "--apt", r.path(repoInRoot), "--out", out, "--sign-key", priv, "--sign-fingerprint", fpr); res.code != 0 {
		t.Fatalf("publish exited %d:\n%s%s", res.code, res.stdout, res.stderr)
	}
	step("our editions built and published")

	port := freePort(t)
	debianVersion := debianPackageWiki(t, r, port)
	step("Debian's mediawiki " + debianVersion + " installed and set up, content added")
	srv := r.apache(t, port)
	before := siteState(t, srv)
	srv.stop()
	if contains(before.Extensions, "Abuse Filter") {
		t.Fatalf("Debian's wiki already loads AbuseFilter: the check of EditionSettings.php below proves nothing")
	}
	localSum := r.sha256(t, localConf)

	// The switch: the admin adds our repository and installs the edition.
	r.copyIn(t, filepath.Join(r.path(repoInRoot), "mwedition-archive-keyring.asc"), keyInRoot)
	writeFile(t, r.path(listInRoot), "deb [signed-by="+keyInRoot+"] file://"+repoInRoot+" "+shippedSuite+" main\n")
	r.aptUpdate(t, listInRoot)
	logStart := r.size(t, "/var/log/dpkg.log")
	aptOut := r.run(t, "apt-get", "install", "-y", migrationEdn)
	step("switched with apt-get install " + migrationEdn)
	t.Logf("apt-get said:\n%s", aptSummary(aptOut))
	checkSwitch(t, r, logStart, debianVersion)
	if got := r.sha256(t, localConf); got != localSum {
		t.Errorf("installing %s changed %s", migrationEdn, localConf)
	}

	// The admin includes the edition's settings and runs update.php: the edition's
	// extensions (AbuseFilter, OATHAuth, ...) need their tables.
	upd := r.run(t, "sh", "-ec", `echo 'require_once "`+editionConf+`";' >> `+localConf+`
runuser -u www-data -- php /usr/share/mediawiki/maintenance/update.php --quick`)
	if !strings.Contains(upd, "Done") {
		t.Errorf("update.php did not finish:\n%s", tail(upd))
	}
	step("EditionSettings.php included, update.php run")
	srv = r.apache(t, port)
	after := siteState(t, srv)
	srv.stop()
	for _, ext := range []string{"Abuse Filter", "Cite", "Math", "OATHAuth", "ParserFunctions", "Scribunto", "SyntaxHighlight", "VisualEditor"} {
		if !contains(after.Extensions, ext) {
			t.Errorf("after the switch, siteinfo does not list %s, which EditionSettings.php loads: %v", ext, after.Extensions)
		}
	}
	t.Logf("%s, extensions and skins before: %v; after: %v", after.Generator, before.Extensions, after.Extensions)
	// The one difference in the parser's output, from an extension the edition enables:
	// MultimediaViewer gives each image its file's dimensions for its lightbox.
	if contains(after.Extensions, "MultimediaViewer") {
		for title, p := range after.Pages {
			p.HTML = mmvAttributes.ReplaceAllString(p.HTML, "")
			after.Pages[title] = p
		}
	}
	before.Extensions, after.Extensions = nil, nil
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the wiki Apache serves, before and after the switch (-Debian's +ours):\n%s", diff)
	}
	step("the same wiki served by our edition")
}

// debianPackageWiki installs Debian's mediawiki package from deb.debian.org into the root, runs
// MediaWiki's installer on SQLite the Debian way, adds the content, and returns the
// package's version.
func debianPackageWiki(t *testing.T, r root, port string) string {
	t.Helper()
	r.run(t, "apt-get", "update")
	r.run(t, "apt-get", "install", "-y", "--no-install-recommends", debianPackage)
	r.run(t, "sh", "-ec", `mkdir -p /var/lib/mediawiki/data
php /usr/share/mediawiki/maintenance/install.php --confpath /etc/mediawiki \
	--dbtype sqlite --dbpath /var/lib/mediawiki/data --server http://127.0.0.1:`+port+` \
	--scriptpath /mediawiki --pass `+adminPass+` "Migration Wiki" Admin
chown -R www-data: /var/lib/mediawiki/data`)
	// The upload comes first: a page rendered before it exists stays in the parser cache
	// with a link in place of the image until the job queue runs.
	if err := os.MkdirAll(r.path("/srv/upload"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, r.path("/srv/upload/"+migrationUpload), string(testPNG(t)))
	r.run(t, "runuser", "-u", "www-data", "--", "php", "/usr/share/mediawiki/maintenance/importImages.php",
		"--user", "Admin", "--comment", "An upload before the migration", "/srv/upload")
	for i, e := range migrationEdits {
		f := "/srv/edit-" + string(rune('a'+i)) + ".txt"
		writeFile(t, r.path(f), e[1])
		r.run(t, "sh", "-ec", "runuser -u www-data -- php /usr/share/mediawiki/maintenance/edit.php --user Admin --summary 'edit "+
			string(rune('a'+i))+"' '"+e[0]+"' < "+f)
	}
	return r.version(t, debianPackage)
}

// testPNG is a small image MediaWiki accepts as an upload.
func testPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{R: 200, A: 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// apache runs Apache in the root, as Debian configures it, listening on port only; the wiki
// is at /mediawiki, through whichever package's snippet is enabled.
func (r root) apache(t *testing.T, port string) *server {
	t.Helper()
	s := &server{base: "http://127.0.0.1:" + port + "/mediawiki", log: &bytes.Buffer{}}
	s.cmd = r.command("sh", "-ec", `echo 'Listen `+port+`' > /etc/apache2/ports.conf
. /etc/apache2/envvars
mkdir -p "$APACHE_RUN_DIR" "$APACHE_LOCK_DIR" "$APACHE_LOG_DIR"
exec apache2 -D FOREGROUND`)
	s.start(t, port, func() string {
		b, _ := os.ReadFile(r.path("/var/log/apache2/error.log"))
		return "Apache did not listen (its error.log ends: " + tail(string(b)) + ")"
	})
	return s
}

// site is what a reader gets from the wiki: each page's text, revisions and rendering, the
// upload's bytes, and the extensions loaded.
type site struct {
	Pages      map[string]page
	Upload     string // sha256 of the bytes served at the file's URL
	Generator  string
	Extensions []string
}

type page struct {
	Text      string   // action=raw
	Revisions []string // revision ids and edit summaries, newest first
	HTML      string   // the parser's output
	Viewed    bool     // the article view shows the template's expansion
}

func siteState(t *testing.T, s *server) site {
	t.Helper()
	st := site{Pages: map[string]page{}}
	for _, e := range migrationEdits {
		title := e[0]
		if _, ok := st.Pages[title]; ok {
			continue
		}
		var p page
		p.Text = s.get(t, "/index.php?action=raw&title="+url.QueryEscape(title))
		var revs struct {
			Query struct {
				Pages []struct {
					Revisions []struct {
						RevID   int    `json:"revid"`
						Comment string `json:"comment"`
					} `json:"revisions"`
				} `json:"pages"`
			} `json:"query"`
		}
		apiGet(t, s, "action=query&prop=revisions&rvprop=ids|comment&rvlimit=max&titles="+url.QueryEscape(title), &revs)
		for _, pg := range revs.Query.Pages {
			for _, rv := range pg.Revisions {
				p.Revisions = append(p.Revisions, strings.TrimSpace(strconv.Itoa(rv.RevID)+" "+rv.Comment))
			}
		}
		var parsed struct {
			Parse struct {
				Text string `json:"text"`
			} `json:"parse"`
		}
		apiGet(t, s, "action=parse&prop=text&disablelimitreport=1&page="+url.QueryEscape(title), &parsed)
		p.HTML = parsed.Parse.Text
		p.Viewed = strings.Contains(s.get(t, "/index.php?title="+url.QueryEscape(title)), "Hello, <b>Alpha</b>!") || !strings.HasPrefix(title, "Alpha")
		st.Pages[title] = p
	}
	st.Upload, st.Generator, st.Extensions = uploadAndSite(t, s)
	return st
}

// uploadAndSite fetches the upload from the URL the wiki gives for it, and the wiki's
// generator and extensions.
func uploadAndSite(t *testing.T, s *server) (sum, generator string, exts []string) {
	t.Helper()
	var info struct {
		Query struct {
			Pages []struct {
				ImageInfo []struct {
					URL string `json:"url"`
				} `json:"imageinfo"`
			} `json:"pages"`
			General struct {
				Generator string `json:"generator"`
			} `json:"general"`
			Extensions []struct {
				Name string `json:"name"`
			} `json:"extensions"`
		} `json:"query"`
	}
	apiGet(t, s, "action=query&prop=imageinfo&iiprop=url&meta=siteinfo&siprop=general|extensions&titles=File:"+migrationUpload, &info)
	if len(info.Query.Pages) != 1 || len(info.Query.Pages[0].ImageInfo) != 1 {
		t.Fatalf("the wiki knows no upload %s: %+v", migrationUpload, info.Query.Pages)
	}
	u := info.Query.Pages[0].ImageInfo[0].URL
	path, ok := strings.CutPrefix(u, s.base)
	if !ok {
		t.Fatalf("the upload's URL %s is not below %s", u, s.base)
	}
	body := s.get(t, path)
	if body != string(testPNG(t)) {
		t.Errorf("GET %s: %d bytes, not the uploaded image", u, len(body))
	}
	for _, e := range info.Query.Extensions {
		exts = append(exts, e.Name)
	}
	sort.Strings(exts)
	h := sha256.Sum256([]byte(body))
	return path + " " + hex.EncodeToString(h[:]), info.Query.General.Generator, exts
}

func apiGet(t *testing.T, s *server, query string, v any) {
	t.Helper()
	b := s.get(t, "/api.php?format=json&formatversion=2&"+query)
	if err := json.Unmarshal([]byte(b), v); err != nil {
		t.Fatalf("api.php?%s: %v\n%s", query, err, tail(b))
	}
}

// checkSwitch checks what the switch did to the packages: dpkg removed Debian's two (before
// it unpacked any of ours, which its extensions/ symlink would have misdirected) and
// installed ours; Debian's keeps only its conffiles, its Apache snippet disabled, ours
// enabled; and every file of ours is as shipped.
func checkSwitch(t *testing.T, r root, logStart int64, debianVersion string) {
	t.Helper()
	log := r.dpkgActions(t, logStart)
	want := []string{
		"remove " + debianPackage + ":all " + debianVersion + " <none>",
		"remove " + debianClasses + ":all " + debianVersion + " <none>",
		"install mediawiki-core:all <none> " + shippedCoreVersion + "-1",
		"install " + migrationEdn + ":all <none> " + shippedEditionVersion + "-1",
	}
	var got []string
	firstOurs, lastRemove := -1, -1
	for i, l := range log {
		f := strings.Fields(l)
		name, _, _ := strings.Cut(f[1], ":")
		if f[0] == "remove" {
			lastRemove = i
		} else if firstOurs < 0 {
			firstOurs = i
		}
		if name == debianPackage || name == debianClasses || name == "mediawiki-core" || name == migrationEdn {
			got = append(got, l)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("dpkg.log (-want +got):\n%s\nall:\n%s", diff, strings.Join(log, "\n"))
	}
	if lastRemove < 0 || firstOurs < lastRemove {
		t.Errorf("dpkg unpacked a package of ours before it removed Debian's:\n%s", strings.Join(log, "\n"))
	}
	for pkg, status := range map[string]string{debianPackage: "config-files", debianClasses: "not-installed", "mediawiki-core": "installed", migrationEdn: "installed"} {
		if got := r.status(t, pkg); got != status {
			t.Errorf("after the switch, %s is %s, want %s", pkg, got, status)
		}
	}
	r.wantPresent(t, debianApache, apacheLink, "/var/lib/mediawiki/data/my_wiki.sqlite")
	r.wantGone(t, "/etc/apache2/conf-enabled/mediawiki.conf", "/var/lib/mediawiki/index.php")
	if got, err := os.Readlink(r.path("/usr/share/mediawiki/LocalSettings.php")); err != nil || got != localConf {
		t.Errorf("/usr/share/mediawiki/LocalSettings.php -> %q (%v), want -> %s", got, err, localConf)
	}
	if fi, err := os.Lstat(r.path("/usr/share/mediawiki/extensions")); err != nil || !fi.IsDir() {
		t.Errorf("/usr/share/mediawiki/extensions is not a directory: %v", err)
	}
	args := append([]string{"dpkg", "--verify"}, r.installed(t)...)
	if v := r.run(t, args...); strings.TrimSpace(v) != "" {
		t.Errorf("dpkg --verify of our packages:\n%s", v)
	}
}

// dpkgActions lists the install, upgrade and remove lines dpkg logged from offset on, in
// order: action, package, old version, new version.
func (r root) dpkgActions(t *testing.T, offset int64) []string {
	t.Helper()
	f, err := os.Open(r.path("/var/log/dpkg.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Seek(offset, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 6 && (f[2] == "install" || f[2] == "upgrade" || f[2] == "remove") {
			out = append(out, strings.Join(f[2:], " "))
		}
	}
	return out
}

// aptSummary keeps apt-get's plan and dpkg's lines about Debian's packages and core.
func aptSummary(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "The following") || strings.HasPrefix(l, "  ") || strings.Contains(l, "upgraded,") ||
			strings.HasPrefix(l, "Removing") || strings.Contains(l, "mediawiki-core") && !strings.HasPrefix(l, "Get:") {
			keep = append(keep, l)
		}
	}
	return strings.Join(keep, "\n")
}
