package load

import (
	"regexp"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/semver"
	"github.com/mwedition/mwedition/internal/spec"
)

var composerRepositorySchema = spec.ComposerRepositoryBlock.Schema()

// composerRepository reads a composer_repository block. Its URL takes the schemes a
// tarball's does: composer's own file:// repositories included.
func (l *loader) composerRepository(b *hcl.Block) {
	r := spec.ComposerRepository{Name: b.Labels[0], DeclRange: b.DefRange}
	if !editionName.MatchString(r.Name) {
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid composer repository name", "%q is not a valid repository name: use lower-case letters, digits and '-', starting with a letter or digit.", r.Name)
	}
	content, d := b.Body.Content(composerRepositorySchema)
	l.diags = append(l.diags, d...)
	a, ok := content.Attributes["url"]
	if !ok || !l.str(a.Expr, &r.URL) {
		return
	}
	r.URLRange = a.Expr.Range()
	if err := checkURL(spec.SourceKind(spec.ComposerRepositoryBlock.Type), r.URL); err != nil {
		l.errorf(r.URLRange.Ptr(), "Invalid URL", "%s", err)
		return
	}
	for _, prev := range l.repositories {
		if prev.Name == r.Name {
			l.errorf(b.DefRange.Ptr(), "Duplicate composer repository", "Composer repository %q is already declared at %s.", r.Name, prev.DeclRange)
			return
		}
	}
	l.repositories = append(l.repositories, r)
}

var (
	librarySchema = spec.LibraryBlock.Schema()
	// composerName is composer's package name pattern (composer/composer's schema).
	composerName = regexp.MustCompile(`^[a-z0-9]([_.-]?[a-z0-9]+)*/[a-z0-9](([_.]|-{1,2})?[a-z0-9]+)*$`)
)

// library reads a library recipe.
func (l *loader) library(file string, b *hcl.Block) {
	lib := spec.Library{Name: b.Labels[0], DeclRange: b.DefRange}
	if !composerName.MatchString(lib.Name) {
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid library name", "%q is not a composer package name: vendor/name in lower case, as in composer.json.", lib.Name)
	}
	content, d := b.Body.Content(librarySchema)
	l.diags = append(l.diags, d...)
	if a, ok := content.Attributes["version"]; ok && l.str(a.Expr, &lib.Version) {
		if _, err := semver.ParseVersion(lib.Version); err != nil {
			l.errorf(a.Expr.Range().Ptr(), "Invalid version", "%q is not a composer version: %v.", lib.Version, err)
		}
	}
	if len(content.Blocks) != 1 {
		l.errorf(b.DefRange.Ptr(), "Missing source block", "library %q needs exactly one source block: source \"git\", \"tarball\" or \"dir\".", lib.Name)
		return
	}
	sb := content.Blocks[0]
	if spec.SourceKind(sb.Labels[0]) == spec.Bundled {
		l.errorf(sb.LabelRanges[0].Ptr(), "Invalid source kind", "A library is not bundled in MediaWiki's release; use \"git\", \"tarball\" or \"dir\".")
		return
	}
	lib.Source = l.source(file, spec.Component{Kind: spec.Extension, Name: lib.Name}, sb)
	if len(lib.Source.Patches) > 0 {
		// A patched library would need a version composer still matches exactly.
		l.errorf(lib.Source.Patches[0].Range.Ptr(), "Unsupported patch", "A library's source takes no patch blocks: point the library recipe at a patched fork or tarball instead.")
		return
	}
	for _, prev := range l.libraries {
		if prev.Name == lib.Name {
			l.errorf(b.DefRange.Ptr(), "Duplicate library", "Library %q is already declared at %s.", lib.Name, prev.DeclRange)
			return
		}
	}
	l.libraries = append(l.libraries, lib)
}
