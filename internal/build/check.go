package build

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"github.com/mwedition/mwedition/internal/lock"
	"github.com/mwedition/mwedition/internal/resolve"
	"github.com/mwedition/mwedition/internal/source"
	"github.com/mwedition/mwedition/internal/spec"
)

// Checked says what Check verified of the lock, and what it leaves to later commands.
type Checked struct {
	Components int          // lock entries matching their recipes (fingerprint and pin)
	Dirs       []DirChecked // dir sources read again
	// Git are the components pinned to a commit: whether their ref moved on the remote is
	// not asked (a lock keeps its commits until lock --update).
	Git []resolve.Component
	// Tarballs are pinned by sha256: their bytes are checked when fetched, not here.
	Tarballs []resolve.Component
}

// DirChecked is one dir source Check read.
type DirChecked struct {
	ID         string
	Files      int
	Read       int  // files whose contents were read; the others' stamps were unchanged
	Recorded   bool // whether the cache held the locked files' stamps
	Unchanged  bool
	Components []string // it, then the components bundled in it
}

// Check resolves the project against its lock and reads every dir source again, to see
// that it still holds the locked tree: only the files whose stamps (size, times, inode)
// changed since they were last read are hashed again. Remote git refs and tarball bytes
// are not checked: Checked says which.
func Check(ctx context.Context, o Options, set spec.Set, lk lock.File) (resolve.Graph, Checked, hcl.Diagnostics, error) {
	g, diags := resolve.Resolve(set, lk)
	var ck Checked
	if diags.HasErrors() {
		return g, ck, diags, nil
	}
	ck.Components = len(g.Components)
	for _, rc := range g.Components {
		switch rc.Source.Kind {
		case spec.Git:
			ck.Git = append(ck.Git, rc)
		case spec.Tarball:
			ck.Tarballs = append(ck.Tarballs, rc)
		case spec.Dir:
			c, ok := set.Component(rc.ID)
			if lib, isLib := lk.Library(rc.Name); !ok && isLib {
				c, _, _ = libraryComponent(set, lib) // a library recipe's directory
			}
			t, scan, err := o.Fetcher.ScanDir(ctx, rc.ID, c.Source, rc.Source.SHA256, o.jobs())
			if err != nil {
				return g, ck, diags, err
			}
			dc := DirChecked{ID: rc.ID, Files: scan.Files, Read: scan.Read, Recorded: scan.Recorded,
				Unchanged: t.Digest() == rc.Source.SHA256, Components: bundledIn(g, rc.ID)}
			ck.Dirs = append(ck.Dirs, dc)
			if !dc.Unchanged {
				diags = append(diags, dirChanged(c, dc, scan))
			}
		}
	}
	return g, ck, diags, nil
}

// bundledIn is id and the components of g bundled in it.
func bundledIn(g resolve.Graph, id string) []string {
	out := []string{id}
	for _, rc := range g.Components {
		if rc.Source.Kind == spec.Bundled && rc.Source.Of == id {
			out = append(out, rc.ID)
		}
	}
	return out
}

// dirChanged says which files of a dir source changed since it was locked, when the cache
// knows the locked files, and which components that leaves stale.
func dirChanged(c spec.Component, dc DirChecked, scan source.DirScan) *hcl.Diagnostic {
	subject := c.Source.Range
	if r, ok := c.Source.Attrs["path"]; ok {
		subject = r
	}
	var b strings.Builder
	fmt.Fprintf(&b, "The files of %s (%s) changed since they were locked", c.ID(), c.Source.Path)
	switch {
	case !scan.Recorded:
		b.WriteString(" (which ones is not known: this cache holds no record of the locked files).")
	case len(scan.Modified)+len(scan.Added)+len(scan.Removed) == 0:
		b.WriteString(": no file's contents, but modes, symbolic links or directories.")
	default:
		b.WriteString(":")
		for _, l := range []struct {
			what  string
			paths []string
		}{{"modified", scan.Modified}, {"added", scan.Added}, {"removed", scan.Removed}} {
			if len(l.paths) > 0 {
				fmt.Fprintf(&b, "\n  %s: %s", l.what, firstFew(l.paths, 8))
			}
		}
	}
	if len(dc.Components) > 1 {
		fmt.Fprintf(&b, "\nAffected, being bundled in it (%d): %s.", len(dc.Components)-1, resolve.ByKind(dc.Components[1:]))
	}
	fmt.Fprintf(&b, "\nRun `mwedition lock` to lock the new files (or `mwedition lock --update %s`).", c.Name)
	affected := append([]string(nil), dc.Components...)
	sort.Strings(affected)
	return &hcl.Diagnostic{Severity: hcl.DiagError, Summary: "Stale lock", Detail: b.String(), Subject: subject.Ptr(),
		Extra: resolve.Stale{Component: c.ID(), Affected: affected}}
}

func firstFew(paths []string, n int) string {
	if len(paths) <= n {
		return strings.Join(paths, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(paths[:n], ", "), len(paths)-n)
}
