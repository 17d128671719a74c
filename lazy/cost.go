package lazy

import (
	"slices"
	"sort"

	"zbench/bench/codecs"
	"zbench/results"
)

// EncodeCosts returns, for every layer of recs (a run's records) that has
// both a format's encode cell and its plain encoder's, the two side by
// side, in the order of formats and then of layers. Failed samples are left
// out.
func EncodeCosts(recs []results.Record, formats []Format) []Cost {
	type cell struct{ layer, codec, level string }
	samples := map[cell][]results.Record{}
	var layers []string
	for _, r := range recs {
		if r.Op != results.OpEncode || r.Err != "" || r.WallNS <= 0 || r.Iters <= 0 || r.RawBytes <= 0 {
			continue
		}
		k := cell{r.Layer, r.Codec, r.Level}
		samples[k] = append(samples[k], r)
		if !slices.Contains(layers, r.Layer) {
			layers = append(layers, r.Layer)
		}
	}
	sort.Strings(layers)
	var out []Cost
	for _, f := range formats {
		if f.Prioritize || (f.ChunkSize > 0 && f.ChunkSize != codecs.EstargzChunkSize) {
			continue // not a codec of a run
		}
		for _, layer := range layers {
			a, b := samples[cell{layer, f.Codec, f.Level}], samples[cell{layer, f.PlainCodec, f.PlainLevel}]
			if len(a) == 0 || len(b) == 0 {
				continue
			}
			c := Cost{Layer: layer, Format: f.Codec + "/" + f.Level, Plain: f.PlainCodec + "/" + f.PlainLevel}
			c.MBps, c.CPUPerGB = medians(a)
			c.PlainMBps, c.PlainCPUPerGB = medians(b)
			out = append(out, c)
		}
	}
	return out
}

// medians returns the median throughput (MB/s) and CPU (s/GB) of samples.
func medians(rs []results.Record) (mbps, cpuPerGB float64) {
	var ts, cs []float64
	for _, r := range rs {
		bytes := float64(r.RawBytes) * float64(r.Iters)
		ts = append(ts, bytes/(float64(r.WallNS)/1e9)/1e6)
		cs = append(cs, float64(r.CPUNS)/1e9/(bytes/1e9))
	}
	return median(ts), median(cs)
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
