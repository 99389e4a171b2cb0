// Package debroot makes the root file system of a locked Debian base, offline: the pinned
// .debs come out of the cache (each checked against its pin's SHA-256), are served to
// mmdebstrap as a private repository, and the root it installs is checked against the
// pins and split into a few layers that every edition on the base shares.
package debroot

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/mwedition/mwedition/internal/cache"
	"github.com/mwedition/mwedition/internal/lock"
)

// Layout names the rules that turn a locked base into a root and its layers beyond what
// the lock holds (mmdebstrap's options and hooks, the split, the tar headers): change it
// whenever the bytes change for the same lock, so that cached bases are rebuilt.
const Layout = "mwedition-debroot-v1"

// Options say where a root is made and with which programs.
type Options struct {
	Store *cache.Store
	// Work is an empty scratch directory, on a file system with room for the root; the
	// caller removes it.
	Work string
	// Mmdebstrap and ScanPackages are the programs; "" for mmdebstrap and dpkg-scanpackages.
	Mmdebstrap, ScanPackages string
}

// searchPath is the programs' PATH: fixed, since what the root holds must not depend on
// the caller's environment.
const searchPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Root makes b's root file system as a tar at dst: the pinned .debs, checked, in a
// private repository under o.Work, installed by mmdebstrap as root with the base's time
// as SOURCE_DATE_EPOCH. The root's sources.list names the archives the base was locked
// from, not the private repository, so that apt works inside a container.
func Root(ctx context.Context, o Options, b lock.DebianBase, dst string) error {
	if len(b.Packages) == 0 {
		return fmt.Errorf("debian base %s: the lock pins no packages; run mwedition lock", b.Name)
	}
	repo := filepath.Join(o.Work, "repo")
	if err := Stage(o.Store, b, repo); err != nil {
		return err
	}
	if err := scanPackages(ctx, o, repo); err != nil {
		return fmt.Errorf("debian base %s: %w", b.Name, err)
	}
	args, err := mmdebstrapArgs(b, repo, dst)
	if err != nil {
		return err
	}
	prog := o.Mmdebstrap
	if prog == "" {
		prog = "mmdebstrap"
	}
	cmd := exec.CommandContext(ctx, prog, args...)
	cmd.Dir = o.Work
	cmd.Env = []string{searchPath, "LC_ALL=C.UTF-8", "TMPDIR=" + o.Work, "HOME=" + o.Work,
		"SOURCE_DATE_EPOCH=" + strconv.FormatInt(b.Time, 10)}
	// mmdebstrap unmounts what it mounted in its chroot when it is asked to stop, not when
	// it is killed.
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = time.Minute
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("debian base %s: mmdebstrap: %w\n%s", b.Name, err, tail(out.String(), 40))
	}
	return nil
}

// scanPackages writes the repository's Packages index from the .debs' own control data.
func scanPackages(ctx context.Context, o Options, repo string) error {
	prog := o.ScanPackages
	if prog == "" {
		prog = "dpkg-scanpackages"
	}
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, prog, "--multiversion", ".", "/dev/null")
	cmd.Dir, cmd.Env = repo, []string{searchPath, "LC_ALL=C.UTF-8"}
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("dpkg-scanpackages: %w\n%s", err, tail(stderr.String(), 20))
	}
	return os.WriteFile(filepath.Join(repo, "Packages"), stdout.Bytes(), 0o644)
}

// mmdebstrapArgs are mmdebstrap's arguments for b: the apt variant plus every pinned
// package, from the private repository only (trusted: the lock checked the archive's
// signatures, Stage the bytes), and the hook that leaves nothing of the build host or of
// the private repository in the root.
func mmdebstrapArgs(b lock.DebianBase, repo, dst string) ([]string, error) {
	if len(b.Suites) == 0 {
		return nil, fmt.Errorf("debian base %s: the lock names no suite; run mwedition lock", b.Name)
	}
	arch, err := architecture(b)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, p := range b.Packages {
		names[p.Name] = true
	}
	include := make([]string, 0, len(names))
	for n := range names {
		include = append(include, n)
	}
	sort.Strings(include)
	return []string{
		"--variant=apt", "--mode=root", "--format=tar", "--architectures=" + arch,
		"--include=" + strings.Join(include, ","),
		"--aptopt=Acquire::Languages \"none\"",
		"--customize-hook=" + customizeHook(b),
		b.Suites[0].Suite, dst,
		// copy://, not file://: apt copies the .debs into the root's cache, which a file://
		// mirror outside the root could not be read from.
		"deb [trusted=yes] copy://" + repo + " ./",
	}, nil
}

// customizeHook removes what mmdebstrap copies from the build host (resolv.conf, the host
// name: a container runtime provides both) and its own apt setting, and writes the
// archives the base was locked from as the root's sources.list.
func customizeHook(b lock.DebianBase) string {
	var sl strings.Builder
	for _, s := range b.Suites {
		fmt.Fprintf(&sl, "deb %s %s main\n", s.Archive, s.Suite)
	}
	return `rm -f "$1/etc/resolv.conf" "$1/etc/hostname" "$1/etc/apt/apt.conf.d/99mmdebstrap" && printf '%s' ` +
		shellQuote(sl.String()) + ` > "$1/etc/apt/sources.list"`
}

// architecture is the one architecture of b's packages besides "all".
func architecture(b lock.DebianBase) (string, error) {
	arch := ""
	for _, p := range b.Packages {
		switch {
		case p.Architecture == "all":
		case arch == "":
			arch = p.Architecture
		case p.Architecture != arch:
			return "", fmt.Errorf("debian base %s: packages of two architectures (%s, %s); a root has one", b.Name, arch, p.Architecture)
		}
	}
	if arch == "" {
		return "", fmt.Errorf("debian base %s: every package is Architecture: all; the root's architecture is unknown", b.Name)
	}
	return arch, nil
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// tail is the last n lines of a program's output, for an error.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// RemoveWork removes a work directory Root used, unless something is still mounted below
// it (the proc and sys file systems mmdebstrap mounts in its chroot, left behind when it
// was killed): removing through those would remove the host's files.
func RemoveWork(dir string) error {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return err
	}
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("cannot tell whether anything is mounted below %s, so it stays: %w", abs, err)
	}
	if m := mountedBelow(string(b), abs); m != "" {
		return fmt.Errorf("%s is still mounted below %s, so it stays: unmount it (umount -R) and remove it", m, abs)
	}
	return os.RemoveAll(abs)
}

// mountedBelow is the first mount point of mountinfo (proc(5)) at or below dir, or "".
func mountedBelow(mountinfo, dir string) string {
	for _, line := range strings.Split(mountinfo, "\n") {
		f := strings.Fields(line)
		if len(f) > 4 && strings.HasPrefix(f[4]+"/", strings.TrimSuffix(dir, "/")+"/") {
			return f[4]
		}
	}
	return ""
}
