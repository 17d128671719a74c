package compare

import (
	"zbench/results"
)

// A Run is one side of a comparison: every cell's samples, and the
// environment, as results.ReadRun reads it.
type Run = results.Run

// A Cell is one cell of a run: its samples, or its failure.
type Cell = results.Cell

// ErrNotRun means a path given to Load holds no run: neither a run
// directory (env.json and samples.jsonl) nor a results file.
var ErrNotRun = results.ErrNotRun

// Load reads one side of a comparison with results.ReadRun: a run
// directory, or a file in the Go benchmark format such as a run's
// results.txt. A results file that mixes machines fails with
// ErrIncompatible.
func Load(path string) (*Run, error) { return results.ReadRun(path) }
