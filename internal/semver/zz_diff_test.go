package semver

// TEMPORARY differential test against PHP composer/semver; not committed.

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func composerRender(c Constraint) string {
	var gs []string
	for _, g := range c.groups {
		var ts []string
		for _, t := range g {
			ts = append(ts, t.composerString())
		}
		if len(ts) == 1 {
			gs = append(gs, ts[0])
		} else {
			gs = append(gs, "["+strings.Join(ts, " ")+"]")
		}
	}
	if len(gs) == 1 {
		return gs[0]
	}
	return "[" + strings.Join(gs, " || ") + "]"
}

var diffProbes = []string{"0", "0.0.0-dev", "0.1", "0.5.3", "1.0.0-dev", "1.0.0-alpha", "1.0.0-beta2", "1.0.0-RC1", "1.0.0-RC1-dev",
	"1.0.0", "1.0.0-p1", "1.0.1", "1.1", "1.2.3", "1.2.3.4", "1.x-dev", "2.0.0-beta1", "2.0", "2.1", "3.0", "10.0",
	"1.0-Stable", "20100102", "2010.01.02", "2010-01-02", "dev-master", "dev-foo", "dev-1.x", "9999999", "1.39.17",
	"7.4.3", "8.2.7", "00.1", "99999999999999999999.1-dev", "0.0.0.0-alpha", "1.0.0-beta", "1.0.0-b2.1", "2.0.0.0-dev", "2010.01"}

func randConstraint(r *rand.Rand) string {
	ops := []string{"", "", "", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "~", "^", "~>", ">= ", "< ", "v", "V"}
	nums := []string{"0", "1", "2", "3", "00", "01", "10", "2010", "20100102", "201903", "9223372036854775807", "99999999999999999999"}
	wild := []string{"x", "X", "*"}
	mods := []string{"", "", "", "-dev", "-beta", "b2", "-RC1", "rc", "RC", "-p1", "pl2", "-stable", "-Stable", "-alpha.1", ".x-dev", "-beta-dev", ".dev", "_", "-", ".", "+build", "+b.1", "-meh", "-alpha2.1-3", "x-dev", ".*-dev"}
	flags := []string{"", "", "", "", "@dev", "@stable", "@beta", "@RC", "@Dev", "@STABLE", "#ref"}
	seps := []string{" ", ",", " , ", ", ", "  ", " || ", "||", "|", " | ", " - ", "\t", "\n", " \n ", "\v||", ",,", " as ", "-", " -"}
	ver := func() string {
		if r.Intn(12) == 0 {
			return []string{"dev-master", "dev-foo bar", "foo-dev", "master", "trunk", "dev-1.x", "2010-01-02", "a.b.c", "*", "x", "*.*", "", "@dev"}[r.Intn(13)]
		}
		var b strings.Builder
		n := 1 + r.Intn(5)
		for i := 0; i < n; i++ {
			if i > 0 {
				b.WriteString([]string{".", ".", ".", "-", ":"}[r.Intn(5)])
			}
			if i > 0 && r.Intn(5) == 0 {
				b.WriteString(wild[r.Intn(3)])
			} else {
				b.WriteString(nums[r.Intn(len(nums))])
			}
		}
		b.WriteString(mods[r.Intn(len(mods))])
		return b.String()
	}
	var b strings.Builder
	n := 1 + r.Intn(4)
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(seps[r.Intn(len(seps))])
		}
		b.WriteString(ops[r.Intn(len(ops))])
		b.WriteString(ver())
		b.WriteString(flags[r.Intn(len(flags))])
	}
	s := b.String()
	if r.Intn(10) == 0 {
		bs := []byte(s)
		if len(bs) > 0 {
			bs[r.Intn(len(bs))] = byte(r.Intn(128))
		}
		s = string(bs)
	}
	return s
}

func corpusStrings(t *testing.T, dirs ...string) []string {
	var out []string
	for _, d := range dirs {
		files, _ := filepath.Glob(filepath.Join(d, "*"))
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				continue
			}
			lines := strings.SplitN(string(b), "\n", 2)
			if len(lines) < 2 {
				continue
			}
			body := strings.TrimSpace(lines[1])
			s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(body, "string("), ")"))
			if err == nil {
				out = append(out, s)
			}
		}
	}
	return out
}

func TestDifferentialPHP(t *testing.T) {
	if _, err := exec.LookPath("php"); err != nil {
		t.Skip("no php")
	}
	cache := filepath.Join(os.Getenv("HOME"), ".cache/go-build/fuzz/github.com/mwedition/mwedition/internal/semver")
	constraints := corpusStrings(t, "testdata/fuzz/FuzzParseConstraint", filepath.Join(cache, "FuzzParseConstraint"))
	versions := corpusStrings(t, "testdata/fuzz/FuzzParseVersion", filepath.Join(cache, "FuzzParseVersion"))
	seed, _ := strconv.Atoi(os.Getenv("DIFFSEED"))
	r := rand.New(rand.NewSource(int64(seed)))
	nrand, _ := strconv.Atoi(os.Getenv("DIFFN"))
	for i := 0; i < nrand; i++ {
		c := randConstraint(r)
		constraints = append(constraints, c)
		versions = append(versions, c)
	}
	versions = append(versions, constraints...)
	enc := func(ss []string) []string {
		o := make([]string, len(ss))
		for i, s := range ss {
			o[i] = base64.StdEncoding.EncodeToString([]byte(s))
		}
		return o
	}
	in, _ := json.Marshal(map[string][]string{"probes": enc(diffProbes), "versions": enc(versions), "constraints": enc(constraints)})
	cmd := exec.Command("php", "-d", "memory_limit=-1", "/tmp/diff/ref.php")
	cmd.Stdin = bytes.NewReader(in)
	outb, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	var out struct {
		Versions    []*string
		Constraints []*[2]string
	}
	if err := json.Unmarshal(outb, &out); err != nil {
		t.Fatal(err, string(outb[:min(len(outb), 500)]))
	}
	dec := func(s string) string { b, _ := base64.StdEncoding.DecodeString(s); return string(b) }
	probes := make([]Version, len(diffProbes))
	for i, s := range diffProbes {
		probes[i] = mustVersion(t, s)
	}
	bad := 0
	for i, s := range versions {
		v, err := ParseVersion(s)
		php := out.Versions[i]
		switch {
		case php == nil && err == nil:
			t.Errorf("version %q: php error, go %q", s, v)
			bad++
		case php != nil && err != nil:
			t.Errorf("version %q: php %q, go error", s, dec(*php))
			bad++
		case php != nil && dec(*php) != v.String():
			t.Errorf("version %q: php %q, go %q", s, dec(*php), v)
			bad++
		}
		if bad > 30 {
			t.FailNow()
		}
	}
	for i, s := range constraints {
		c, err := ParseConstraint(s)
		php := out.Constraints[i]
		switch {
		case php == nil && err == nil:
			t.Errorf("constraint %q: php error, go %s", s, composerRender(c))
			bad++
		case php != nil && err != nil:
			t.Errorf("constraint %q: php %s, go error %v", s, dec(php[0]), err)
			bad++
		case php != nil:
			m := ""
			for _, p := range probes {
				if c.Matches(p) {
					m += "1"
				} else {
					m += "0"
				}
			}
			if dec(php[0]) != composerRender(c) || m != php[1] {
				t.Errorf("constraint %q: php %s %s, go %s %s", s, dec(php[0]), php[1], composerRender(c), m)
				bad++
			}
		}
		if bad > 30 {
			t.FailNow()
		}
	}
	t.Logf("compared %d versions, %d constraints", len(versions), len(constraints))
}
