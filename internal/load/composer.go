package load

import (
	"github.com/hashicorp/hcl/v2"

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
