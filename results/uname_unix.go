//go:build linux || darwin || freebsd || netbsd || openbsd

package results

import "golang.org/x/sys/unix"

// unameRelease returns the kernel release as uname -r prints it.
func unameRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}
