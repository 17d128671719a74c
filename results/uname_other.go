//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package results

// unameRelease is not asked of the host on this platform.
func unameRelease() string { return "" }
