package fstree

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync"

	"golang.org/x/sync/errgroup"
)

// ScanOptions control Scan.
type ScanOptions struct {
	Exclude []string // patterns (see Match) of paths left out
	Skip    []string // paths left out with everything below them (other components' sub-trees)
	Src     string   // prefix of every file's Src, the scanned root's path inside the store
	Jobs    int      // files hashed at once; at least 1
	// Known are digests taken earlier, by path: a file whose stamp is as recorded is not
	// read again. The caller keeps only stamps it can trust (see Stamp).
	Known map[string]Hashed
	// Stamps asks for every file's stamp and digest in ScanInfo.Hashed, to be Known later.
	Stamps bool
}

// ScanInfo describes what Scan read.
type ScanInfo struct {
	Files    int
	Bytes    int64
	MaxMTime int64 // newest regular file or symlink, in Unix seconds: the tree's source time
	Read     int   // files whose contents were read; the others' digests were Known
	// Hashed is every file's stamp and digest, with ScanOptions.Stamps. A file whose stamp
	// cannot be had has a zero one, which never matches.
	Hashed map[string]Hashed
}

// Stamp is what a file's inode says about it without reading it. A file whose size, times
// and inode are as they were when it was hashed is taken to hold the same bytes, as git's
// index does; the change time cannot be set back by a program, so restoring an old
// modification time after an edit does not hide it. A stamp taken less than a clock tick
// before a write can equal the stamp after it: whoever keeps stamps drops those that were
// recent when they were taken.
type Stamp struct {
	Size  int64  `json:"size"`
	MTime int64  `json:"mtime"` // nanoseconds since the epoch
	CTime int64  `json:"ctime"` // nanoseconds since the epoch
	Inode uint64 `json:"inode"`
}

// Hashed is a file's digest and the stamp the file had when it was read.
type Hashed struct {
	Stamp
	Digest string `json:"sha256"`
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 256<<10); return &b }}

// Scan walks the directory root (never following symlinks) and returns its normalised tree.
// Files are hashed by a bounded pool while the walk goes on; contents are streamed, never
// held whole.
func Scan(ctx context.Context, root string, opt ScanOptions) (Tree, ScanInfo, error) {
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(max(opt.Jobs, 1))
	s := &scanner{g: g, src: opt.Src, known: opt.Known, stamps: opt.Stamps}
	walkErr := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if gctx.Err() != nil {
			return gctx.Err()
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		if rel == "." {
			return nil
		}
		rel = filepath.ToSlash(rel)
		if skipped(rel, opt) {
			if d.IsDir() {
				return filepath.SkipDir
			}
			return nil
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		return s.add(p, rel, fi)
	})
	if err := g.Wait(); err != nil && walkErr == nil {
		walkErr = err
	}
	if walkErr != nil {
		return Tree{}, ScanInfo{}, fmt.Errorf("scanning %s: %w", root, walkErr)
	}
	t, err := s.tree()
	if err != nil {
		return Tree{}, ScanInfo{}, fmt.Errorf("scanning %s: %w", root, err)
	}
	return t, s.info, nil
}

// scanner collects the entries of a walk in walk order; each file's digest arrives later,
// from the hashing pool, through its slot in hashes.
type scanner struct {
	g       *errgroup.Group
	src     string
	known   map[string]Hashed
	stamps  bool
	entries []Entry
	hashes  []*string // one per File entry, in order
	stamped []Stamp   // one per File entry, in order, with stamps
	info    ScanInfo
}

// add records one walked path and starts hashing it if it is a regular file.
func (s *scanner) add(p, rel string, fi fs.FileInfo) error {
	switch {
	case fi.IsDir():
		s.entries = append(s.entries, Entry{Path: rel, Type: Dir})
	case fi.Mode().IsRegular():
		e := Entry{Path: rel, Type: File, Exec: fi.Mode().Perm()&0o111 != 0, Size: fi.Size(), Src: path.Join(s.src, rel)}
		digest := new(string)
		s.hashes = append(s.hashes, digest)
		s.entries = append(s.entries, e)
		s.info.Files++
		s.info.Bytes += fi.Size()
		s.info.MaxMTime = max(s.info.MaxMTime, fi.ModTime().Unix())
		st, _ := stampOf(fi)
		if s.stamps {
			s.stamped = append(s.stamped, st)
		}
		if k, ok := s.known[rel]; ok && st.Inode != 0 && k.Stamp == st {
			*digest = k.Digest
			return nil
		}
		s.info.Read++
		s.g.Go(func() error {
			h, err := FileSHA256(p)
			if err != nil {
				return err
			}
			*digest = h
			return nil
		})
	case fi.Mode()&fs.ModeSymlink != 0:
		target, err := os.Readlink(p)
		if err != nil {
			return err
		}
		s.entries = append(s.entries, Entry{Path: rel, Type: Symlink, Target: target})
		s.info.MaxMTime = max(s.info.MaxMTime, fi.ModTime().Unix())
	default:
		return fmt.Errorf("%s: unsupported file type %s", rel, fi.Mode().Type())
	}
	return nil
}

// tree is the scanned tree, once every file is hashed.
func (s *scanner) tree() (Tree, error) {
	hi := 0
	if s.stamps {
		s.info.Hashed = make(map[string]Hashed, len(s.hashes))
	}
	for i := range s.entries {
		if s.entries[i].Type == File {
			s.entries[i].Digest = *s.hashes[hi]
			if s.stamps {
				s.info.Hashed[s.entries[i].Path] = Hashed{Stamp: s.stamped[hi], Digest: *s.hashes[hi]}
			}
			hi++
		}
	}
	return New(s.entries)
}

func skipped(rel string, opt ScanOptions) bool {
	for _, s := range opt.Skip {
		if Under(rel, s) {
			return true
		}
	}
	for _, pat := range opt.Exclude {
		if Match(pat, rel) {
			return true
		}
	}
	return false
}

// FileSHA256 is the lowercase hex SHA-256 of a file's bytes: how trees name file contents,
// and how out/SHA256SUMS, verify and image bases name files.
func FileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.IsDir() {
		return "", fmt.Errorf("%s is a directory, not a file", p)
	}
	h := sha256.New()
	buf := bufPool.Get().(*[]byte)
	defer bufPool.Put(buf)
	if _, err := io.CopyBuffer(h, f, *buf); err != nil {
		return "", fmt.Errorf("hashing %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// CheckPattern validates an exclude pattern: relative, slash-separated, each segment a
// path.Match pattern or "**".
func CheckPattern(p string) error {
	if p == "" || strings.HasPrefix(p, "/") {
		return fmt.Errorf("%q must be a relative pattern such as \"tests\" or \"**/.git\"", p)
	}
	for _, seg := range strings.Split(p, "/") {
		switch seg {
		case "..", ".", "":
			return fmt.Errorf("%q: segment %q is not allowed", p, seg)
		case "**":
			continue
		}
		if _, err := path.Match(seg, ""); err != nil {
			return fmt.Errorf("%q: %v", p, err)
		}
	}
	return nil
}

// Match reports whether rel (a slash-separated path from the tree's root) matches pattern.
// As in .gitignore, a pattern without a slash matches that name at any depth; "**" matches
// any number of directories. Invalid patterns match nothing (CheckPattern them first).
func Match(pattern, rel string) bool {
	if !strings.Contains(pattern, "/") {
		pattern = "**/" + pattern
	}
	return matchSegs(strings.Split(pattern, "/"), strings.Split(rel, "/"))
}

func matchSegs(pat, segs []string) bool {
	for len(pat) > 0 {
		if pat[0] == "**" {
			for i := 0; i <= len(segs); i++ {
				if matchSegs(pat[1:], segs[i:]) {
					return true
				}
			}
			return false
		}
		if len(segs) == 0 {
			return false
		}
		if ok, err := path.Match(pat[0], segs[0]); err != nil || !ok {
			return false
		}
		pat, segs = pat[1:], segs[1:]
	}
	return len(segs) == 0
}

// CopyFile copies the file from to a new file to (it must not exist) with permissions perm.
// On an error, to may be left partly written; callers copy into a temp name or directory
// they remove.
func CopyFile(from, to string, perm fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// ReplaceDir moves the complete directory tmp to dir. An existing dir is moved aside first
// and removed once the new one is in place, or put back if that fails.
func ReplaceDir(tmp, dir string) error {
	old := ""
	if _, err := os.Lstat(dir); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return err
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return err
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
