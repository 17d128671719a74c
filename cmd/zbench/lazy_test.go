package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"zbench/bench"
	"zbench/bench/codecs"
	"zbench/lazy/chunked"
	"zbench/results"
)

func encodeWith(t *testing.T, codec, level string, raw []byte) []byte {
	t.Helper()
	c, err := codecs.ByName(codec)
	if err != nil {
		t.Fatal(err)
	}
	l, err := bench.LevelByName(c, level)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	w, err := c.NewWriter(&buf, l)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(raw)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// inChunk returns an offset in the middle of the largest chunk's frame of
// blob, a lazy-pull layer: a byte there is file content, which every plain
// decoder reads.
func inChunk(t *testing.T, blob []byte) int {
	t.Helper()
	l, err := chunked.Parse(blob)
	if err != nil {
		t.Fatal(err)
	}
	best := l.Chunks[0]
	for _, c := range l.Chunks {
		if c.End-c.Offset > best.End-best.Offset {
			best = c
		}
	}
	return int(best.Offset+best.End) / 2
}

// TestRunBadChunkedLayers: eStargz and zstd:chunked layers given as SOURCEs
// are measured like any layer; truncated, or with a byte of a chunk
// changed, each is a FAIL that names it, and the run goes on.
func TestRunBadChunkedLayers(t *testing.T) {
	dir := t.TempDir()
	layers := filepath.Join(dir, "layers")
	os.Mkdir(layers, 0o755)
	raw := tarLayer(t, 4)
	for _, c := range []struct{ name, codec, level string }{
		{"esgz", "estargz", "6"},
		{"zchunked", "zstd-chunked", "3"},
	} {
		blob := encodeWith(t, c.codec, c.level, raw)
		write(t, layers, "a-"+c.name+"-good.tar", blob)
		write(t, layers, "b-"+c.name+"-truncated.tar", blob[:len(blob)/2])
		flipped := bytes.Clone(blob)
		flipped[inChunk(t, blob)] ^= 0x55
		write(t, layers, "c-"+c.name+"-flipped.tar", flipped)
	}
	out := filepath.Join(dir, "run")
	code, _, stderr := zbench(t, context.Background(), append(append([]string{"run", "-o", out}, fastArgs...), layers)...)
	if code != 1 {
		t.Errorf("exit %d, want 1 (some layers failed)\n%s", code, stderr)
	}
	for _, name := range []string{"b-esgz-truncated", "c-esgz-flipped", "b-zchunked-truncated", "c-zchunked-flipped"} {
		if !strings.Contains(stderr, "FAIL layer \""+name+"\"") {
			t.Errorf("stderr does not name %s as failed:\n%s", name, stderr)
		}
	}
	good := map[string]int{}
	for _, r := range loadRun(t, out) {
		if r.Op == results.OpDecodeOriginal && r.Err == "" && r.Verified {
			good[r.Layer]++
		}
	}
	if good["a-esgz-good"] == 0 || good["a-zchunked-good"] == 0 {
		t.Errorf("the good chunked layers were not decoded as published: %v", good)
	}
}

// TestLazyCommand runs zbench lazy on two versions of a small layer.
func TestLazyCommand(t *testing.T) {
	dir := t.TempDir()
	v1, v2 := tarLayer(t, 5), tarLayer(t, 6)
	p1 := write(t, dir, "v1.tar.gz", gz(v1))
	p2 := write(t, dir, "v2.tar.gz", gz(v2))
	js := filepath.Join(dir, "lazy.json")
	code, stdout, stderr := zbench(t, context.Background(), "lazy", "-o", js, "-n", "2", p1, p2)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	for _, want := range []string{"| v1 | estargz/9 | gzip-std/9 |", "| v1 | zstd-chunked/10 | zstd-klauspost/best |", "| v1 → v2 | estargz-prio |", "Files first"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("tables lack %q:\n%s", want, stdout)
		}
	}
	b, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Overheads []struct{ Layer, Format string } `json:"overheads"`
		Updates   []struct{ From, To string }      `json:"updates"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Overheads) != 6 || len(doc.Updates) != 3 {
		t.Errorf("JSON has %d overheads and %d updates, want 6 and 3", len(doc.Overheads), len(doc.Updates))
	}
	if code, _, _ := zbench(t, context.Background(), "lazy", "-formats", "gzip-std", p1); code != 2 {
		t.Errorf("-formats gzip-std: exit %d, want 2", code)
	}
}
