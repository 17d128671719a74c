//go:build !unix

package flock

// Lock does nothing where flock(2) is not available.
func Lock(path string) (unlock func(), err error) { return func() {}, nil }

// TryLock does nothing where flock(2) is not available: two writers of one
// run directory are then not told apart.
func TryLock(path string, h Holder) (unlock func() error, err error) {
	return func() error { return nil }, nil
}
