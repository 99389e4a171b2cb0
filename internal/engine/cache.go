package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrInvalidKey is wrapped by DirCache errors for keys that are not 64
// lowercase hex characters. Keys become file names, so anything else could
// escape the cache directory or collide on case-insensitive file systems.
var ErrInvalidKey = errors.New("invalid cache key")

// DirCache is an on-disk Cache: one small JSON record per key at
// dir/<key[:2]>/<key>. Records are written to a temporary name, synced and
// renamed into place, so a crash never leaves a half-written record, only a
// stray temporary file that lookups ignore. It is safe for concurrent use,
// including by several processes.
type DirCache struct {
	dir string
}

// dirRecord is the on-disk format. Key is repeated inside so a record copied
// or renamed to the wrong place is detected rather than trusted.
type dirRecord struct {
	Key    string `json:"key"`
	Output string `json:"output"`
	Bytes  int64  `json:"bytes"`
}

// NewDirCache returns a DirCache rooted at dir, creating dir if needed.
func NewDirCache(dir string) (*DirCache, error) {
	if dir == "" {
		return nil, errors.New("engine: cache directory is empty")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("engine: create cache directory: %w", err)
	}
	return &DirCache{dir: dir}, nil
}

// Dir returns the cache's root directory.
func (c *DirCache) Dir() string { return c.dir }

func checkKey(key string) error {
	if len(key) != 64 {
		return fmt.Errorf("engine: %w %q: want 64 lowercase hex characters, got %d characters", ErrInvalidKey, key, len(key))
	}
	for i := 0; i < len(key); i++ {
		if b := key[i]; (b < '0' || b > '9') && (b < 'a' || b > 'f') {
			return fmt.Errorf("engine: %w %q: byte %d is not lowercase hex", ErrInvalidKey, key, i)
		}
	}
	return nil
}

func (c *DirCache) path(key string) string {
	return filepath.Join(c.dir, key[:2], key)
}

// Lookup returns the outcome recorded for key. A missing record is a miss,
// not an error; an unreadable or mismatched record is an error, since
// silently treating it as a miss would hide a damaged cache.
func (c *DirCache) Lookup(key string) (Outcome, bool, error) {
	if err := checkKey(key); err != nil {
		return Outcome{}, false, err
	}
	p := c.path(key)
	data, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return Outcome{}, false, nil
	}
	if err != nil {
		return Outcome{}, false, fmt.Errorf("engine: read cache record: %w", err)
	}
	var rec dirRecord
	if err := json.Unmarshal(data, &rec); err != nil {
		return Outcome{}, false, fmt.Errorf("engine: decode cache record %s: %w", p, err)
	}
	if rec.Key != key {
		return Outcome{}, false, fmt.Errorf("engine: cache record %s holds key %q", p, rec.Key)
	}
	return Outcome{Output: rec.Output, Bytes: rec.Bytes}, true, nil
}

// Store records o under key, replacing any previous record atomically.
func (c *DirCache) Store(key string, o Outcome) error {
	if err := checkKey(key); err != nil {
		return err
	}
	data, err := json.Marshal(dirRecord{Key: key, Output: o.Output, Bytes: o.Bytes})
	if err != nil {
		return fmt.Errorf("engine: encode cache record: %w", err)
	}
	data = append(data, '\n')
	shard := filepath.Dir(c.path(key))
	if err := os.MkdirAll(shard, 0o755); err != nil {
		return fmt.Errorf("engine: create cache shard: %w", err)
	}
	// A unique dot-prefixed temp name: concurrent writers of the same key
	// never share a file, and a leftover can never be mistaken for a record.
	f, err := os.CreateTemp(shard, "."+key+".tmp-*")
	if err != nil {
		return fmt.Errorf("engine: create cache temp file: %w", err)
	}
	if err := writeSynced(f, data); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("engine: write cache record: %w", err)
	}
	if err := os.Rename(f.Name(), c.path(key)); err != nil {
		_ = os.Remove(f.Name())
		return fmt.Errorf("engine: commit cache record: %w", err)
	}
	return nil
}

// writeSynced writes data, makes the file world-readable like other build
// outputs, and syncs before closing so the later rename never publishes an
// empty file after a crash.
func writeSynced(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if err == nil {
		err = f.Chmod(0o644)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
