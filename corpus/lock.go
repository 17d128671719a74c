package corpus

import "zbench/internal/flock"

// lockFile takes an exclusive advisory lock on the file at path (made if
// needed), waiting for other processes to release it, and returns the
// function that releases it. Where flock(2) is not available it does
// nothing: index.json is still replaced atomically, but two processes
// updating it at once may lose one entry (the blobs stay).
func lockFile(path string) (unlock func(), err error) { return flock.Lock(path) }
