//go:build unix

package flock

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes an exclusive lock on the file at path (made if needed),
// waiting for other processes to release it, and returns the function that
// releases it.
func Lock(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	if err := flock(f, unix.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("locking %s: %w", path, err)
	}
	return func() {
		flock(f, unix.LOCK_UN)
		f.Close()
	}, nil
}

// TryLock takes an exclusive lock on the file at path (made if needed)
// without waiting, and writes h into it. When another process holds the
// lock it returns a *LockedError naming the holder. unlock removes the file
// and releases the lock; the kernel releases it when the process ends
// (then the file stays, with a record nobody holds).
func TryLock(path string, h Holder) (unlock func() error, err error) {
	for range 10 {
		f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
		if err != nil {
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		if err := flock(f, unix.LOCK_EX|unix.LOCK_NB); err != nil {
			defer f.Close()
			if errors.Is(err, unix.EWOULDBLOCK) {
				b, _ := io.ReadAll(io.LimitReader(f, maxHolderBytes+1))
				holder, _ := ParseHolder(b)
				return nil, &LockedError{Path: path, Holder: holder}
			}
			return nil, fmt.Errorf("locking %s: %w", path, err)
		}
		// The holder before may have removed the file between our open
		// and our lock: then the lock is on a file nobody else will see.
		fi, ferr := f.Stat()
		pi, perr := os.Stat(path)
		if ferr != nil || perr != nil || !os.SameFile(fi, pi) {
			flock(f, unix.LOCK_UN)
			f.Close()
			continue
		}
		return holdWith(f, path, h)
	}
	return nil, fmt.Errorf("locking %s: the lock file keeps being replaced", path)
}

// holdWith writes h into the locked file f and returns its unlock.
func holdWith(f *os.File, path string, h Holder) (unlock func() error, err error) {
	b, err := json.Marshal(h)
	if err == nil {
		b = append(b, '\n')
		if err = f.Truncate(0); err == nil {
			_, err = f.WriteAt(b, 0)
		}
	}
	if err != nil {
		flock(f, unix.LOCK_UN)
		f.Close()
		return nil, fmt.Errorf("locking %s: writing the holder: %w", path, err)
	}
	return func() error {
		// Removed while held, so that nobody locks a file on its way out.
		rerr := os.Remove(path)
		if errors.Is(rerr, os.ErrNotExist) {
			rerr = nil
		}
		if err := flock(f, unix.LOCK_UN); rerr == nil {
			rerr = err
		}
		if err := f.Close(); rerr == nil {
			rerr = err
		}
		return rerr
	}, nil
}

// flock retries flock(2) when a signal interrupts it.
func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if !errors.Is(err, unix.EINTR) {
			return err
		}
	}
}
