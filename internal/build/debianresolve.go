package build

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/mwedition/mwedition/internal/spec"
)

// AptRequest is what a Debian base's resolution asks apt: the packages to install on top
// of Debian's essential set, from the suites of a local mirror, in order of preference.
type AptRequest struct {
	Base     string
	Mirror   []AptSuite
	Packages []string // sorted
}

// AptSuite is one suite of a local file mirror: Dir holds dists/<Suite>/ with the verified
// InRelease and Packages index.
type AptSuite struct {
	Dir, Suite string
}

// AptInstall is one package apt would install.
type AptInstall struct {
	Name, Version, Architecture string
}

// DebianResolver resolves a Debian base's package set as its build will install it.
type DebianResolver func(ctx context.Context, req AptRequest) ([]AptInstall, error)

// resolveDebian lays the verified indexes out as a throwaway file mirror, so that apt
// sees exactly what was verified, and asks the resolver what it would install there.
func (l *locker) resolveDebian(ctx context.Context, b spec.DebianBase, suites []debianSuite, reqs []string) ([]AptInstall, error) {
	tmp, err := os.MkdirTemp(l.o.store().TempDir(), "debian-mirror-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	req := AptRequest{Base: b.Name, Packages: sortedUnion(b.Packages, reqs)}
	for i, s := range suites {
		dir := filepath.Join(tmp, strconv.Itoa(i))
		dists := filepath.Join(dir, "dists", s.lock.Suite)
		if err := os.MkdirAll(filepath.Join(dists, filepath.FromSlash(filepath.Dir(debianIndex))), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dists, "InRelease"), s.inRelease, 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dists, filepath.FromSlash(debianIndex)), s.index, 0o644); err != nil {
			return nil, err
		}
		req.Mirror = append(req.Mirror, AptSuite{Dir: dir, Suite: s.lock.Suite})
	}
	resolver := l.o.DebianResolver
	if resolver == nil {
		resolver = l.mmdebstrapResolver
	}
	installs, err := resolver(ctx, req)
	if err != nil {
		return nil, fmt.Errorf("debian_base %q: resolving %s: %w", b.Name, strings.Join(req.Packages, ", "), err)
	}
	return installs, nil
}

func sortedUnion(a, b []string) []string {
	out := append(append([]string{}, a...), b...)
	sort.Strings(out)
	return slices.Compact(out)
}

// mmdebstrapResolver asks mmdebstrap, simulating the build's own run (variant apt: the
// essential set, apt, then the packages), which packages it would install. apt reads the
// local mirror as trusted: its InRelease files were verified against the base's keyring,
// at the lock's time, just before, and apt still checks each index against them.
func (l *locker) mmdebstrapResolver(ctx context.Context, req AptRequest) ([]AptInstall, error) {
	args := []string{"--verbose", "--variant=apt", "--mode=root", "--format=null", "--simulate",
		"--architectures=amd64", "--aptopt=Acquire::Languages \"none\"",
		// apt would read the mirror as its unprivileged _apt user, whom a private directory
		// anywhere above the cache (a test's temporary one) shuts out.
		"--aptopt=APT::Sandbox::User \"root\"",
		"--include=" + strings.Join(req.Packages, ","), req.Mirror[0].Suite, "/dev/null"}
	for _, m := range req.Mirror {
		args = append(args, fmt.Sprintf("deb [trusted=yes check-valid-until=no] file://%s %s main", m.Dir, m.Suite))
	}
	cmd := exec.CommandContext(ctx, "mmdebstrap", args...)
	cmd.Env = l.o.Fetcher.GitEnv // the CLI's environment: PATH, TMPDIR
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("mmdebstrap: %w\n%s", err, tail(out.String(), 20))
	}
	installs, err := ParseAptInstalls(&out)
	if err != nil {
		return nil, fmt.Errorf("mmdebstrap: %w", err)
	}
	return installs, nil
}

// tail is the last n lines of s: the part of a tool's output that says why it failed.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// instLine is apt-get's simulation line for one package: "Inst NAME [OLD] (VERSION
// RELEASE [ARCH])", with anything after it (the packages it breaks) ignored.
var instLine = regexp.MustCompile(`^Inst (\S+) (?:\[\S+\] )?\((\S+) [^\[\]]*\[([a-z0-9-]+)\]\)`)

// ParseAptInstalls reads apt-get's simulation output (mmdebstrap --simulate prints one
// for the essential set, one for the rest) and returns each package it would install
// once, sorted by name and architecture. A package given two versions is an error: the
// two runs disagree, and the root could not be both.
func ParseAptInstalls(r io.Reader) ([]AptInstall, error) {
	type key struct{ name, arch string }
	seen := map[key]string{}
	var out []AptInstall
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "Inst ") {
			continue
		}
		m := instLine.FindStringSubmatch(line)
		if m == nil {
			return nil, fmt.Errorf("cannot read apt's line %q", line)
		}
		k := key{m[1], m[3]}
		if v, dup := seen[k]; dup {
			if v != m[2] {
				return nil, fmt.Errorf("apt installs %s (%s) at version %s and at %s", m[1], m[3], v, m[2])
			}
			continue
		}
		seen[k] = m[2]
		out = append(out, AptInstall{Name: m[1], Version: m[2], Architecture: m[3]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Architecture < out[j].Architecture
	})
	return out, nil
}
