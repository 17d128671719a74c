package bench_test

import (
	"context"
	"testing"

	"zbench/bench"
	"zbench/results"
)

// TestRunEncodeOnly runs the lazy-pull writers beside the plain codecs:
// they are measured as encoders, never as decoders; every plain decoder of
// their format reads their output, checked against what their library's
// reader says it decodes to (for eStargz, a tar with its TOC appended, so
// not the layer's diffID).
func TestRunEncodeOnly(t *testing.T) {
	in := testInput(t)
	gz, kz := mustCodec(t, "gzip-std"), mustCodec(t, "zstd-klauspost")
	esgz, zc := mustCodec(t, "estargz"), mustCodec(t, "zstd-chunked")
	plan := testPlan(t, gz, kz, esgz, zc)
	var got []results.Record
	r := &bench.Runner{Opts: fastOpts, Plan: plan, Emit: func(recs []results.Record) error {
		got = append(got, recs...)
		return nil
	}}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	// memcpy, gzip-std on the original, 4 encodes, one decode each.
	if want := plan.CellsFor(in.Name, in.Format); len(want) != 1+1+4+4 {
		t.Fatalf("CellsFor gives %d cells, want 10: %v", len(want), want)
	}
	seen := map[results.CellKey]bool{}
	for _, rec := range got {
		seen[rec.Key()] = true
		if rec.Err != "" || !rec.Verified {
			t.Errorf("%v: err %q, verified %v", rec.Key(), rec.Err, rec.Verified)
		}
		if rec.Op == results.OpDecode || rec.Op == results.OpDecodeOriginal {
			if rec.Codec == "estargz" || rec.Codec == "zstd-chunked" {
				t.Errorf("%v: an encode-only codec measured as a decoder", rec.Key())
			}
		}
		if rec.Op == results.OpDecode && rec.From == "estargz" && rec.RawBytes <= int64(len(in.Raw)) {
			t.Errorf("%v: decodes %d bytes; want the tar (%d bytes) and the TOC entry", rec.Key(), rec.RawBytes, len(in.Raw))
		}
		if rec.Op == results.OpDecode && rec.From == "zstd-chunked" && rec.RawBytes != int64(len(in.Raw)) {
			t.Errorf("%v: decodes %d bytes; want the tar, %d bytes", rec.Key(), rec.RawBytes, len(in.Raw))
		}
	}
	if len(seen) != 10 {
		t.Errorf("got %d cells, want 10", len(seen))
	}
}

// TestRunEncodeOnlyBadOutput: an encode-only codec whose output does not
// pass its library's check fails its encode cell and its decoders say why.
func TestRunEncodeOnlyBadOutput(t *testing.T) {
	in := testInput(t)
	gz := mustCodec(t, "gzip-std")
	bad := truncating{mustCodec(t, "estargz")}
	plan := testPlan(t, gz, bad)
	var got []results.Record
	r := &bench.Runner{Opts: fastOpts, Plan: plan, Emit: func(recs []results.Record) error {
		got = append(got, recs...)
		return nil
	}}
	if err := r.Run(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	failed := 0
	for _, rec := range got {
		if rec.From == "estargz" || (rec.Op == results.OpEncode && rec.Codec == "estargz") {
			if rec.Err == "" {
				t.Errorf("%v: no error for a truncated eStargz output", rec.Key())
			} else {
				failed++
			}
		} else if rec.Err != "" {
			t.Errorf("%v: %s", rec.Key(), rec.Err)
		}
	}
	if failed != 2 {
		t.Errorf("%d failed cells, want 2 (the encode and gzip-std's decode)", failed)
	}
}

// truncating is eStargz whose check sees its output without the footer.
type truncating struct{ bench.Codec }

func (c truncating) EncodeOnly() {}
func (c truncating) Verify(out, raw []byte) (int64, string, error) {
	return c.Codec.(bench.Verifier).Verify(out[:len(out)-10], raw)
}
