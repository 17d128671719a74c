package evidence

// Sizes compares each encoder's output with the gzip blobs as published.
type Sizes struct {
	Layers []string `json:"layers"`
	// Corpus has one row per encoder over all Layers; PerLayer one per
	// encoder and layer.
	Corpus   []SizeRow `json:"corpus"`
	PerLayer []SizeRow `json:"per_layer"`
	Method   string    `json:"method"`
}

// A SizeRow is an encoder's output size against the published gzip.
type SizeRow struct {
	Encoder         Encoder `json:"encoder"`
	Layer           string  `json:"layer,omitempty"` // empty for the corpus
	RawBytes        int64   `json:"raw_bytes"`
	PublishedBytes  int64   `json:"published_bytes"`
	CompressedBytes int64   `json:"compressed_bytes"`
	// VsPublished is CompressedBytes over PublishedBytes: 0.8 is 20%
	// smaller.
	VsPublished float64 `json:"vs_published"`
}

func sizes(d *data, layers []string) *Sizes {
	sz := &Sizes{Layers: layers, Method: "Sizes are the run's compressed bytes: the decode-original cell's for the blob " +
		"as published, the encode cell's for each encoder's output of the same tar. The change is the new size over the " +
		"published size, minus one; the corpus figure sums the layers, over the layers every encoder listed has."}
	if len(layers) == 0 {
		return sz
	}
	for _, e := range d.encoders() {
		total := SizeRow{Encoder: e}
		var rows []SizeRow
		complete := true
		for _, l := range layers {
			c := d.encodeCell(e, l)
			if !c.ok() {
				complete = false
				break
			}
			pub := d.byName[l].published
			rows = append(rows, SizeRow{Encoder: e, Layer: l, RawBytes: c.rawBytes, PublishedBytes: pub,
				CompressedBytes: c.compressedBytes, VsPublished: float64(c.compressedBytes) / float64(pub)})
			total.RawBytes += c.rawBytes
			total.PublishedBytes += pub
			total.CompressedBytes += c.compressedBytes
		}
		if !complete {
			continue
		}
		total.VsPublished = float64(total.CompressedBytes) / float64(total.PublishedBytes)
		sz.Corpus = append(sz.Corpus, total)
		sz.PerLayer = append(sz.PerLayer, rows...)
	}
	return sz
}
