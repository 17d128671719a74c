package evidence

import (
	"fmt"

	"zbench/results"
)

// Interop says, for every encoder and every decoder of its format, whether
// the decoder read the encoder's output back to the layer's diffID.
type Interop struct {
	Formats []InteropMatrix `json:"formats"`
	// Pairs counts encoder × decoder pairs by status, over all formats.
	Verified int    `json:"verified"`
	Failed   int    `json:"failed"`
	NotRun   int    `json:"not_run"`
	Method   string `json:"method"`
}

// An InteropMatrix is one format's encoders (rows) by its decoders
// (columns). The first row is the blobs as published, where the run has
// decode-original cells of the format.
type InteropMatrix struct {
	Format   string          `json:"format"`
	Encoders []string        `json:"encoders"`
	Decoders []string        `json:"decoders"`
	Cells    [][]InteropCell `json:"cells"` // [encoder][decoder]
}

// Interop statuses.
const (
	StatusVerified = "verified" // every layer's decode matched the diffID
	StatusFailed   = "failed"   // some layer's decode failed or did not match
	StatusNotRun   = "not run"  // the run has no such cell
)

// An InteropCell is one encoder × decoder pair over the layers.
type InteropCell struct {
	Status string `json:"status"`
	Layers int    `json:"layers"` // layers with a cell of this pair
	Err    string `json:"error,omitempty"`
}

func interop(d *data) *Interop {
	in := &Interop{Method: "Every decode cell of the runs, outside the clock (on the first of its rounds), decoded the encoder's output once more into " +
		"sha256 and compared it with the layer's diffID (the runner's check). A pair is verified when every layer's cell " +
		"was, failed when any layer's failed (the first error is kept), not run when the runs have no such cell. " +
		"The first row is the blobs as published (decode-original cells)."}
	for _, format := range []string{"gzip", "zstd"} {
		decs := d.decoders(format)
		if len(decs) == 0 {
			continue
		}
		m := InteropMatrix{Format: format, Decoders: decs}
		type row struct {
			name string
			cell func(dec, layer string) *cell
		}
		var rows []row
		hasOriginal := false
		for _, k := range d.order {
			if k.Op == results.OpDecodeOriginal && k.From == format {
				hasOriginal = true
				break
			}
		}
		if hasOriginal {
			rows = append(rows, row{"published " + format, func(dec, l string) *cell {
				c := d.byLoose[results.CellKey{Op: results.OpDecodeOriginal, Layer: l, Codec: dec, From: format}]
				return c
			}})
		}
		for _, e := range d.encoders() {
			if e.Format != format {
				continue
			}
			rows = append(rows, row{e.String(), func(dec, l string) *cell { return d.decodeCell(e, dec, l) }})
		}
		for _, r := range rows {
			m.Encoders = append(m.Encoders, r.name)
			var cells []InteropCell
			for _, dec := range decs {
				ic := InteropCell{Status: StatusNotRun}
				for _, l := range d.layers {
					c := r.cell(dec, l.name)
					if c == nil {
						continue
					}
					ic.Layers++
					switch {
					case c.err != "" || !c.verified:
						if ic.Status != StatusFailed {
							ic.Err = fmt.Sprintf("layer %s: %s", l.name, firstNonEmpty(c.err, "not verified"))
						}
						ic.Status = StatusFailed
					case ic.Status == StatusNotRun:
						ic.Status = StatusVerified
					}
				}
				switch ic.Status {
				case StatusVerified:
					in.Verified++
				case StatusFailed:
					in.Failed++
				default:
					in.NotRun++
				}
				cells = append(cells, ic)
			}
			m.Cells = append(m.Cells, cells)
		}
		in.Formats = append(in.Formats, m)
	}
	return in
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}
