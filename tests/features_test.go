//go:build e2e

package tests

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// The features acceptance test: every feature the shipped editions promise works, proven only
// through HTTP requests and MediaWiki's own maintenance scripts. The shipped editions are built
// once (Debian packages and images), the packages published into a signed apt repository; then
// each edition is checked twice, in parallel with the others: installed with apt-get into a
// fresh Debian bookworm root and served by php -S, and as its image, unpacked and started with
// the image's own command, user and environment. On both, the job queue is then drained by
// the packages' timer command (on Debian) and by the image started with it.

// featureCheck is one feature's proof against a running wiki.
type featureCheck struct {
	name  string
	check func(t *testing.T, w wiki)
}

// editionFeatures are the checks each shipped edition must pass: its own features and those it
// inherits (enterprise removes Math).
var editionFeatures = map[string][]featureCheck{
	"core":           {{"parsoid", checkParsoid}, {"parserfunctions", checkParserFunctions}},
	"knowledge-base": {{"parsoid", checkParsoid}, {"parserfunctions", checkParserFunctions}, {"lua", checkLua}, {"syntaxhighlight", checkSyntaxHighlight}, {"pdf", checkPDF}, {"math", checkMath}},
	"enterprise":     {{"parsoid", checkParsoid}, {"lua", checkLua}, {"syntaxhighlight", checkSyntaxHighlight}, {"pdf", checkPDF}, {"throttle", checkLoginThrottle}},
}

const featuresPass = "features-test-password"

func TestFeatures(t *testing.T) {
	// Mostly apt-get and dpkg in a root of its own: runs beside the other such tests
	// (make e2e's -parallel), after the sequential ones.
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Fatal("the features test needs root (chroot, unshare, umoci): run `make e2e` as root")
	}
	start := time.Now()
	since := func() time.Duration { return time.Since(start).Round(time.Second) }
	cacheDir := corpusCache(t)
	base := bookwormRoot(t, cacheDir)
	t.Logf("%s: Debian root ready", since())

	proj := project(t)
	if r := run(t, proj, cacheDir, "--offline", "--quiet", "lock"); r.code != 0 {
		t.Fatalf("lock exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	out := filepath.Join(t.TempDir(), "out")
	// The images are built on the shipped Debian base: the lock's pinned .debs, fetched into
	// the cache by the first build.
	if r := run(t, proj, cacheDir, "-q", "build", "--out", out, "--format", "deb,image"); r.code != 0 {
		t.Fatalf("build exited %d:\n%s", r.code, r.stderr)
	}
	t.Logf("%s: packages and images built", since())
	repo := filepath.Join(t.TempDir(), "apt")
	priv, _, fpr := releaseKey(t)
	if r := run(t, proj, cacheDir, "--json", "publish", "--apt", repo, "--out", out, "--sign-key", priv, "--sign-fingerprint", fpr); r.code != 0 {
		t.Fatalf("publish exited %d:\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("%s: published", since())

	// Each edition on Debian and in its image: six parallel units, so that both of a small
	// machine's cores stay busy. The images' Apache listens on 8080, so one image serves at a
	// time.
	var port8080 sync.Mutex
	for _, e := range []string{"core", "knowledge-base", "enterprise"} {
		t.Run(e+"/debian", func(t *testing.T) {
			t.Parallel()
			w := debianWiki(t, base, repo, e)
			t.Logf("%s: %s installed from the apt repository", since(), e)
			runChecks(t, w, e)
			// The job queue, through the installed timer's service command.
			t.Run("jobs", func(t *testing.T) { checkJobRunner(t, w.r) })
			t.Logf("%s: %s checked on Debian", since(), e)
		})
		t.Run(e+"/image", func(t *testing.T) {
			t.Parallel()
			rt, cfg := unpackImage(t, filepath.Join(out, "oci"), e+"-"+shippedEditionVersion)
			installWiki(t, rt, "8080")
			t.Logf("%s: %s image unpacked and installed", since(), e)
			port8080.Lock()
			defer port8080.Unlock()
			w := wiki{rt, startImage(t, rt, cfg)}
			runChecks(t, w, e)
			w.srv.stop()
			// The job queue, through the same image started with mediawiki-run-jobs --loop.
			t.Run("jobs", func(t *testing.T) { checkImageJobs(t, rt, cfg.User, cfg.Env) })
			t.Logf("%s: %s checked in its image", since(), e)
		})
	}
}

func runChecks(t *testing.T, w wiki, edition string) {
	t.Helper()
	for _, c := range editionFeatures[edition] {
		t.Run(c.name, func(t *testing.T) {
			start := time.Now()
			c.check(t, w)
			t.Logf("%s: %s", c.name, time.Since(start).Round(10*time.Millisecond))
		})
	}
}

// wiki is an installed MediaWiki: its system (for maintenance scripts) and its web server.
type wiki struct {
	r   root
	srv *server
}

// maint runs a maintenance script as the web user, with stdin, and returns its output.
func (w wiki) maint(t *testing.T, stdin, script string, args ...string) string {
	t.Helper()
	argv := append([]string{"runuser", "-u", "www-data", "--", "php", "/usr/share/mediawiki/maintenance/" + script}, args...)
	cmd := w.r.command(argv...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("maintenance/%s %s: %v\n%s", script, strings.Join(args, " "), err, tail(string(out)))
	}
	return string(out)
}

// edit saves a page with maintenance/edit.php.
func (w wiki) edit(t *testing.T, title, text string) {
	t.Helper()
	w.maint(t, text, "edit.php", "--user", "Admin", "--summary", "features test", title)
}

// rendered is a page's parsed content, as index.php's action=render gives it.
func (w wiki) rendered(t *testing.T, title string) string {
	t.Helper()
	return w.srv.get(t, "/index.php?action=render&title="+url.QueryEscape(title))
}

// debianWiki installs an edition's meta-package with apt-get from the published repository
// into a fresh root, installs MediaWiki on SQLite and serves it with php -S.
func debianWiki(t *testing.T, base, repo, edition string) wiki {
	t.Helper()
	r := installFromRepo(t, base, repo, "mediawiki-edition-"+edition)
	port := freePort(t)
	installWiki(t, r, port)
	return wiki{r, r.serve(t, port)}
}

// installFromRepo unpacks a fresh root, adds the published repository to its sources and
// installs the packages named (from it or from Debian) with apt-get.
func installFromRepo(t *testing.T, base, repo string, pkgs ...string) root {
	t.Helper()
	r := unpackRoot(t, base)
	// The root's Debian lists are as old as the cached root: apt fetches the packages'
	// system Depends from Debian.
	r.run(t, "apt-get", "update")
	if o, err := exec.Command("cp", "-al", repo, r.path(repoInRoot)).CombinedOutput(); err != nil {
		t.Fatalf("cp -al: %v\n%s", err, o)
	}
	r.copyIn(t, filepath.Join(repo, "mwedition-archive-keyring.asc"), keyInRoot)
	writeFile(t, r.path(listInRoot), "deb [signed-by="+keyInRoot+"] file://"+repoInRoot+" "+shippedSuite+" main\n")
	r.aptUpdate(t, listInRoot)
	r.run(t, append([]string{"apt-get", "install", "-y"}, pkgs...)...)
	return r
}

// installWiki runs MediaWiki's installer on SQLite as the admin does, includes the edition's
// settings, and runs update.php for the extensions' tables.
func installWiki(t *testing.T, r root, port string) {
	t.Helper()
	installWikiOn(t, r, port, "--dbtype sqlite --dbpath /var/lib/mediawiki/data")
}

// installWikiOn is installWiki with the installer's database options given (the SQLite
// directory is made either way).
func installWikiOn(t *testing.T, r root, port, dbArgs string) {
	t.Helper()
	out := r.run(t, "sh", "-ec", `cd /usr/share/mediawiki
mkdir -p /var/lib/mediawiki/data
php maintenance/install.php `+dbArgs+` \
	--confpath /etc/mediawiki --server http://127.0.0.1:`+port+` --scriptpath "" \
	--pass `+featuresPass+` "Features Wiki" Admin >/dev/null
echo 'require_once "$IP/EditionSettings.php";' >> /etc/mediawiki/LocalSettings.php
php maintenance/update.php --quick >/dev/null
chown -R www-data: /var/lib/mediawiki/data
php maintenance/getConfiguration.php --settings wgMainCacheType --format json`)
	t.Logf("configuration after the install: %s", strings.TrimSpace(out))
}

// unpackImage unpacks one image of the layout with umoci and returns its configuration.
func unpackImage(t *testing.T, layoutDir, name string) (root, v1.Config) {
	t.Helper()
	idx, images := readOCILayout(t, layoutDir)
	var digest v1.Hash
	for _, im := range images {
		if im.Name == name {
			digest = im.Digest
		}
	}
	img, err := idx.Image(digest)
	if err != nil {
		t.Fatalf("no image %s in %v: %v", name, images, err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	rt := root{filepath.Join(t.TempDir(), "rootfs")}
	if o, err := exec.Command("umoci", "raw", "unpack", "--image", layoutDir+":"+name, rt.dir).CombinedOutput(); err != nil {
		t.Fatalf("umoci raw unpack: %v\n%s", err, o)
	}
	return rt, cfg.Config
}

// startImage starts the image's own command with its environment and user, as a runtime would,
// and waits for it to listen on 8080.
func startImage(t *testing.T, rt root, c v1.Config) *server {
	t.Helper()
	// Other tests' images listen on 8080 too: wait for them, then make sure that it is this
	// image's Apache that answers.
	for deadline := time.Now().Add(5 * time.Minute); ; time.Sleep(time.Second) {
		l, err := net.Listen("tcp", "127.0.0.1:8080")
		if err == nil {
			l.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("port 8080, which the image's Apache listens on, stayed taken: %v", err)
		}
	}
	uid, gid, _ := strings.Cut(c.User, ":")
	// A root shell stays the namespace's first process (see TestImageRunsForReal).
	argv := append([]string{"sh", "-c", `u=$0 g=$1; shift; setpriv --reuid "$u" --regid "$g" --clear-groups -- /usr/bin/env -i "$@" & wait`, uid, gid}, c.Env...)
	s := &server{base: "http://127.0.0.1:8080", log: &bytes.Buffer{}}
	s.cmd = rt.command(append(argv, c.Cmd...)...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	s.cmd.WaitDelay = 10 * time.Second
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.stop)
	waitListening(t, "8080", s)
	if len(processUIDs(t, "apache2", rt.dir)) == 0 {
		t.Fatalf("something else answers on 8080: the image's Apache is not running\n%s", s.log)
	}
	return s
}

// checkLua: a page invoking a Lua module shows what the module computed, which only a working
// Lua interpreter gives (Scribunto shows "Script error" otherwise).
func checkLua(t *testing.T, w wiki) {
	w.edit(t, "Module:Features", `local p = {}
function p.hello(frame)
	return "Lua greets " .. frame.args[1] .. ": " .. string.rep("ab", 3) .. " " .. (6 * 7)
end
return p
`)
	w.edit(t, "Lua features", "{{#invoke:Features|hello|world}}")
	if b := w.rendered(t, "Lua features"); !strings.Contains(b, "Lua greets world: ababab 42") {
		t.Errorf("the page invoking Module:Features does not show the module's output:\n%s", tail(b))
	}
}

// checkSyntaxHighlight: Python code comes out as Pygments' highlighted HTML (a keyword span,
// a number span), not as a plain <pre>.
func checkSyntaxHighlight(t *testing.T, w wiki) {
	w.edit(t, "Highlight features", "<syntaxhighlight lang=\"python\">\ndef answer():\n    return 42\n</syntaxhighlight>\n")
	b := w.rendered(t, "Highlight features")
	for _, want := range []string{`class="mw-highlight`, `<span class="k">def</span>`, `<span class="mi">42</span>`} {
		if !strings.Contains(b, want) {
			t.Errorf("the highlighted page has no %s:\n%s", want, tail(b))
		}
	}
}

// checkPDF: a two-page PDF imported with importImages.php has two pages (imageinfo's
// pagecount, from pdfinfo) and a page-1 thumbnail that is a JPEG of the asked width (from
// ghostscript and ImageMagick).
func checkPDF(t *testing.T, w wiki) {
	dir := "/srv/features-upload"
	if err := os.MkdirAll(w.r.path(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, w.r.path(dir+"/Features.pdf"), string(twoPagePDF()))
	w.maint(t, "", "importImages.php", "--extensions=pdf", "--user=Admin", dir)
	var info struct {
		Query struct {
			Pages map[string]struct {
				ImageInfo []struct {
					Mime      string `json:"mime"`
					PageCount int    `json:"pagecount"`
				} `json:"imageinfo"`
			} `json:"pages"`
		} `json:"query"`
	}
	body := w.srv.get(t, "/api.php?action=query&format=json&prop=imageinfo&iiprop=size|mime&titles=File:Features.pdf")
	if err := json.Unmarshal([]byte(body), &info); err != nil {
		t.Fatalf("imageinfo: %v\n%s", err, body)
	}
	var got []string
	for _, p := range info.Query.Pages {
		for _, ii := range p.ImageInfo {
			got = append(got, fmt.Sprintf("%s, %d pages", ii.Mime, ii.PageCount))
		}
	}
	if len(got) != 1 || got[0] != "application/pdf, 2 pages" {
		t.Errorf("imageinfo of File:Features.pdf: %v, want [application/pdf, 2 pages]\n%s", got, body)
	}
	resp, thumb := httpGet(t, w.srv.base+"/thumb.php?f=Features.pdf&page=1&width=100")
	if ct := resp.Header.Get("Content-Type"); resp.StatusCode != http.StatusOK || ct != "image/jpeg" {
		t.Fatalf("page 1's thumbnail: %s, %s\n%s", resp.Status, ct, tail(string(thumb)))
	}
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(thumb))
	if err != nil || cfg.Width != 100 {
		t.Errorf("page 1's thumbnail is not a 100-pixel-wide JPEG: %+v, %v", cfg, err)
	}
}

// checkMath: <math> renders in source mode, the one mode that needs no outside service:
// mathml asks Wikimedia's RESTBase, and so does the TeX check of every mode unless it is
// off; either says "Failed to parse" offline.
func checkMath(t *testing.T, w wiki) {
	w.edit(t, "Math features", "<math>E=mc^2</math>")
	b := w.rendered(t, "Math features")
	if !strings.Contains(b, `class="mwe-math-fallback-source-inline`) || !strings.Contains(b, "E=mc^2") || strings.Contains(b, "Failed to parse") {
		t.Errorf("<math> did not render in source mode:\n%s", tail(b))
	}
}

// checkParsoid: core's Parsoid answers the REST page HTML endpoint VisualEditor reads, with
// Parsoid's markup (rel="mw:ExtLink" on the Main Page's external links; the legacy parser
// writes class="external").
func checkParsoid(t *testing.T, w wiki) {
	resp, b := httpGet(t, w.srv.base+"/rest.php/v1/page/Main_Page/html")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /rest.php/v1/page/Main_Page/html: %s, %s\n%s", resp.Status, resp.Header.Get("Content-Type"), tail(string(b)))
	}
	for _, want := range []string{"MediaWiki has been installed", `rel="mw:ExtLink`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("Parsoid's HTML of the Main Page has no %s:\n%s", want, tail(string(b)))
		}
	}
}

// checkParserFunctions: a template using #if and #expr gives their results.
func checkParserFunctions(t *testing.T, w wiki) {
	w.edit(t, "Template:Features", "{{#if:{{{1|}}}|yes {{#expr: {{{1}}} * 6}}|no}}")
	w.edit(t, "ParserFunctions features", "[{{Features|7}}] [{{Features}}]")
	if b := w.rendered(t, "ParserFunctions features"); !strings.Contains(b, "[yes 42] [no]") {
		t.Errorf("the template using ParserFunctions did not render:\n%s", tail(b))
	}
}

// checkLoginThrottle: with wgPasswordAttemptThrottle at 5 in 300 s, five wrong passwords are
// refused as wrong and the sixth as throttled, through the action API's login.
func checkLoginThrottle(t *testing.T, w wiki) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: time.Minute}
	var tok struct {
		Query struct {
			Tokens struct{ LoginToken string } `json:"tokens"`
		} `json:"query"`
	}
	if err := json.Unmarshal(apiCall(t, c, w.srv.base, url.Values{"action": {"query"}, "meta": {"tokens"}, "type": {"login"}}), &tok); err != nil || tok.Query.Tokens.LoginToken == "" {
		t.Fatalf("no login token: %v", err)
	}
	for i := 1; i <= 6; i++ {
		var res struct {
			Login struct{ Result, Reason string } `json:"login"`
		}
		b := apiCall(t, c, w.srv.base, url.Values{"action": {"login"}, "lgname": {"Admin"}, "lgpassword": {"wrong password"}, "lgtoken": {tok.Query.Tokens.LoginToken}})
		if err := json.Unmarshal(b, &res); err != nil {
			t.Fatalf("login %d: %v\n%s", i, err, b)
		}
		throttled := strings.Contains(res.Login.Reason, "too many recent login attempts")
		if res.Login.Result != "Failed" || throttled != (i == 6) {
			t.Errorf("wrong login %d: %s, %q; want Failed, throttled only from the sixth", i, res.Login.Result, res.Login.Reason)
		}
	}
}

// apiCall POSTs to api.php and returns the JSON answer.
func apiCall(t *testing.T, c *http.Client, base string, v url.Values) []byte {
	t.Helper()
	v.Set("format", "json")
	resp, err := c.PostForm(base+"/api.php", v)
	if err != nil {
		t.Fatalf("api.php %s: %v", v.Get("action"), err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("api.php %s: %s\n%s", v.Get("action"), resp.Status, tail(string(b)))
	}
	return b
}

func httpGet(t *testing.T, u string) (*http.Response, []byte) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 2 * time.Minute}).Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// twoPagePDF is a minimal PDF of two 200-point pages, each with a line of text.
func twoPagePDF() []byte {
	stream := func(s string) string { return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s) }
	page := func(contents int) string {
		return fmt.Sprintf("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents %d 0 R /Resources << /Font << /F1 5 0 R >> >> >>", contents)
	}
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 4 0 R] /Count 2 >>",
		page(6), page(7),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		stream("BT /F1 24 Tf 30 100 Td (Page one) Tj ET"),
		stream("BT /F1 24 Tf 30 100 Td (Page two) Tj ET"),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	var offsets []int
	for i, o := range objs {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}
