package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os/exec"
	"strings"

	"zbench/evidence"
)

const evidenceAbout = `Answers the image-spec questions from run directories: size against gzip as
published, pull time at each bandwidth (download and decode overlapped and
not), what converting gzip to each encoder costs in CPU and how many pulls pay
for it, the storage of publishing both, determinism (from
RUNDIR/determinism.json, written by zbench determinism, or -determinism),
interop of every encoder and decoder, and buildkit's zstd levels; with a
lazy-pull analysis (RUNDIR/lazy.json, written by zbench lazy, or -lazy),
what eStargz and zstd:chunked add and save; with measured pulls
(RUNDIR/pulls.json, written by scripts/pull.sh, or -pulls), the pulls
measured through real clients against the model. Pull time
and storage are given per image too, for the images the runs recorded (layers
given as files belong to none). Every figure comes with its method and the
layers it holds for. Writes JSON (-o), and prints the answers on stdout (or
with -o -, JSON on stdout and nothing else).

Pull time is also given per client (-client): containerd, Docker,
containers/image, BuildKit and each decoder alone ("library"), each with the
decoders its source runs; a client that runs igzip or unpigz when it is on
PATH is resolved against this machine's PATH, and containerd/unpigz (say)
forces a path. The external decoders (igzip-pipe, unpigz-pipe) are measured
only when a run names them with -codecs or uses -profile reference.

Prices are assumptions: the defaults are AWS list prices (see -vcpu-hour and
-egress-gb); give your own. zbench report takes the same flags.`

// defaultDecoders is -decoders' default: evidence.DefaultDecoders.
const defaultDecoders = "gzip=gzip-std,zstd=zstd-klauspost"

// evidenceFlags are the assumptions of the evidence: flags of zbench
// evidence and zbench report.
type evidenceFlags struct {
	bandwidth string
	vcpuHour  float64
	egressGB  float64
	decoders  string
	client    string
	// lookPath finds a client's programs on PATH (exec.LookPath; a fake
	// in tests).
	lookPath func(string) (string, error)
}

func registerEvidenceFlags(fs *flag.FlagSet, f *evidenceFlags) {
	fs.StringVar(&f.bandwidth, "bandwidth", "100Mbit,1Gbit,10Gbit", "comma-separated link `speeds` for pull time (bit, kbit, Mbit, Gbit per second)")
	fs.Float64Var(&f.vcpuHour, "vcpu-hour", evidence.DefaultVCPUHourUSD, "price of a vCPU-hour in `USD` (default: AWS EC2 on-demand c5.2xlarge, us-east-1, $0.34/h for 8 vCPUs)")
	fs.Float64Var(&f.egressGB, "egress-gb", evidence.DefaultEgressGBUSD, "price of a GB (10^9 bytes) of egress in `USD` (default: AWS data transfer out to the internet, first 10 TB/month)")
	fs.StringVar(&f.decoders, "decoders", defaultDecoders, "the `decoder` of each format a client uses (default: Go's compress/gzip, as containerd before v2.4 and Docker without unpigz, and klauspost's zstd)")
	fs.StringVar(&f.client, "client", "all", "client `profiles` whose pull times are set side by side: all, none, or some of "+
		strings.Join(evidence.ClientNames(), ", ")+"; a client's gzip decoder follows what is on PATH here, CLIENT/PROGRAM forces one. "+
		"One profile alone also sets the decoders of every answer")
}

// extraFlags name the files beside the runs that add sections to the
// report and answers to the evidence: flags of zbench evidence and zbench
// report.
type extraFlags struct {
	lazy, pulls string
}

func registerExtraFlags(fs *flag.FlagSet, f *extraFlags) {
	fs.StringVar(&f.lazy, "lazy", "", "lazy-pull analysis `file`, as zbench lazy writes it (default: the first RUNDIR/lazy.json)")
	fs.StringVar(&f.pulls, "pulls", "", "measured pulls `file`, as scripts/pull.sh writes it (default: the first RUNDIR/pulls.json)")
}

// params checks the flags and returns the evidence's parameters; what is
// wrong it prints on stderr, and returns errUsage.
func (f *evidenceFlags) params(cmd string, stderr io.Writer) (evidence.Params, error) {
	p := evidence.DefaultParams()
	p.MoreLevels = "(-levels zstd-cgo=1-19)"
	var err error
	if p.Bandwidths, err = evidence.ParseBandwidths(f.bandwidth); err != nil {
		fmt.Fprintf(stderr, "zbench %s: -bandwidth: %v\n", cmd, err)
		return p, errUsage
	}
	for _, v := range []float64{f.vcpuHour, f.egressGB} {
		if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
			fmt.Fprintf(stderr, "zbench %s: -vcpu-hour and -egress-gb must be finite prices, not negative\n", cmd)
			return p, errUsage
		}
	}
	p.PriceSource = evidence.PriceSource(f.vcpuHour, f.egressGB)
	p.VCPUHourUSD, p.EgressGBUSD = f.vcpuHour, f.egressGB
	for _, kv := range splitComma(f.decoders) {
		format, dec, ok := strings.Cut(kv, "=")
		if !ok || (format != "gzip" && format != "zstd") || dec == "" {
			fmt.Fprintf(stderr, "zbench %s: -decoders %q: want gzip=CODEC,zstd=CODEC\n", cmd, f.decoders)
			return p, errUsage
		}
		p.Decoders[format] = dec
	}
	if f.client == "none" {
		return p, nil
	}
	look := f.lookPath
	if look == nil {
		look = exec.LookPath
	}
	if p.Clients, err = evidence.ResolveClients(f.client, look); err != nil {
		fmt.Fprintf(stderr, "zbench %s: -client: %v\n", cmd, err)
		return p, errUsage
	}
	if len(p.Clients) == 1 && p.Clients[0].Decoders != nil {
		if f.decoders != defaultDecoders {
			fmt.Fprintf(stderr, "zbench %s: -client %s sets the decoders; give -decoders or a single -client, not both\n", cmd, f.client)
			return p, errUsage
		}
		p.Decoders = p.Clients[0].Decoders
	}
	return p, nil
}

func cmdEvidence(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("evidence", "[flags] RUNDIR...", evidenceAbout, stderr)
	out := fs.String("o", "evidence.json", "write the JSON to `file` (- for stdout)")
	html := fs.String("html", "", "also write the answers as an HTML fragment to `file`")
	var ef evidenceFlags
	registerEvidenceFlags(fs, &ef)
	det := fs.String("determinism", "", "determinism matrix `file` (default: the first RUNDIR/determinism.json)")
	var xf extraFlags
	registerExtraFlags(fs, &xf)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "zbench evidence: name at least one run directory")
		return errUsage
	}
	p, err := ef.params("evidence", stderr)
	if err != nil {
		return err
	}

	e, err := evidence.Load(fs.Args(), evidence.Sources{Determinism: *det, Lazy: xf.lazy, Pulls: xf.pulls}, p)
	if err != nil {
		return inputErr(err)
	}
	if err := writeJSONTo(*out, stdout, e.WriteJSON); err != nil {
		return fmt.Errorf("writing evidence: %w", err)
	}
	if *html != "" {
		if err := writeJSONTo(*html, stdout, e.WriteHTML); err != nil {
			return fmt.Errorf("writing evidence HTML: %w", err)
		}
	}
	if *out == "-" {
		return nil
	}
	printAnswers(stdout, e)
	return nil
}

// printAnswers writes the answers for people: the question, the answer,
// the layers and the method.
func printAnswers(w io.Writer, e *evidence.Evidence) {
	for i, a := range e.Answers() {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%d. %s\n", i+1, a.Question)
		for _, s := range a.Answer {
			fmt.Fprintf(w, "   %s\n", s)
		}
		if len(a.Layers) > 0 {
			fmt.Fprintf(w, "   Holds for %d layer(s): %s.\n", len(a.Layers), strings.Join(a.Layers, ", "))
		}
		if len(a.Images) > 0 {
			fmt.Fprintf(w, "   Per image for %d image(s): %s.\n", len(a.Images), strings.Join(a.Images, ", "))
		}
		for _, n := range a.Notes {
			fmt.Fprintf(w, "   Note: %s\n", n)
		}
		fmt.Fprintf(w, "   Method: %s\n", a.Method)
	}
	for _, n := range e.Notes {
		fmt.Fprintf(w, "\nNote: %s", n)
	}
	if len(e.Notes) > 0 {
		fmt.Fprintln(w)
	}
}
