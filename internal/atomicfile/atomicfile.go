// Package atomicfile replaces files so that a crash or a failed write
// leaves either the old file or the new one, never half of one.
//
// It is the only atomic writer of the module: results (run directories),
// corpus (the OCI-layout cache), history (the store's index) and the
// command (locks, reports, compare output) all write through it. It sits at
// the bottom of the import graph and imports nothing of zbench.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Write replaces path with what write writes: it writes a temporary file
// in the same directory, syncs it, gives it mode 0644, renames it over
// path and syncs the directory, so that the rename survives a crash too.
// On any error the temporary file is removed and path is left as it was.
//
// A symbolic link is followed: the file it points to is replaced, the link
// stays. A path that is not a regular file (/dev/null, /dev/stdout, a named
// pipe) is written to in place: renaming over it would replace the device
// with a file, which as root breaks the machine's /dev/null.
func Write(path string, write func(io.Writer) error) error {
	if target, err := filepath.EvalSymlinks(path); err == nil {
		path = target
	}
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() && !fi.IsDir() {
		return writeInPlace(path, write)
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	tmp := f.Name()
	err = write(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("writing %q: %w", path, err)
	}
	SyncDir(dir)
	return nil
}

// writeInPlace writes to a device or a pipe as it is.
func writeInPlace(path string, write func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	err = write(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %q: %w", path, err)
	}
	return nil
}

// WriteBytes replaces path with data, as Write does.
func WriteBytes(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// SyncDir makes a rename or a new file in dir durable where the platform
// allows it (fsync of the directory); it is best effort, as some file
// systems and platforms refuse to sync a directory.
func SyncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
}
