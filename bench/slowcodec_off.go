//go:build !zbench_slowcodec

package bench

import "zbench/results"

// slowed returns pass: only a test build (tag zbench_slowcodec) slows
// codecs down.
func slowed(_ results.CellKey, pass func() error) func() error { return pass }
