// Command powertool is scripts/power.sh's helper: it lists a run's codec
// cells, writes a copy of a run with one cell made slower, and tallies what
// a comparison flagged. It is not part of zbench.
//
//	powertool cells RUN                       the codec cells of RUN, one a line
//	powertool slow -cell NAME -by 0.10 -o DST RUN
//	                                          DST = RUN with NAME's samples 10% slower
//	powertool tally [-cell NAME | -codec C] CMP.json
//	                                          "hit slowed untouched-flagged untouched"
//
// slow multiplies the wall and CPU time of every sample of the cell by
// 1+by, leaving everything else as measured, and writes DST with results'
// own writer (results.WriteRun), so samples.jsonl and results.txt agree as
// in a real run. tally reads the JSON of zbench
// compare: of the slowed cells (the one named, or every cell whose timed
// codec is C), how many regressed; of the other codec cells, how many did.
// With neither -cell nor -codec every codec cell is untouched (an A/A).
package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"zbench/compare"
	"zbench/results"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "powertool: %v\n", err)
		os.Exit(2)
	}
}

func run(args []string, stdout io.Writer) error {
	if len(args) == 0 {
		return errors.New("want a command: cells, slow or tally")
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	cell := fs.String("cell", "", "the cell, as results.txt names it without -GOMAXPROCS")
	codec := fs.String("codec", "", "tally: every cell whose timed codec this is")
	by := fs.Float64("by", 0, "slow: the slowdown, 0.10 for 10% more time")
	out := fs.String("o", "", "slow: the run directory to write")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%s: want one argument, got %d", args[0], fs.NArg())
	}
	switch args[0] {
	case "cells":
		return cells(stdout, fs.Arg(0))
	case "slow":
		if *cell == "" || *out == "" || *by <= -1 || math.IsNaN(*by) {
			return errors.New("slow: want -cell, -o and -by above -1")
		}
		return slow(fs.Arg(0), *out, *cell, *by)
	case "tally":
		if *cell != "" && *codec != "" {
			return errors.New("tally: want -cell or -codec, not both")
		}
		return tally(stdout, fs.Arg(0), *cell, *codec)
	}
	return fmt.Errorf("unknown command %q", args[0])
}

// codecCell reports whether k is a cell a slowdown is injected into: any
// but memcpy (which compare never counts).
func codecCell(k results.CellKey) bool { return k.Op != results.OpMemcpy && k.Op != results.OpLoad }

func cells(w io.Writer, dir string) error {
	_, recs, err := results.Load(dir)
	if err != nil {
		return err
	}
	seen := map[results.CellKey]bool{}
	failed := map[results.CellKey]bool{}
	var order []results.CellKey
	for _, r := range recs {
		k := r.Key()
		if r.Err != "" {
			failed[k] = true
		}
		if !seen[k] {
			seen[k] = true
			order = append(order, k)
		}
	}
	for _, k := range order {
		if codecCell(k) && !failed[k] {
			fmt.Fprintln(w, k)
		}
	}
	return nil
}

func slow(src, dst, cell string, by float64) error {
	env, recs, err := results.Load(src)
	if err != nil {
		return err
	}
	found := false
	for i := range recs {
		if recs[i].Key().String() != cell || recs[i].Err != "" {
			continue
		}
		found = true
		recs[i].WallNS = int64(math.Round(float64(recs[i].WallNS) * (1 + by)))
		recs[i].CPUNS = int64(math.Round(float64(recs[i].CPUNS) * (1 + by)))
	}
	if !found {
		return fmt.Errorf("%s has no measured cell %s", src, cell)
	}
	var cells [][]results.Record
	for _, r := range recs {
		if n := len(cells); n > 0 && cells[n-1][0].Key() == r.Key() {
			cells[n-1] = append(cells[n-1], r)
		} else {
			cells = append(cells, []results.Record{r})
		}
	}
	return results.WriteRun(dst, env, cells)
}

func tally(w io.Writer, path, cell, codec string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var rep compare.Report
	if err := json.Unmarshal(b, &rep); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	var hit, slowed, flagged, untouched int
	for _, c := range rep.Cells {
		if !codecCell(c.Key) || c.BaseErr != "" || c.NewErr != "" {
			continue
		}
		if cell != "" && c.Cell == cell || codec != "" && c.Key.Codec == codec {
			slowed++
			if c.Regressed {
				hit++
			}
			continue
		}
		untouched++
		if c.Regressed {
			flagged++
		}
	}
	if slowed == 0 && (cell != "" || codec != "") {
		want := cell
		if want == "" {
			want = "codec " + codec
		}
		return fmt.Errorf("%s compares no cell of %s", path, strings.TrimSpace(want))
	}
	_, err = fmt.Fprintf(w, "%d %d %d %d\n", hit, slowed, flagged, untouched)
	return err
}
