package evidence

import (
	"fmt"
	"math"
)

// PullTime is how long pulling the layers takes at each bandwidth: gzip as
// published against each recompression, download and decode overlapped
// (streamed) and not.
type PullTime struct {
	// Layers are the layers every row holds for: those published as gzip
	// that the gzip decoder read.
	Layers []string `json:"layers"`
	// Corpus has one row per setting and bandwidth, summed over Layers;
	// PerLayer the same for each layer.
	Corpus   []PullRow `json:"corpus"`
	PerLayer []PullRow `json:"per_layer"`
	// Images are the images whose layers are all among Layers, and
	// PerImage the same rows for each of them, summed over its layers:
	// by bandwidth, then image, then setting.
	Images   []string  `json:"images,omitempty"`
	PerImage []PullRow `json:"per_image,omitempty"`
	// Excluded are the encode settings left out, with the reason;
	// ExcludedImages the images.
	Excluded       []string `json:"excluded,omitempty"`
	ExcludedImages []string `json:"excluded_images,omitempty"`
	Method         string   `json:"method"`
}

// A PullRow is the pull time of one setting (gzip as published, or an
// encoder's output) at one bandwidth, for one layer or the corpus.
type PullRow struct {
	Setting   string   `json:"setting"`           // "gzip as published", "zstd-klauspost default"
	Encoder   *Encoder `json:"encoder,omitempty"` // nil for the published blobs
	Decoder   string   `json:"decoder"`
	Layer     string   `json:"layer,omitempty"` // empty for the corpus and an image
	Image     string   `json:"image,omitempty"` // set for an image
	Bandwidth string   `json:"bandwidth"`

	RawBytes        int64 `json:"raw_bytes"`
	CompressedBytes int64 `json:"compressed_bytes"`
	// DecodeMBps is the decoder's throughput: the layer's median, or for
	// the corpus raw bytes over the summed decode times.
	DecodeMBps float64 `json:"decode_mbps"`

	DownloadS   float64 `json:"download_s"`
	DecodeS     float64 `json:"decode_s"`
	OverlappedS float64 `json:"overlapped_s"` // max(download, decode) per layer, summed
	SequentialS float64 `json:"sequential_s"` // download + decode
	// VsPublished is OverlappedS (and VsPublishedSequential SequentialS)
	// over the published blobs' at the same bandwidth: 0.6 means 40% less
	// time. 1 for the published row itself.
	VsPublished           float64 `json:"vs_published"`
	VsPublishedSequential float64 `json:"vs_published_sequential"`
}

// add sums the bytes and times of a layer's row into t.
func (t *PullRow) add(r PullRow) {
	t.RawBytes += r.RawBytes
	t.CompressedBytes += r.CompressedBytes
	t.DownloadS += r.DownloadS
	t.DecodeS += r.DecodeS
	t.OverlappedS += r.OverlappedS
	t.SequentialS += r.SequentialS
}

// total sets the figures of a sum of layers: its decode throughput, and
// its times against pub, the same sum for gzip as published (t itself for
// the published row).
func (t *PullRow) total(pub PullRow) {
	if t.DecodeS > 0 {
		t.DecodeMBps = float64(t.RawBytes) / t.DecodeS / 1e6
	}
	t.VsPublished = t.OverlappedS / pub.OverlappedS
	t.VsPublishedSequential = t.SequentialS / pub.SequentialS
}

const publishedSetting = "gzip as published"

func pullTime(d *data, layers []string, p Params) *PullTime {
	gz := p.Decoders["gzip"]
	pt := &PullTime{Layers: layers}
	pt.Method = fmt.Sprintf("Download time is compressed bytes × 8 / bandwidth (no latency, no protocol overhead). "+
		"Decode time is raw (tar) bytes / the decoder's median throughput in this run (%s for gzip, %s for zstd; "+
		"single-threaded unless its name says otherwise). Overlapped assumes the blob is decoded as it streams in, "+
		"so a layer takes max(download, decode); sequential takes download + decode. The corpus figure sums the layers, "+
		"pulled one after another. Gzip as published is the blob as it was published, decoded by %s; each recompression "+
		"is an encoder's output decoded by the decoder of its format.", gz, p.Decoders["zstd"], gz)
	if len(layers) == 0 {
		return pt
	}
	type setting struct {
		name    string
		enc     *Encoder
		decoder string
		cells   []*cell // per layer: the decode cell, with its compressed size
	}
	var settings []setting
	pub := setting{name: publishedSetting, decoder: gz}
	for _, l := range layers {
		pub.cells = append(pub.cells, d.originalCell(gz, l))
	}
	settings = append(settings, pub)
	for _, e := range d.encoders() {
		dec := p.Decoders[e.Format]
		s := setting{name: e.String(), enc: &e, decoder: dec}
		missing := ""
		for _, l := range layers {
			c := d.decodeCell(e, dec, l)
			if !c.ok() {
				missing = l
				break
			}
			s.cells = append(s.cells, c)
		}
		if dec == "" {
			pt.Excluded = append(pt.Excluded, fmt.Sprintf("%s: no decoder chosen for %s", e, e.Format))
			continue
		}
		if missing != "" {
			pt.Excluded = append(pt.Excluded, fmt.Sprintf("%s: no successful %s decode of its output on layer %s", e, dec, missing))
			continue
		}
		settings = append(settings, s)
	}

	for _, bw := range p.Bandwidths {
		bytesPerS := bw.BitsPerSecond / 8
		var pubTotal PullRow
		for i, s := range settings {
			total := PullRow{Setting: s.name, Encoder: s.enc, Decoder: s.decoder, Bandwidth: bw.String()}
			for j, c := range s.cells {
				r := PullRow{Setting: s.name, Encoder: s.enc, Decoder: s.decoder, Layer: layers[j], Bandwidth: bw.String(),
					RawBytes: c.rawBytes, CompressedBytes: c.compressedBytes, DecodeMBps: c.mbps}
				r.DownloadS = float64(c.compressedBytes) / bytesPerS
				r.DecodeS = c.seconds()
				r.OverlappedS = math.Max(r.DownloadS, r.DecodeS)
				r.SequentialS = r.DownloadS + r.DecodeS
				pubLayer := settings[0].cells[j]
				pubDown := float64(pubLayer.compressedBytes) / bytesPerS
				r.VsPublished = r.OverlappedS / math.Max(pubDown, pubLayer.seconds())
				r.VsPublishedSequential = r.SequentialS / (pubDown + pubLayer.seconds())
				pt.PerLayer = append(pt.PerLayer, r)
				total.add(r)
			}
			if i == 0 {
				pubTotal = total
			}
			total.total(pubTotal)
			pt.Corpus = append(pt.Corpus, total)
		}
	}
	return pt
}

// perImage adds the rows of each image of in, summed from the per-layer
// rows, and the images excluded with the reason.
func (pt *PullTime) perImage(in []ImageInfo, excluded []string) {
	pt.Method += imagesMethod
	pt.ExcludedImages = excluded
	if len(pt.Corpus) == 0 {
		return
	}
	pt.Images = imageNames(in)
	type key struct{ setting, bandwidth, layer string }
	byKey := map[key]PullRow{}
	for _, r := range pt.PerLayer {
		byKey[key{r.Setting, r.Bandwidth, r.Layer}] = r
	}
	// The corpus rows, by bandwidth, give the settings in order.
	var bws []string
	byBW := map[string][]PullRow{}
	for _, c := range pt.Corpus {
		if _, ok := byBW[c.Bandwidth]; !ok {
			bws = append(bws, c.Bandwidth)
		}
		byBW[c.Bandwidth] = append(byBW[c.Bandwidth], c)
	}
	for _, bw := range bws {
		for _, img := range in {
			var pub PullRow
			for i, c := range byBW[bw] {
				r := PullRow{Setting: c.Setting, Encoder: c.Encoder, Decoder: c.Decoder, Image: img.Name, Bandwidth: bw}
				for _, l := range img.Layers {
					r.add(byKey[key{c.Setting, bw, l}])
				}
				if i == 0 {
					pub = r
				}
				r.total(pub)
				pt.PerImage = append(pt.PerImage, r)
			}
		}
	}
}
