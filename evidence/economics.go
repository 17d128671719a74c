package evidence

import (
	"fmt"
)

// Economics is what converting the gzip layers as published into each
// encoder's output costs in CPU, what it saves per pull, and how many pulls
// pay for one conversion.
type Economics struct {
	Layers []string  `json:"layers"`
	Rows   []EconRow `json:"rows"`
	// Excluded are the encode settings left out, with the reason.
	Excluded []string `json:"excluded,omitempty"`
	Method   string   `json:"method"`
}

// An EconRow is one conversion target (an encoder at a level), over the
// corpus.
type EconRow struct {
	Encoder Encoder `json:"encoder"`
	// Bytes: raw tar, the gzip blobs as published, the new blobs.
	RawBytes        int64 `json:"raw_bytes"`
	PublishedBytes  int64 `json:"published_bytes"`
	CompressedBytes int64 `json:"compressed_bytes"`
	// SavedBytes is what each pull downloads less (negative: more).
	SavedBytes int64   `json:"saved_bytes"`
	SavedPct   float64 `json:"saved_pct"` // of the published bytes

	// CPU seconds per 10^9 raw bytes (bytes-weighted means of the layers'
	// medians): decoding the published gzip, encoding, and their sum.
	DecodeCPUSecPerGB  float64 `json:"decode_cpu_sec_per_gb"`
	EncodeCPUSecPerGB  float64 `json:"encode_cpu_sec_per_gb"`
	ConvertCPUSecPerGB float64 `json:"convert_cpu_sec_per_gb"`
	// ConvertCPUSeconds is the CPU time to convert the corpus once, and
	// ConvertUSD its price.
	ConvertCPUSeconds float64 `json:"convert_cpu_seconds"`
	ConvertUSD        float64 `json:"convert_usd"`
	// EgressSavedUSDPerPull is SavedBytes at the egress price.
	EgressSavedUSDPerPull float64 `json:"egress_saved_usd_per_pull"`
	// PullsToPayEgress is ConvertUSD / EgressSavedUSDPerPull: after this
	// many pulls the egress saved has paid for the conversion. Nil when
	// the conversion saves no bytes: it never pays.
	PullsToPayEgress *float64 `json:"pulls_to_pay_egress"`
	// ClientCPUSavedPerPull is the client's decode CPU seconds saved on
	// each pull: decoding the published gzip minus decoding the new blob,
	// with the decoders of Params.Decoders. PullsToPayCPU is
	// ConvertCPUSeconds over it: after this many pulls the CPU the
	// clients save exceeds the CPU the conversion spent. Nil when clients
	// save no CPU.
	ClientCPUSavedPerPull float64  `json:"client_cpu_saved_per_pull"`
	PullsToPayCPU         *float64 `json:"pulls_to_pay_cpu"`
}

func economics(d *data, layers []string, p Params) *Economics {
	gz := p.Decoders["gzip"]
	ec := &Economics{Layers: layers}
	ec.Method = fmt.Sprintf("Converting a layer is decoding the gzip blob as published (%s) and encoding its tar; "+
		"its CPU is the run's median CPU seconds per GB (user+system, getrusage, 10^9 bytes of tar) of the decode-original "+
		"cell plus that of the encode cell, times the layer's tar size, summed over the layers. Its price is CPU seconds "+
		"/ 3600 × $%.4g per vCPU-hour (one CPU second = one vCPU second). Each pull of the new blob instead of the published "+
		"one downloads the difference in compressed size, priced at $%.4g per GB (10^9 bytes) of egress; pulls to pay is "+
		"the conversion's price over the egress saved per pull. Client CPU saved per pull is the decode CPU of the "+
		"published gzip (%s) minus that of the new blob (%s for zstd, %s for gzip), from the same run. Prices: %s",
		gz, p.VCPUHourUSD, p.EgressGBUSD, gz, p.Decoders["zstd"], gz, p.Prices())
	if len(layers) == 0 {
		return ec
	}
	for _, e := range d.encoders() {
		var dec, enc, newDec totals
		var published int64
		newDecOK := true // the new blob's decode was measured on every layer
		missing := ""
		for _, l := range layers {
			orig := d.originalCell(gz, l)
			c := d.encodeCell(e, l)
			nd := d.decodeCell(e, p.Decoders[e.Format], l)
			if !c.ok() {
				missing = "no successful encode on layer " + l
				break
			}
			if orig.cpu <= 0 || c.cpu <= 0 {
				missing = "no CPU time measured on layer " + l
				break
			}
			dec.add(orig)
			enc.add(c)
			published += orig.compressedBytes
			if nd.ok() && nd.cpu > 0 {
				newDec.add(nd)
			} else {
				newDecOK = false
			}
		}
		if missing != "" {
			ec.Excluded = append(ec.Excluded, fmt.Sprintf("%s: %s", e, missing))
			continue
		}
		r := EconRow{Encoder: e, RawBytes: enc.raw, PublishedBytes: published, CompressedBytes: enc.compressed}
		r.SavedBytes = published - enc.compressed
		r.SavedPct = 100 * float64(r.SavedBytes) / float64(published)
		r.DecodeCPUSecPerGB = dec.cpuPerGB()
		r.EncodeCPUSecPerGB = enc.cpuPerGB()
		r.ConvertCPUSecPerGB = r.DecodeCPUSecPerGB + r.EncodeCPUSecPerGB
		r.ConvertCPUSeconds = dec.cpu + enc.cpu
		r.ConvertUSD = r.ConvertCPUSeconds / 3600 * p.VCPUHourUSD
		r.EgressSavedUSDPerPull = float64(r.SavedBytes) / 1e9 * p.EgressGBUSD
		if r.EgressSavedUSDPerPull > 0 {
			n := r.ConvertUSD / r.EgressSavedUSDPerPull
			r.PullsToPayEgress = &n
		}
		if newDecOK {
			r.ClientCPUSavedPerPull = dec.cpu - newDec.cpu
			if r.ClientCPUSavedPerPull > 0 {
				n := r.ConvertCPUSeconds / r.ClientCPUSavedPerPull
				r.PullsToPayCPU = &n
			}
		}
		ec.Rows = append(ec.Rows, r)
	}
	return ec
}

// Storage is what publishing each encoder's output alongside the gzip
// blobs as published costs in storage.
type Storage struct {
	Layers []string `json:"layers"`
	// Corpus has one row per zstd encode setting over all Layers;
	// PerLayer one per setting and layer.
	Corpus   []StorageRow `json:"corpus"`
	PerLayer []StorageRow `json:"per_layer"`
	// Images are the images whose layers are all among Layers, and
	// PerImage one row per setting and image, summed over its layers;
	// ExcludedImages are the others, with the reason.
	Images         []string     `json:"images,omitempty"`
	PerImage       []StorageRow `json:"per_image,omitempty"`
	ExcludedImages []string     `json:"excluded_images,omitempty"`
	Method         string       `json:"method"`
}

// A StorageRow is the storage of gzip as published plus one encoder's
// output, against gzip alone.
type StorageRow struct {
	Encoder         Encoder `json:"encoder"`
	Layer           string  `json:"layer,omitempty"` // empty for the corpus and an image
	Image           string  `json:"image,omitempty"` // set for an image
	PublishedBytes  int64   `json:"published_bytes"`
	AddedBytes      int64   `json:"added_bytes"`
	TotalBytes      int64   `json:"total_bytes"`
	OverheadPct     float64 `json:"overhead_pct"` // AddedBytes over PublishedBytes
	RawBytes        int64   `json:"raw_bytes"`
	OverheadOfRawPc float64 `json:"overhead_of_raw_pct"` // TotalBytes over RawBytes
}

// add sums the bytes of a layer's row into t.
func (t *StorageRow) add(r StorageRow) {
	t.PublishedBytes += r.PublishedBytes
	t.AddedBytes += r.AddedBytes
	t.TotalBytes += r.TotalBytes
	t.RawBytes += r.RawBytes
}

// total sets the percentages from the bytes.
func (t *StorageRow) total() {
	t.OverheadPct = 100 * float64(t.AddedBytes) / float64(t.PublishedBytes)
	t.OverheadOfRawPc = 100 * float64(t.TotalBytes) / float64(t.RawBytes)
}

func storage(d *data, layers []string) *Storage {
	st := &Storage{Layers: layers, Method: "Publishing both stores each layer's gzip blob as published and the encoder's " +
		"output (sizes from the run: the decode-original cell's compressed bytes and the encode cell's). Overhead is the " +
		"added bytes over the gzip bytes alone; the corpus figure sums the layers. Only zstd encoders are listed: they are " +
		"the second format a registry would publish."}
	if len(layers) == 0 {
		return st
	}
	for _, e := range d.encoders() {
		if e.Format != "zstd" {
			continue
		}
		total := StorageRow{Encoder: e}
		var rows []StorageRow
		complete := true
		for _, l := range layers {
			c := d.encodeCell(e, l)
			if !c.ok() {
				complete = false
				break
			}
			pub := d.byName[l].published
			r := StorageRow{Encoder: e, Layer: l, PublishedBytes: pub, AddedBytes: c.compressedBytes,
				TotalBytes: pub + c.compressedBytes, RawBytes: c.rawBytes}
			r.total()
			rows = append(rows, r)
			total.add(r)
		}
		if !complete {
			continue
		}
		total.total()
		st.Corpus = append(st.Corpus, total)
		st.PerLayer = append(st.PerLayer, rows...)
	}
	return st
}

// perImage adds a row per setting and image of in, summed from the
// per-layer rows, and the images excluded with the reason.
func (st *Storage) perImage(in []ImageInfo, excluded []string) {
	st.Method += imagesMethod
	st.ExcludedImages = excluded
	if len(st.Corpus) == 0 {
		return
	}
	st.Images = imageNames(in)
	type key struct {
		enc   Encoder
		layer string
	}
	byKey := map[key]StorageRow{}
	for _, r := range st.PerLayer {
		byKey[key{r.Encoder, r.Layer}] = r
	}
	for _, c := range st.Corpus {
		for _, img := range in {
			r := StorageRow{Encoder: c.Encoder, Image: img.Name}
			for _, l := range img.Layers {
				r.add(byKey[key{c.Encoder, l}])
			}
			r.total()
			st.PerImage = append(st.PerImage, r)
		}
	}
}
