package dnf

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	rpmutils "github.com/sassoftware/go-rpmutils"

	"github.com/mwedition/mwedition/internal/repo"
	"github.com/mwedition/mwedition/internal/signature"
	"github.com/mwedition/mwedition/internal/tarfile"
)

// Options describe the repository for its users.
type Options struct {
	// Time is the repository's time: repomd.xml's revision and timestamps, and the date of
	// its signature. Zero means the newest package's build time, so that the same packages
	// give the same bytes.
	Time time.Time
	// Signer signs repomd.xml; its public key is published beside it. Required: dnf users
	// are told to set repo_gpgcheck=1.
	Signer *signature.Signer
	// ID names the repository in the .repo file ([ID], ID.repo) and the key file
	// (RPM-GPG-KEY-ID). Default DefaultID.
	ID string
	// Name is the .repo file's human-readable name. Default "MediaWiki editions (ID)".
	Name string
	// BaseURL is where users reach the repository's root: the .repo file's baseurl, and the
	// key's URL under it. Required.
	BaseURL string
}

// DefaultID is the repository id when Options.ID is empty.
const DefaultID = "mwedition"

var idRE = regexp.MustCompile(`^[A-Za-z0-9_.:-]+$`)

// Paths of the metadata.
const (
	RepomdPath = "repodata/repomd.xml"
	SigPath    = RepomdPath + ".asc"
)

// KeyPath is where the public key is published: RPM-GPG-KEY-<id>, as distributions name theirs.
func KeyPath(id string) string { return "RPM-GPG-KEY-" + id }

// RepoFilePath is where the .repo file for users is published: <id>.repo.
func RepoFilePath(id string) string { return id + ".repo" }

// checksummed matches the names of repodata files that carry their own checksum.
var checksummed = regexp.MustCompile(`^repodata/[0-9a-f]{64}-[a-z_]+\.xml\.gz$`)

// Retain reports whether a metadata path names its content by checksum, so that a client
// holding an older repomd.xml can still fetch it after a newer publish: what the publisher
// should carry into new generations for a while.
func Retain(path string) bool { return checksummed.MatchString(path) }

// Metadata writes the repository's metadata for pkgs (in any order): repodata/ (primary,
// filelists and other, gzip-compressed under checksum-prefixed names; repomd.xml and its
// signature), the public key and the .repo file, sorted by path.
func Metadata(pkgs []Package, opt Options) ([]repo.File, error) {
	opt, err := opt.checked()
	if err != nil {
		return nil, err
	}
	pkgs, err = sortPackages(pkgs)
	if err != nil {
		return nil, err
	}
	t, err := metadataTime(pkgs, opt.Time)
	if err != nil {
		return nil, err
	}
	files, repomd, err := repodata(pkgs, strconv.FormatInt(t.Unix(), 10))
	if err != nil {
		return nil, err
	}
	sig, err := opt.Signer.DetachArmored(bytes.NewReader(repomd), t)
	if err != nil {
		return nil, fmt.Errorf("dnf repository: signing repomd.xml: %w", err)
	}
	key, err := opt.Signer.ArmoredPublicKey()
	if err != nil {
		return nil, err
	}
	files = append(files,
		repo.File{Path: RepomdPath, Data: repomd},
		repo.File{Path: SigPath, Data: sig},
		repo.File{Path: KeyPath(opt.ID), Data: key},
		repo.File{Path: RepoFilePath(opt.ID), Data: repoFile(opt)},
	)
	slices.SortFunc(files, func(a, b repo.File) int { return strings.Compare(a.Path, b.Path) })
	return files, nil
}

// checked fills in the default id and name and refuses options that would make a
// repository dnf cannot check or a broken .repo file.
func (opt Options) checked() (Options, error) {
	if opt.Signer == nil {
		return opt, errors.New("dnf repository: a signing key is required (repomd.xml is checked with repo_gpgcheck=1)")
	}
	if opt.ID == "" {
		opt.ID = DefaultID
	}
	if !idRE.MatchString(opt.ID) {
		return opt, fmt.Errorf("dnf repository id %q: use letters, digits and _ . : -", opt.ID)
	}
	if opt.Name == "" {
		opt.Name = "MediaWiki editions (" + opt.ID + ")"
	}
	if opt.BaseURL == "" || strings.ContainsAny(opt.BaseURL+opt.Name, "\n\r") {
		return opt, fmt.Errorf("dnf repository: base URL %q and name %q must be one line, and the URL is required", opt.BaseURL, opt.Name)
	}
	return opt, nil
}

// metadataTime is the given time, else the newest package's build time.
func metadataTime(pkgs []Package, t time.Time) (time.Time, error) {
	if !t.IsZero() {
		return t, nil
	}
	for _, p := range pkgs {
		t = later(t, time.Unix(p.BuildTime, 0))
	}
	if t.IsZero() {
		return t, errors.New("dnf repository: no packages and no time given")
	}
	return t, nil
}

// repodata writes primary, filelists and other, compressed under checksum-prefixed
// names, and the repomd.xml that lists them.
func repodata(pkgs []Package, stamp string) ([]repo.File, []byte, error) {
	var files []repo.File
	var repomd xmlWriter
	repomd.WriteString(xmlDecl)
	repomd.start(0, "repomd", attrs{{"xmlns", nsRepo}, {"xmlns:rpm", nsRPM}})
	repomd.text(1, "revision", nil, stamp)
	for _, md := range []struct {
		typ  string
		data []byte
	}{
		{"primary", primaryXML(pkgs)},
		{"filelists", filelistsXML(pkgs)},
		{"other", otherXML(pkgs)},
	} {
		gz, err := gzipBytes(md.data)
		if err != nil {
			return nil, nil, fmt.Errorf("dnf repository: compressing %s: %w", md.typ, err)
		}
		sum := sha256hex(gz)
		path := "repodata/" + sum + "-" + md.typ + ".xml.gz"
		files = append(files, repo.File{Path: path, Data: gz})
		repomd.start(1, "data", attrs{{"type", md.typ}})
		repomd.text(2, "checksum", attrs{{"type", "sha256"}}, sum)
		repomd.text(2, "open-checksum", attrs{{"type", "sha256"}}, sha256hex(md.data))
		repomd.empty(2, "location", attrs{{"href", path}})
		repomd.text(2, "timestamp", nil, stamp)
		repomd.text(2, "size", nil, strconv.Itoa(len(gz)))
		repomd.text(2, "open-size", nil, strconv.Itoa(len(md.data)))
		repomd.end(1, "data")
	}
	repomd.end(0, "repomd")
	return files, repomd.Bytes(), nil
}

// repoFile is the .repo file clients install.
func repoFile(opt Options) []byte {
	base := strings.TrimRight(opt.BaseURL, "/")
	// skip_if_unavailable=False: a repository that fails verification must stop the
	// transaction, not be skipped quietly (some dnf builds default to skipping it).
	return []byte(fmt.Sprintf(`[%s]
name=%s
baseurl=%s
enabled=1
gpgcheck=1
repo_gpgcheck=1
skip_if_unavailable=False
gpgkey=%s/%s
`, opt.ID, opt.Name, base, base, KeyPath(opt.ID)))
}

func later(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sha256hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// gzipBytes compresses at level 9, whose output has changed least between Go releases; the
// header has no name and no time.
func gzipBytes(b []byte) ([]byte, error) {
	var out bytes.Buffer
	zw, err := tarfile.StdGzipBest.NewWriter(&out)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(b); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// CompareEVR orders two [epoch:]version-release as rpm does.
func CompareEVR(a, b Package) int {
	ea, _ := strconv.ParseUint(a.Epoch, 10, 64)
	eb, _ := strconv.ParseUint(b.Epoch, 10, 64)
	return cmp.Or(cmp.Compare(ea, eb), rpmutils.Vercmp(a.Version, b.Version), rpmutils.Vercmp(a.Release, b.Release))
}

// sortPackages sorts by name, version (rpm's order), architecture and location, drops a
// package given twice at one location, and refuses two different files of one
// name-epoch:version-release.arch, which dnf could not tell apart.
func sortPackages(pkgs []Package) ([]Package, error) {
	pkgs = slices.Clone(pkgs)
	slices.SortFunc(pkgs, func(a, b Package) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), CompareEVR(a, b),
			// Versions rpm holds equal ("1.0" and "1.00") still sort one way.
			strings.Compare(a.Epoch+":"+a.Version+"-"+a.Release, b.Epoch+":"+b.Version+"-"+b.Release),
			strings.Compare(a.Arch, b.Arch), strings.Compare(a.Href, b.Href), strings.Compare(a.Checksum, b.Checksum))
	})
	out := pkgs[:0]
	for i, p := range pkgs {
		if i > 0 {
			prev := pkgs[i-1]
			if prev.Href == p.Href && prev.Checksum == p.Checksum {
				continue
			}
			if prev.Href == p.Href {
				return nil, fmt.Errorf("dnf repository: %s is given as two different files", p.Href)
			}
			if prev.Name == p.Name && prev.Arch == p.Arch && CompareEVR(prev, p) == 0 {
				return nil, fmt.Errorf("dnf repository: %s and %s are both %s-%s:%s-%s.%s; give the new build a new version or release",
					prev.Href, p.Href, p.Name, p.Epoch, p.Version, p.Release, p.Arch)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// Keep selects, of pkgs, the newest n versions of each package name (all of them if n < 1):
// older versions stay published for a while so that users can go back to them.
func Keep(pkgs []Package, n int) []Package {
	if n < 1 {
		return slices.Clone(pkgs)
	}
	byName := map[string][]Package{}
	for _, p := range pkgs {
		byName[p.Name] = append(byName[p.Name], p)
	}
	var out []Package
	for _, ps := range byName {
		slices.SortStableFunc(ps, func(a, b Package) int { return CompareEVR(b, a) })
		// Versions, not files: several architectures of one version count once.
		versions := 0
		for i, p := range ps {
			if i == 0 || CompareEVR(ps[i-1], p) != 0 {
				versions++
			}
			if versions > n {
				break
			}
			out = append(out, p)
		}
	}
	slices.SortFunc(out, func(a, b Package) int {
		return cmp.Or(strings.Compare(a.Name, b.Name), CompareEVR(a, b), strings.Compare(a.Href, b.Href))
	})
	return out
}
