//go:build !linux

package clientwork

import (
	"os"
	"syscall"
)

// FilesystemType names the type of the file system holding dir; "" where
// zbench cannot tell.
func FilesystemType(string) string { return "" }

// syncFS writes out dirty data (all file systems' where there is no syncfs).
func syncFS(string) { syscall.Sync() }

func fdatasync(f *os.File) error { return f.Sync() }
