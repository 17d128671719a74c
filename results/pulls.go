package results

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
)

// PullsFile is the name scripts/pull.sh gives its measured pulls in the run
// directory it keeps (OUT/run/pulls.json, also OUT/pulls.json): zbench
// report and zbench evidence find it there, as they find determinism.json.
const PullsFile = "pulls.json"

// Pulls are pulls of one image measured through real clients behind a
// bandwidth-limiting proxy, each beside zbench's model of the same client,
// layers and rate (scripts/pull.sh).
type Pulls struct {
	// Layers are the layer blobs the image is made of, by file name;
	// GzipBytes their total size as pushed (gzip, as published).
	Layers    []string `json:"layers"`
	GzipBytes int64    `json:"gzip_bytes"`
	// ZstdBytes is the layers' size recompressed to zstd, when the zstd
	// image was pulled too.
	ZstdBytes int64 `json:"zstd_bytes,omitempty"`
	// Count is zbench run's -count for the model's decode cells.
	Count int        `json:"count,omitempty"`
	Pulls []PullTime `json:"pulls"`
}

// PullTime is one client at one rate: the median wall time of Reps pulls
// into an empty destination, and the model's.
type PullTime struct {
	Client string `json:"client"` // skopeo, podman, ctr
	// Format is the image's: "gzip" as published (also when empty, in
	// older files) or "zstd", recompressed.
	Format  string `json:"format,omitempty"`
	Profile string `json:"profile"` // zbench's client profile: containers-image, containerd...
	// Rate is the proxy's rate ("100Mbit"), or "none" for a pull straight
	// from the registry (the model is then decode alone).
	Rate    string    `json:"rate"`
	Decoder string    `json:"decoder"` // the gzip decoder the model used
	Reps    int       `json:"reps"`
	TimesS  []float64 `json:"times_s,omitempty"`
	MedianS float64   `json:"median_s"`
	// OverlappedS and SequentialS are the model's two shapes (download and
	// decode overlapped or one after the other); Model names the one the
	// client does, ModelS is its time.
	OverlappedS float64 `json:"overlapped_s"`
	SequentialS float64 `json:"sequential_s"`
	Model       string  `json:"model"`
	ModelS      float64 `json:"model_s"`
	// With Model "pipeline", the tool's pull composed step by step
	// (zbench evidence's client_pipelines, from zbench clientwork):
	// FixedS is the tool's fixed cost, the median pull of an image of one
	// small layer measured apart; WorkS the model of the layers' pull;
	// ModelS their sum. Phases and Stages say where WorkS goes.
	FixedS float64 `json:"fixed_s,omitempty"`
	WorkS  float64 `json:"work_s,omitempty"`
	// CPUS is the median CPU time of a pull, every process of the client
	// counted (a daemon's too), CPUsS each pull's; ModelCPUS the CPU
	// time the model's stages take. 0 when not measured.
	CPUS      float64            `json:"cpu_s,omitempty"`
	CPUsS     []float64          `json:"cpus_s,omitempty"`
	ModelCPUS float64            `json:"model_cpu_s,omitempty"`
	Phases    map[string]float64 `json:"phases,omitempty"`
	Stages    map[string]float64 `json:"stages,omitempty"`
}

// The models a PullTime is set against.
const (
	ModelOverlapped = "overlapped" // download and decode at once
	ModelSequential = "sequential" // download, then decode
	ModelPipeline   = "pipeline"   // the tool's steps, with its fixed cost
)

// FormatName is p's format, "gzip" when not given.
func (p PullTime) FormatName() string {
	if p.Format == "" {
		return "gzip"
	}
	return p.Format
}

// MissPct is how far the measured median is from the model, in percent of
// the model: positive when the pull is slower than modelled.
func (p PullTime) MissPct() float64 {
	if p.ModelS <= 0 {
		return 0
	}
	return (p.MedianS/p.ModelS - 1) * 100
}

// ReadPulls reads a file written by scripts/pull.sh: the one reader of
// measured pulls.
func ReadPulls(path string) (*Pulls, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading measured pulls: %w", err)
	}
	var p Pulls
	if err := json.Unmarshal(b, &p); err != nil {
		return nil, fmt.Errorf("reading measured pulls %s: %w", path, err)
	}
	if len(p.Pulls) == 0 {
		return nil, fmt.Errorf("reading measured pulls %s: no pulls", path)
	}
	for i, t := range p.Pulls {
		if t.Client == "" || t.Rate == "" || t.MedianS <= 0 || t.ModelS <= 0 {
			return nil, fmt.Errorf("reading measured pulls %s: pull %d (%s at %s) lacks its client, rate, median or model time", path, i+1, t.Client, t.Rate)
		}
		if t.Format != "" && t.Format != "gzip" && t.Format != "zstd" {
			return nil, fmt.Errorf("reading measured pulls %s: pull %d (%s at %s): format %q, want gzip or zstd", path, i+1, t.Client, t.Rate, t.Format)
		}
		switch t.Model {
		case ModelOverlapped, ModelSequential:
		case ModelPipeline:
			if t.FixedS < 0 || t.WorkS <= 0 || math.Abs(t.FixedS+t.WorkS-t.ModelS) > 0.01*t.ModelS {
				return nil, fmt.Errorf("reading measured pulls %s: pull %d (%s at %s): a pipeline model's time must be its fixed cost plus its work", path, i+1, t.Client, t.Rate)
			}
		default:
			return nil, fmt.Errorf("reading measured pulls %s: pull %d (%s at %s): model %q, want overlapped, sequential or pipeline", path, i+1, t.Client, t.Rate, t.Model)
		}
	}
	return &p, nil
}
