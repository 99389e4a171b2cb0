package load

import (
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/spec"
)

var privateTargetSchema = spec.PrivateTargetBlock.Schema()

// privateTarget reads a private_target block: one directory or one registry prefix.
func (l *loader) privateTarget(b *hcl.Block) {
	t := spec.PrivateTarget{Name: b.Labels[0], DeclRange: b.DefRange}
	if !editionName.MatchString(t.Name) {
		l.errorf(b.LabelRanges[0].Ptr(), "Invalid private target name", "%q is not a valid target name: use lower-case letters, digits and '-', starting with a letter or digit.", t.Name)
	}
	content, d := b.Body.Content(privateTargetSchema)
	l.diags = append(l.diags, d...)
	dir, hasDir := content.Attributes["directory"]
	reg, hasReg := content.Attributes["registry"]
	switch {
	case hasDir && hasReg:
		l.errorf(reg.NameRange.Ptr(), "Conflicting arguments", "private_target %q names a directory (at %s) and a registry: declare each target in a block of its own.", t.Name, dir.NameRange)
		return
	case hasDir:
		t.LocationRange = dir.Expr.Range()
		if !l.str(dir.Expr, &t.Directory) {
			return
		}
		if msg := badDirectory(t.Directory); msg != "" {
			l.errorf(t.LocationRange.Ptr(), "Invalid directory", "%q %s", t.Directory, msg)
			return
		}
	case hasReg:
		t.LocationRange = reg.Expr.Range()
		if !l.str(reg.Expr, &t.Registry) {
			return
		}
		if msg := badRegistryPrefix(t.Registry); msg != "" {
			l.errorf(t.LocationRange.Ptr(), "Invalid registry prefix", "%q %s", t.Registry, msg)
			return
		}
	default:
		l.errorf(b.DefRange.Ptr(), "Missing target", "private_target %q needs directory = \"/srv/...\" (an apt or dnf repository) or registry = \"HOST[:PORT]/PATH\".", t.Name)
		return
	}
	for _, prev := range l.private {
		if prev.Name == t.Name {
			l.errorf(b.DefRange.Ptr(), "Duplicate private target", "Private target %q is already declared at %s.", t.Name, prev.DeclRange)
			return
		}
	}
	l.private = append(l.private, t)
}

// badDirectory says what is wrong with a private directory, or "".
func badDirectory(dir string) string {
	switch {
	case dir == "":
		return "is empty: give the repository's directory, as publish --apt or --dnf names it."
	case strings.Contains(dir, "://"):
		return "is a URL: give the repository's directory on this machine, as publish --apt or --dnf names it."
	case strings.ContainsRune(dir, 0):
		return "holds a NUL byte."
	}
	return ""
}

// badRegistryPrefix says what is wrong with a private registry prefix, or "". It takes
// what publish --registry takes, as docker reads it: the first part is a host.
func badRegistryPrefix(ref string) string {
	if strings.Contains(ref, "://") || strings.Contains(ref, "@") {
		return "is not HOST[:PORT]/PATH: give it without a scheme, credentials or digest, as publish --registry takes it."
	}
	host, path, _ := strings.Cut(strings.TrimSuffix(ref, "/"), "/")
	if !strings.ContainsAny(host, ".:") && host != "localhost" {
		return "does not start with a registry host: start with one, as in registry.example.org/" + ref + "."
	}
	if path == "" {
		return "names a whole registry: give a repository prefix below it, HOST[:PORT]/PATH."
	}
	if strings.Contains(path, ":") {
		return "carries a tag: give a repository prefix, HOST[:PORT]/PATH."
	}
	if _, err := name.NewRepository(host+"/"+path, name.StrictValidation); err != nil {
		return "is not a repository prefix (lower-case letters, digits and . _ - separated by /): " + err.Error() + "."
	}
	return ""
}
