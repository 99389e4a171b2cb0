package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// ErrBusy says that another process holds the store's lock in a way that excludes this one:
// a build (shared) while gc asks to delete, or gc (exclusive) while a build asks to start.
var ErrBusy = errors.New("the cache is in use by another mwedition process")

// lockName is the lock file at the store's root. Every process that reads or writes entries
// holds it shared; gc holds it exclusive, so that it never deletes what a running build has
// just checked for, nor what it is about to record. flock(2) locks go away with the process
// that held them, so a killed build never leaves the store locked.
const lockName = "lock"

// Share takes the store's lock shared, for as long as the Store is in use (until Close).
// When gc holds it, wait is called once (to say so) before blocking until gc has finished.
// Sharing twice is a no-op.
func (s *Store) Share(wait func()) error {
	if s.lockf != nil {
		return nil
	}
	f, err := s.openLock()
	if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscall.EROFS) {
		// A store this process may only read (another user's, or a read-only mount): a
		// shared flock needs only a descriptor open for reading, and without a lock file
		// no gc has run there yet, so reading it (plan, say) goes unlocked.
		if f, err = os.Open(filepath.Join(s.root, lockName)); err != nil {
			return nil
		}
	}
	if err != nil {
		return err
	}
	err = flock(f, syscall.LOCK_SH|syscall.LOCK_NB)
	if errors.Is(err, ErrBusy) {
		if wait != nil {
			wait()
		}
		err = flock(f, syscall.LOCK_SH)
	}
	if err != nil {
		f.Close()
		return err
	}
	s.lockf = f
	return nil
}

// Close releases the lock taken by Share; the Store stays usable for reading.
func (s *Store) Close() error {
	if s.lockf == nil {
		return nil
	}
	err := s.lockf.Close() // closing the descriptor releases the flock
	s.lockf = nil
	return err
}

// exclusive takes the lock exclusive without waiting, or fails with ErrBusy. The returned
// func releases it.
func (s *Store) exclusive(how int) (func(), error) {
	if s.lockf != nil {
		return nil, errors.New("cache: this process already shares the store's lock")
	}
	f, err := s.openLock()
	if err != nil {
		return nil, err
	}
	if err := flock(f, how|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return func() { f.Close() }, nil
}

func (s *Store) openLock() (*os.File, error) {
	f, err := os.OpenFile(filepath.Join(s.root, lockName), os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening the cache's lock: %w", err)
	}
	return f, nil
}

func flock(f *os.File, how int) error {
	for {
		err := syscall.Flock(int(f.Fd()), how)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, syscall.EINTR):
			continue
		case errors.Is(err, syscall.EWOULDBLOCK):
			return ErrBusy
		}
		return fmt.Errorf("locking %s: %w", f.Name(), err)
	}
}
