package cli

// jsonOutputs say what each command prints on stdout with --json; each command's help
// ends with its entry, and a test holds every command to having one. Human lines go to
// stderr then, so that stdout stays machine-readable.
var jsonOutputs = map[string]string{
	"mwedition": `what the command run prints (mwedition --version: as mwedition version).`,
	"mwedition validate": `one {"event":"diagnostic"} object per problem (severity, summary, detail,
file, line, column; a stale lock's add "component" and "affected") and, when the manifests
are valid, one {"event":"validated","components":N,"editions":N,"lock":bool,"resolved":
[{"name","version","extensions","skins"}],"checked":{"recipes":N,"dirs":[…]},"notChecked":
[{"what","components","detail"}]} ("resolved", "checked" and "notChecked" with a lock only).`,
	"mwedition lock": `progress objects ({"event":"start"|"done"|"cached"|"failed","action","kind",
"done","total"}), diagnostics as validate prints them, one {"event":"patch","file","status":
"applied"|"already applied","components":[ID…],"cves":[…],"embargoed":bool} per patch, then
{"event":"locked","components":N,"libraries":N,"debianBases":N,"changed":bool,"executed":N,"cached":N}.`,
	"mwedition fetch": `progress objects as lock prints them, then {"event":"fetched","sources":N,
"executed":N,"cached":N}.`,
	"mwedition build": `progress objects as lock prints them, then {"event":"built","executed":N,
"cached":N,"editions":[{"name","version","tree","entries","bytes"}],"images":[{"edition","tag",
"digest","mediaType"}]}.`,
	"mwedition plan": `one {"event":"plan","action","kind","key","cached","deps","edition"} object
per action in run order, then {"event":"planned","actions":N,"run":N,"cached":N}.`,
	"mwedition graph": `one {"event":"node","action","kind","label","deps","edition","cached"}
object per action in run order; with --editions, one {"event":"edition","name","version","core",
"inherits","adds","removes"} per edition. --dot and --json exclude each other.`,
	"mwedition cache add": `{"event":"cached","file","sha256","bytes","url"}.`,
	"mwedition cache dir": `{"event":"cache","dir"}.`,
	"mwedition cache ls": `{"event":"inventory","dir","entries":N,"bytes":N,"kinds":[{"area","kind",
"what","entries","bytes"}],"builds":[{"name","started","finished","project","ok","actions",
"entries"}]}, builds newest first.`,
	"mwedition cache gc": `{"event":"gc","dryRun","removed":N,"freed":BYTES,"kept":N,"keptBytes",
"keep":N,"lockKept":bool,"keptBuilds":N,"forgottenBuilds":N,"kinds":[{"area","kind","what",
"entries","bytes"}]}, the kinds being what was (or would be) removed.`,
	"mwedition publish": `progress objects ({"event":"publish","format","step","path"} for
repositories, {"event":"blob"|"manifest"…} for images), {"event":"tagged","edition","repository","tag",
"digest"} per image pushed, and one {"event":"published"} per destination.`,
	"mwedition verify": `the rebuild's progress, one {"event":"artifact","path","status"…} object per
artifact compared, then {"event":"verified"} with the counts by status.`,
	"mwedition bump": `progress objects as lock prints them, diagnostics as validate prints them,
one {"event":"patch"} per patch as lock prints them, then {"event":"bumped","component","from","to",
"changed":bool,"computedSha256","editions":[{"name","from","to"}],"files":[…],"diff":{…}} ("diff"
being the report mwedition diff prints; only "component", "from", "to" and "changed" when
nothing changed).`,
	"mwedition diff": `one {"event":"diff"} object: the report the Markdown is made from.`,
	"mwedition init": `one {"event":"initialized","dir","files","edition","editionVersion",
"core":{"name","version","url","sha256","signature","signedBy","from"},"extensions","skins",
"next"}.`,
	"mwedition reference": `one {"event":"reference","path","markdown"}.`,
	"mwedition version": `one {"event":"version","version","commit","commitTime","modified","go",
"platform","lockVersion","layouts":{format: layout}}.`,
}

const jsonFooter = `
Every object carries "schema": 1, raised only when a field changes meaning or goes away.
A failure ends with {"event":"error","error":…}.`
