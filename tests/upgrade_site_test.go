//go:build e2e

package tests

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The upgrade test's site: an edition installed from a published apt repository into a
// bookworm root, MediaWiki installed on SQLite or on Debian's MariaDB (started by the test
// inside the root), the generated content imported, a file uploaded; and what the site holds,
// read back through MediaWiki's own scripts and HTTP.

const (
	dbSQLite  = "sqlite"
	dbMariaDB = "mysql" // install.php's name for it
	// The wiki's database and account on MariaDB.
	mariaDBName = "upgradewiki"
	mariaDBUser = "upgradewiki"
	mariaDBPass = "upgrade-test-db-password"
	mariaSocket = "/run/mysqld/mysqld.sock"
	contentDir  = "/srv/upgrade"
)

// upgradeSite is an installed wiki on one database, with the port its $wgServer names.
type upgradeSite struct {
	wiki
	db   string
	port string
}

// newUpgradeSite installs an edition from the repository into a fresh root and MediaWiki on
// the database given, and serves it. On MariaDB, Debian's mariadb-server and php-mysql come
// from Debian with the edition, and the server runs until the test ends. step is told when
// each part is done, for the timings.
func newUpgradeSite(t *testing.T, base, repo, edition, db string, step func(string)) *upgradeSite {
	t.Helper()
	pkgs := []string{"mediawiki-edition-" + edition}
	dbArgs := "--dbtype sqlite --dbpath /var/lib/mediawiki/data"
	if db == dbMariaDB {
		pkgs = append(pkgs, "mariadb-server", "php-mysql")
		dbArgs = "--dbtype mysql --dbserver localhost --dbname " + mariaDBName + " --dbuser " + mariaDBUser + " --dbpass " + mariaDBPass
	}
	r := installFromRepo(t, base, repo, pkgs...)
	step("packages installed from the apt repository and Debian")
	if db == dbMariaDB {
		startMariaDB(t, r)
		r.run(t, "mariadb", "--socket="+mariaSocket, "-e", "CREATE DATABASE "+mariaDBName+"; "+
			"CREATE USER '"+mariaDBUser+"'@'localhost' IDENTIFIED BY '"+mariaDBPass+"'; "+
			"GRANT ALL ON "+mariaDBName+".* TO '"+mariaDBUser+"'@'localhost';")
		step("mariadbd started, database and account made")
	}
	s := &upgradeSite{db: db, port: freePort(t)}
	installWikiOn(t, r, s.port, dbArgs)
	s.wiki = wiki{r, r.serve(t, s.port)}
	step("install.php and update.php run, php -S serving")
	return s
}

// startMariaDB starts Debian's mariadbd inside the root, on a socket and data directory of
// the root's own and no TCP port (other tests' servers may hold 3306), and stops it when the
// test ends, failed or not: first cleanly, then by ending its namespace.
func startMariaDB(t *testing.T, r root) {
	t.Helper()
	r.run(t, "sh", "-ec", `install -d -o mysql -g mysql /run/mysqld
# mariadb-server's postinst makes the data directory; a root made otherwise has none.
[ -d /var/lib/mysql/mysql ] || mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db >/dev/null`)
	s := &server{log: &bytes.Buffer{}}
	s.cmd = r.command("mariadbd", "--user=mysql", "--datadir=/var/lib/mysql", "--socket="+mariaSocket,
		"--pid-file=/run/mysqld/mysqld.pid", "--skip-networking")
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			if out, err := r.command("mariadb-admin", "--socket="+mariaSocket, "shutdown").CombinedOutput(); err != nil {
				t.Logf("mariadb-admin shutdown: %v\n%s", err, out)
			}
		}
		s.stop()
	})
	for deadline := time.Now().Add(time.Minute); ; time.Sleep(200 * time.Millisecond) {
		if r.command("mariadb-admin", "--socket="+mariaSocket, "ping").Run() == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("mariadbd did not answer on %s within a minute:\n%s", mariaSocket, tail(s.log.String()))
		}
	}
}

// importContent imports the generated dump with importDump.php, brings the recent changes
// and the site statistics up to date, runs the jobs the import queued, and uploads the PNG
// with importImages.php: what an admin moving a wiki does.
func (s *upgradeSite) importContent(t *testing.T, c upgradeContent) {
	t.Helper()
	if err := os.MkdirAll(s.r.path(contentDir+"/upload"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, s.r.path(contentDir+"/content.xml"), string(c.dump))
	writeFile(t, s.r.path(contentDir+"/upload/"+strings.ReplaceAll(uploadName, " ", "_")), string(uploadPNG()))
	s.maint(t, "", "importDump.php", contentDir+"/content.xml")
	s.maint(t, "", "rebuildrecentchanges.php")
	s.maint(t, "", "initSiteStats.php", "--update")
	s.runJobs(t)
	s.maint(t, "", "importImages.php", "--extensions=png", "--user=Admin", "--comment=upgrade test upload", contentDir+"/upload")
}

// runJobs drains the job queue in batches: one runJobs.php on SQLite through the import's
// few hundred jobs ran out of file handles ("Too many open files", opening JobQueueDB's own
// SQLite connection); a process per 50 jobs stays well below the limit.
func (s *upgradeSite) runJobs(t *testing.T) {
	t.Helper()
	for i := 0; ; i++ {
		n := strings.TrimSpace(s.maint(t, "", "showJobs.php"))
		if n == "0" {
			return
		}
		if i == 50 {
			t.Fatalf("%s jobs are still queued after 50 runs of runJobs.php --maxjobs 50", n)
		}
		s.maint(t, "", "runJobs.php", "--maxjobs", "50", "--quiet")
	}
}

// siteSnapshot is what a site holds, as its own scripts and its web server show it.
type siteSnapshot struct {
	// Version is the MediaWiki version Special:Version shows.
	Version string
	// Pages holds every page's facts, by title, as dumpBackup.php --full gives them.
	Pages map[string]pageFacts
	// Members lists, per category of the content, its member pages as the API gives them.
	Members map[string][]string
	// Rendered is the HTML api.php's action=parse gives for the pages the test renders.
	Rendered map[string]string
	// Upload is the sha256 of the bytes served at the upload's URL.
	Upload string
}

// renderedPages are the pages whose HTML must not change: the one that invokes Lua and the
// one made of templates.
var renderedPages = []string{luaPage, templatePage}

func (s *upgradeSite) snapshot(t *testing.T, c upgradeContent) siteSnapshot {
	t.Helper()
	snap := siteSnapshot{Pages: s.dumpedPages(t), Members: map[string][]string{}, Rendered: map[string]string{}}
	for cat := range c.members {
		snap.Members[cat] = s.categoryMembers(t, cat)
	}
	for _, title := range renderedPages {
		snap.Rendered[title] = s.parsed(t, title)
	}
	snap.Upload = s.servedUpload(t, uploadName)
	snap.Version = s.coreVersion(t)
	return snap
}

// dumpedPages reads every page's history back with dumpBackup.php --full, the way back out of
// a wiki that every release since 1.5 has.
func (s *upgradeSite) dumpedPages(t *testing.T) map[string]pageFacts {
	t.Helper()
	out := s.maint(t, "", "dumpBackup.php", "--full", "--quiet")
	// The export's version follows the wiki's release: read any, as the test reads facts only.
	out = regexp.MustCompile(`xmlns="http://www.mediawiki.org/xml/export-[0-9.]+/"`).ReplaceAllString(out, `xmlns="http://www.mediawiki.org/xml/export-0.11/"`)
	var d xmlDump
	if err := xml.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("dumpBackup.php's output does not parse: %v\n%s", err, tail(out))
	}
	pages := map[string]pageFacts{}
	for _, p := range d.Pages {
		if len(p.Revisions) == 0 {
			t.Errorf("dumpBackup.php gives %s no revision", p.Title)
			continue
		}
		last := p.Revisions[len(p.Revisions)-1]
		pages[p.Title] = pageFacts{SHA1: hexSHA1(last.Text.Text), Model: last.Model, Timestamp: last.Timestamp, Revisions: len(p.Revisions)}
	}
	return pages
}

// api GETs api.php with the parameters and decodes its JSON answer into v.
func (s *upgradeSite) api(t *testing.T, v any, params url.Values) {
	t.Helper()
	params.Set("format", "json")
	params.Set("formatversion", "2")
	b := s.srv.get(t, "/api.php?"+params.Encode())
	if err := json.Unmarshal([]byte(b), v); err != nil {
		t.Fatalf("api.php %s: %v\n%s", params.Encode(), err, tail(b))
	}
}

func (s *upgradeSite) categoryMembers(t *testing.T, cat string) []string {
	t.Helper()
	var res struct {
		Query struct {
			Members []struct{ Title string } `json:"categorymembers"`
		} `json:"query"`
	}
	s.api(t, &res, url.Values{"action": {"query"}, "list": {"categorymembers"}, "cmtitle": {"Category:" + cat}, "cmlimit": {"max"}, "cmsort": {"sortkey"}})
	var out []string
	for _, m := range res.Query.Members {
		out = append(out, m.Title)
	}
	return out
}

// parsed is a page's HTML from action=parse, without the parts that change from one parse to
// the next (the limit report) or with the reader (edit section links).
func (s *upgradeSite) parsed(t *testing.T, title string) string {
	t.Helper()
	var res struct {
		Parse struct{ Text string } `json:"parse"`
	}
	s.api(t, &res, url.Values{"action": {"parse"}, "page": {title}, "prop": {"text"}, "disablelimitreport": {"1"}, "disableeditsection": {"1"}})
	return res.Parse.Text
}

// servedUpload is the sha256 of what the web server serves at the file's URL (as imageinfo
// names it), or what went wrong.
func (s *upgradeSite) servedUpload(t *testing.T, name string) string {
	t.Helper()
	var res struct {
		Query struct {
			Pages []struct {
				ImageInfo []struct{ URL string } `json:"imageinfo"`
			} `json:"pages"`
		} `json:"query"`
	}
	s.api(t, &res, url.Values{"action": {"query"}, "prop": {"imageinfo"}, "iiprop": {"url"}, "titles": {"File:" + name}})
	if len(res.Query.Pages) != 1 || len(res.Query.Pages[0].ImageInfo) != 1 {
		return "imageinfo names no file for File:" + name
	}
	u, err := url.Parse(res.Query.Pages[0].ImageInfo[0].URL)
	if err != nil {
		return "imageinfo's URL: " + err.Error()
	}
	resp, b := httpGet(t, s.srv.base+u.RequestURI())
	if resp.StatusCode != 200 {
		return "GET " + u.RequestURI() + ": " + resp.Status
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// coreVersion is MediaWiki's version in Special:Version's table of installed software.
func (s *upgradeSite) coreVersion(t *testing.T) string {
	t.Helper()
	b := s.srv.get(t, "/index.php?title=Special:Version")
	m := regexp.MustCompile(`>MediaWiki</a>\s*</td>\s*<td[^>]*>([^<]+)</td>`).FindStringSubmatch(b)
	if m == nil {
		t.Errorf("Special:Version shows no MediaWiki version:\n%s", tail(b))
		return ""
	}
	return strings.TrimSpace(m[1])
}

// upgradeTo moves the site to the packages of another published repository (or suite): the
// repository replaces the root's copy, the sources file names the suite, apt-get dist-upgrade
// keeps the admin's conffiles, update.php runs and the web server restarts. It returns the
// package transitions dpkg logged ("package:arch old new").
func (s *upgradeSite) upgradeTo(t *testing.T, repo, suite string) []string {
	t.Helper()
	s.srv.stop()
	if err := os.RemoveAll(s.r.path(repoInRoot)); err != nil {
		t.Fatal(err)
	}
	if o, err := exec.Command("cp", "-al", repo, s.r.path(repoInRoot)).CombinedOutput(); err != nil {
		t.Fatalf("cp -al: %v\n%s", err, o)
	}
	s.r.copyIn(t, filepath.Join(repo, "mwedition-archive-keyring.asc"), keyInRoot)
	writeFile(t, s.r.path(listInRoot), "deb [signed-by="+keyInRoot+"] file://"+repoInRoot+" "+suite+" main\n")
	s.r.aptUpdate(t, listInRoot)
	logStart := s.r.size(t, "/var/log/dpkg.log")
	s.r.run(t, "apt-get", "dist-upgrade", "-y", "-o", "Dpkg::Options::=--force-confdef", "-o", "Dpkg::Options::=--force-confold")
	s.r.run(t, "sh", "-ec", "cd /usr/share/mediawiki && php maintenance/update.php --quick >/dev/null && chown -R www-data: /var/lib/mediawiki/data")
	s.srv = s.r.serve(t, s.port)
	return s.r.dpkgUpgrades(t, logStart)
}
