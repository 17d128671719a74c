//go:build !unix

package bench

import "time"

// cpuTime is not measured on this platform; records carry zero CPU time.
func cpuTime() time.Duration { return 0 }

// PeakRSS is not measured on this platform.
func PeakRSS() int64 { return 0 }
