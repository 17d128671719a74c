package results

import (
	"errors"
	"fmt"
	"path/filepath"

	"zbench/internal/flock"
)

// LockFile is the lock file of a run directory being written: it holds the
// writer's pid, start time and command, and is removed when the writer
// closes the run. Readers ignore it; the kernel releases the lock when the
// writer exits, even by a crash (the file then stays, and the next writer
// takes it over).
const LockFile = ".zbench.lock"

// ErrRunLocked is wrapped by the error of Create and Merge when another
// process is writing the run directory.
var ErrRunLocked = errors.New("another zbench is writing this run directory")

// lockRunDir takes the writer's lock of the run directory dir, which must
// exist, without waiting.
func lockRunDir(dir string) (unlock func() error, err error) {
	unlock, err = flock.TryLock(filepath.Join(dir, LockFile), flock.Self())
	var le *flock.LockedError
	if errors.As(err, &le) {
		who := "a process whose lock file says nothing"
		if le.Holder.PID != 0 {
			who = le.Holder.String()
		}
		return nil, fmt.Errorf("%q: %w (%s); wait for it to finish, or write to another directory", dir, ErrRunLocked, who)
	}
	return unlock, err
}
