package repro

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Host is what the caller of verify runs with: the conditions the rebuild moves away from.
type Host struct {
	Env     map[string]string // the caller's environment
	Umask   int
	Jobs    int  // the caller's -j
	JobsSet bool // -j was given: the rebuild uses it as it is
	NumCPU  int
}

// Conditions are how the rebuild runs. Each differs from the caller's where it must not
// matter; SOURCE_DATE_EPOCH is the original build's when it had one (it clamps times, so
// it matters), else later than every source time (which must change nothing).
type Conditions struct {
	TZ              string
	Locale          string
	Umask           int
	Home            string
	Jobs            int
	SourceDateEpoch int64
	// SDEChosen says the original had no SOURCE_DATE_EPOCH and the rebuild sets one.
	SDEChosen bool
	Path      string // PATH, with a directory that does not exist appended
}

// Timezones and locales that differ from common ones and from each other (the ones
// reprotest uses: GMT+12 and GMT-14 are a day apart; et_EE sorts ASCII unusually).
var (
	timezones = []string{"GMT-14", "GMT+12"}
	locales   = []string{"et_EE.UTF-8", "C.UTF-8"}
)

func other(choices []string, current string) string {
	for _, c := range choices {
		if c != current {
			return c
		}
	}
	return choices[0]
}

// Vary chooses the rebuild's conditions. sde is the original build's SOURCE_DATE_EPOCH
// (nil: it had none); newest is the newest source time of the lock; home is a directory that
// does not exist.
func Vary(h Host, sde *int64, newest int64, home string) Conditions {
	c := Conditions{
		TZ:     other(timezones, h.Env["TZ"]),
		Locale: other(locales, firstSet(h.Env["LC_ALL"], h.Env["LANG"])),
		Home:   home,
		Umask:  0o077,
		Jobs:   1,
		Path:   strings.TrimSuffix(h.Env["PATH"], ":") + ":/i_capture_the_path",
	}
	if h.Env["PATH"] == "" {
		c.Path = "/usr/local/bin:/usr/bin:/bin:/i_capture_the_path"
	}
	if h.Umask == 0o077 {
		c.Umask = 0o002
	}
	switch {
	case h.JobsSet:
		c.Jobs = h.Jobs
	case h.NumCPU <= 1:
		c.Jobs = 2 // the original's default was one worker
	}
	if sde != nil {
		c.SourceDateEpoch = *sde
	} else {
		// One second after the newest source time: a clamp that misses by one shows.
		c.SourceDateEpoch, c.SDEChosen = newest+1, true
	}
	return c
}

func firstSet(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// Environ is the rebuild's environment: the caller's, with the varied variables replaced
// and two that only a leaky build would notice added.
func (c Conditions) Environ(env map[string]string) []string {
	m := make(map[string]string, len(env)+8)
	for k, v := range env {
		m[k] = v
	}
	for _, k := range []string{"LANGUAGE", "LC_CTYPE", "LC_COLLATE", "LC_TIME", "LC_NUMERIC", "LC_MESSAGES", "XDG_CACHE_HOME", "MWEDITION_CACHE"} {
		delete(m, k)
	}
	m["TZ"] = c.TZ
	m["LC_ALL"], m["LANG"] = c.Locale, c.Locale
	m["HOME"] = c.Home
	m["PATH"] = c.Path
	m["SOURCE_DATE_EPOCH"] = strconv.FormatInt(c.SourceDateEpoch, 10)
	m["CAPTURE_ENVIRONMENT"] = "i_capture_the_environment"
	if c.Jobs == 1 {
		m["GOMAXPROCS"] = "1"
	} else {
		delete(m, "GOMAXPROCS")
	}
	out := make([]string, 0, len(m))
	for k, v := range m {
		out = append(out, k+"="+v)
	}
	sort.Strings(out)
	return out
}

// Describe says, in one line per condition, how the rebuild differs from the caller.
func (c Conditions) Describe(projectCopy string) []string {
	sde := fmt.Sprintf("SOURCE_DATE_EPOCH=%d, as the original build", c.SourceDateEpoch)
	if c.SDEChosen {
		sde = fmt.Sprintf("SOURCE_DATE_EPOCH=%d, one second after the newest source time (the original build had none: it must change nothing)", c.SourceDateEpoch)
	}
	return []string{
		"build path " + projectCopy + " (a copy of the project)",
		"TZ=" + c.TZ,
		fmt.Sprintf("umask %04o", c.Umask),
		"LC_ALL=LANG=" + c.Locale,
		"HOME=" + c.Home + " (does not exist)",
		fmt.Sprintf("-j %d", c.Jobs),
		sde,
		"PATH ending in /i_capture_the_path, CAPTURE_ENVIRONMENT set",
		"a cold cache holding only the pinned sources",
	}
}
