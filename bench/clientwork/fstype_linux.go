package clientwork

import (
	"os"

	"golang.org/x/sys/unix"
)

// FilesystemType names the type of the file system holding dir, or ""
// when it is not one of the common ones.
func FilesystemType(dir string) string {
	var s unix.Statfs_t
	if unix.Statfs(dir, &s) != nil {
		return ""
	}
	switch uint64(s.Type) {
	case unix.EXT4_SUPER_MAGIC:
		return "ext4"
	case unix.XFS_SUPER_MAGIC:
		return "xfs"
	case unix.BTRFS_SUPER_MAGIC:
		return "btrfs"
	case unix.TMPFS_MAGIC:
		return "tmpfs"
	case unix.OVERLAYFS_SUPER_MAGIC:
		return "overlay"
	}
	return ""
}

// syncFS writes out the dirty data of the file system holding dir.
func syncFS(dir string) {
	if f, err := os.Open(dir); err == nil {
		unix.Syncfs(int(f.Fd()))
		f.Close()
	}
}

func fdatasync(f *os.File) error { return unix.Fdatasync(int(f.Fd())) }
