package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// BuildFormat names the encoding of a build record; it changes when the encoding does.
const BuildFormat = "mwedition-build-record-v1"

// BuildRecord is what one build used: every action it took from the cache or ran, and every
// entry of the store it asked about or wrote. gc keeps what the last few builds used, so the
// next build of the same lock finds it all again.
type BuildRecord struct {
	Format   string    `json:"format"`
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Project  string    `json:"project"` // the project directory, for people reading the list
	OK       bool      `json:"ok"`      // every action succeeded
	// Actions are sorted by key; Entries are store-relative names (see EntryOf), sorted.
	Actions []ActionUse `json:"actions"`
	Entries []string    `json:"entries"`

	// Name is the record's file name under builds/; it is not stored in the file.
	Name string `json:"-"`
}

// ActionUse is one action of a build: its cache key, and its kind for `cache ls`.
type ActionUse struct {
	Key  string `json:"key"`
	Kind string `json:"kind"`
}

// ActionRel is the store-relative name of the action record for key, as the engine's
// DirCache lays them out under actions/.
func ActionRel(key string) string {
	if len(key) < 2 {
		return ""
	}
	return "actions/" + key[:2] + "/" + key
}

// RecordBuild writes r under builds/, atomically: a crash leaves the old list of builds, never
// a half-written record. It fills in Format and Name, and sorts Actions and Entries.
func (s *Store) RecordBuild(r BuildRecord) (BuildRecord, error) {
	r.Format = BuildFormat
	r.Started, r.Finished = r.Started.UTC(), r.Finished.UTC()
	r.Actions = slices.Clone(r.Actions)
	slices.SortFunc(r.Actions, func(a, b ActionUse) int { return strings.Compare(a.Key, b.Key) })
	r.Actions = slices.Compact(r.Actions)
	r.Entries = slices.Compact(slices.Sorted(slices.Values(r.Entries)))
	if r.Actions == nil {
		r.Actions = []ActionUse{}
	}
	if r.Entries == nil {
		r.Entries = []string{}
	}
	b, err := json.Marshal(r)
	if err != nil {
		return r, fmt.Errorf("encoding the build record: %w", err)
	}
	b = append(b, '\n')
	// The finishing time first, so that names sort as builds finished; the content's hash
	// after it, so that two builds finishing in the same nanosecond keep both records.
	r.Name = r.Finished.Format("20060102T150405.000000000Z") + "-" + hashString(string(b))[:12] + ".json"
	if err := s.writeFile(filepath.Join(s.root, "builds", r.Name), b); err != nil {
		return r, fmt.Errorf("recording the build in %s: %w", filepath.Join(s.root, "builds"), err)
	}
	return r, nil
}

// Builds reads every build record, newest first. A record that does not decode is an error
// naming it: gc must not guess what a build needed.
func (s *Store) Builds() ([]BuildRecord, error) {
	dir := filepath.Join(s.root, "builds")
	ents, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("listing the build records: %w", err)
	}
	var out []BuildRecord
	for _, e := range ents {
		if !isBuildRecord(e.Name()) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("reading build record: %w", err)
		}
		var r BuildRecord
		dec := json.NewDecoder(bytes.NewReader(b))
		if err := dec.Decode(&r); err != nil || r.Format != BuildFormat {
			if err == nil {
				err = fmt.Errorf("format %q, want %q", r.Format, BuildFormat)
			}
			return nil, fmt.Errorf("build record %s: %w; delete it if no build needs what it lists", filepath.Join(dir, e.Name()), err)
		}
		r.Name = e.Name()
		out = append(out, r)
	}
	slices.SortFunc(out, func(a, b BuildRecord) int {
		if c := b.Finished.Compare(a.Finished); c != 0 {
			return c
		}
		return strings.Compare(b.Name, a.Name)
	})
	return out, nil
}

// isBuildRecord tells records from work in progress (writeFile's temporary names live in
// tmp/, but a copy made by hand might leave anything).
func isBuildRecord(name string) bool {
	return strings.HasSuffix(name, ".json") && !strings.HasPrefix(name, ".")
}
