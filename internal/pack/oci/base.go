package oci

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"

	"github.com/mwedition/mwedition/internal/fstree"
)

// BaseKind says where a base image comes from.
type BaseKind int

// Base kinds.
const (
	// ScratchBase is no base: the image holds only its own layers.
	ScratchBase BaseKind = iota
	// RegistryBase is an image in a registry, pinned by digest: "debian@sha256:...".
	RegistryBase
	// LayoutBase is an image in an OCI image layout directory: "oci:DIR[:NAME]", NAME being
	// a ref.name annotation or a digest of index.json; without it the layout must hold one.
	LayoutBase
	// ArchiveBase is the image of a docker-archive tarball ("docker save"): "docker-archive:FILE".
	ArchiveBase
	// RootFSBase is a root file system tarball, optionally gzip-compressed, made into one
	// layer: "rootfs:FILE.tar[.gz]".
	RootFSBase
	// DebianBase is a root made from a locked Debian base's pinned packages:
	// "debian:NAME", NAME being a debian_base block's. Ref holds NAME.
	DebianBase
)

func (k BaseKind) String() string {
	switch k {
	case ScratchBase:
		return "scratch"
	case RegistryBase:
		return "registry"
	case LayoutBase:
		return "oci"
	case ArchiveBase:
		return "docker-archive"
	case RootFSBase:
		return "rootfs"
	case DebianBase:
		return "debian"
	}
	return fmt.Sprintf("BaseKind(%d)", int(k))
}

// BaseRef is a parsed base reference.
type BaseRef struct {
	Kind BaseKind
	// Ref is the registry reference (pinned by digest) for RegistryBase, and the image's
	// name or digest in the layout for LayoutBase.
	Ref string
	// Path is the directory or file of LayoutBase, ArchiveBase and RootFSBase.
	Path string
}

// String is the reference in the syntax ParseBase reads.
func (b BaseRef) String() string {
	switch b.Kind {
	case ScratchBase:
		return "scratch"
	case RegistryBase:
		return b.Ref
	case DebianBase:
		return "debian:" + b.Ref
	case LayoutBase:
		if b.Ref != "" {
			return "oci:" + b.Path + ":" + b.Ref
		}
		return "oci:" + b.Path
	}
	return b.Kind.String() + ":" + b.Path
}

// In returns b with a relative path taken from dir, as every path mwedition reads is.
func (b BaseRef) In(dir string) BaseRef {
	if b.Path != "" && !filepath.IsAbs(b.Path) {
		b.Path = filepath.Join(dir, b.Path)
	}
	return b
}

// baseSyntax is what an error about a base reference reminds the user of.
const baseSyntax = `use a registry reference pinned by digest (REGISTRY/REPOSITORY@sha256:...), oci:DIR[:NAME], docker-archive:FILE, rootfs:FILE.tar[.gz], debian:NAME (a locked debian_base), or "scratch"`

// ParseBase parses a base reference: "" or "scratch" for none, "oci:DIR[:NAME]" (also
// "oci-layout:"), "docker-archive:FILE", "rootfs:FILE", "debian:NAME" (a locked Debian
// base; "debian:TAG@sha256:..." stays Docker Hub's image), or a registry reference, which
// must be pinned by digest so that builds are reproducible and need the network only once.
func ParseBase(s string) (BaseRef, error) {
	if s == "" || s == "scratch" {
		return BaseRef{Kind: ScratchBase}, nil
	}
	prefix, rest, ok := strings.Cut(s, ":")
	if ok && rest != "" {
		switch prefix {
		case "oci", "oci-layout":
			// A path holding ':' cannot be named, as with skopeo's oci: transport.
			dir, ref, _ := strings.Cut(rest, ":")
			return BaseRef{Kind: LayoutBase, Path: dir, Ref: ref}, nil
		case "docker-archive":
			return BaseRef{Kind: ArchiveBase, Path: rest}, nil
		case "rootfs":
			return BaseRef{Kind: RootFSBase, Path: rest}, nil
		case "debian":
			if !strings.Contains(rest, "@") {
				return BaseRef{Kind: DebianBase, Ref: rest}, nil
			}
		case "docker":
			s = strings.TrimPrefix(rest, "//") // skopeo's docker://REFERENCE
		}
	}
	if looksLikeFile(s) {
		return BaseRef{}, fmt.Errorf("base %q looks like a file or directory: say what it holds, as docker-archive:%s, rootfs:%s or oci:%s", s, s, s, s)
	}
	ref, err := name.ParseReference(s)
	if err != nil {
		return BaseRef{}, fmt.Errorf("base %q is not a valid reference (%v): %s", s, err, baseSyntax)
	}
	d, ok := ref.(name.Digest)
	if !ok {
		return BaseRef{}, fmt.Errorf("base %q is not pinned: a tag can move, and the same lock must give the same image; name it by digest, as %s@sha256:<digest> (`skopeo inspect --format '{{.Digest}}' docker://%s` prints it)",
			s, ref.Context().Name(), ref.Name())
	}
	return BaseRef{Kind: RegistryBase, Ref: d.Name()}, nil
}

// Fingerprint identifies what b names without importing it, for cache keys: the reference
// itself for a registry base (its digest pins the content); the chosen name and the
// SHA-256 of index.json for a layout (whose blobs are named by their digests); the SHA-256
// of the file for the tarballs. Paths are not part of it, so a moved project keeps its cache.
func (b BaseRef) Fingerprint() (string, error) {
	switch b.Kind {
	case ScratchBase, RegistryBase, DebianBase:
		// A Debian base's content is its lock's, which its action's key holds.
		return b.String(), nil
	case LayoutBase:
		sum, err := fstree.FileSHA256(filepath.Join(b.Path, "index.json"))
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("base %s: %s is not an OCI image layout (it has no index.json)", b, b.Path)
		}
		if err != nil {
			return "", fmt.Errorf("base %s: %w", b, err)
		}
		return "oci:" + b.Ref + "@" + sum, nil
	}
	sum, err := fstree.FileSHA256(b.Path)
	if err != nil {
		return "", fmt.Errorf("base %s: %w", b, err)
	}
	return b.Kind.String() + "@" + sum, nil
}

// looksLikeFile says whether a reference without a known prefix is a path, which a registry
// reference parser would take for a repository name.
func looksLikeFile(s string) bool {
	for _, p := range []string{"/", "./", "../", "~"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	for _, ext := range []string{".tar", ".tar.gz", ".tgz"} {
		if strings.HasSuffix(s, ext) {
			return true
		}
	}
	return false
}
