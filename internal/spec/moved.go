package spec

// MergedIntoCore maps an extension that MediaWiki took into core to the first release
// that holds it: an edition on that release or a later one must not list it, and a package
// of it from an older line gives way to the new core's on upgrade.
var MergedIntoCore = map[string]string{
	// Special:RenameUser and its rights are core's since 1.40 (T27482); the extension's
	// repository was archived.
	"Renameuser": "1.40",
}
