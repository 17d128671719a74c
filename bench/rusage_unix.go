//go:build unix

package bench

import (
	"runtime"
	"syscall"
	"time"
)

// cpuTime returns the user+system CPU time the whole process has used: every
// thread, so multi-threaded codecs and the garbage collector are counted;
// and the CPU time of the child processes it has waited for, so that the
// reference programs' codecs, which run the program and wait for it within
// each pass, are counted too.
func cpuTime() time.Duration {
	var self, children syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &self); err != nil {
		return 0
	}
	if err := syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children); err != nil {
		children = syscall.Rusage{}
	}
	return time.Duration(self.Utime.Nano() + self.Stime.Nano() + children.Utime.Nano() + children.Stime.Nano())
}

// PeakRSS returns the process's peak resident set size in bytes, or 0 where
// it cannot be read.
func PeakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	if runtime.GOOS == "darwin" {
		return int64(ru.Maxrss) // bytes there
	}
	return int64(ru.Maxrss) * 1024 // Linux and the BSDs report KiB
}
