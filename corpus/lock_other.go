//go:build !unix

package corpus

// lockFile is a no-op where flock is not available: index.json is still
// replaced atomically, but two processes updating it at once may lose one
// entry (the blobs stay).
func lockFile(path string) (unlock func(), err error) { return func() {}, nil }
