package cache

import "syscall"

// LockExclusive takes the store's lock as gc does, for tests of who waits for whom.
func (s *Store) LockExclusive() (func(), error) { return s.exclusive(syscall.LOCK_EX) }
