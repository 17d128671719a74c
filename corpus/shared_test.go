package corpus

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// manifestRow is a row of ../shared/corpus/MANIFEST.tsv.
type manifestRow struct {
	file             string // relative to the corpus directory
	format           string
	compressedBytes  int64
	sha256Compressed string
	rawBytes         int64
	sha256Raw        string
}

func readManifest(t *testing.T, dir string) []manifestRow {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var rows []manifestRow
	col := map[string]int{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(col) == 0 {
			for i, name := range fields {
				col[name] = i
			}
			for _, name := range []string{"file", "compressed_format", "compressed_bytes", "sha256_compressed", "uncompressed_bytes", "sha256_uncompressed"} {
				if _, ok := col[name]; !ok {
					t.Fatalf("MANIFEST.tsv has no %s column", name)
				}
			}
			continue
		}
		if len(fields) < len(col) {
			t.Fatalf("MANIFEST.tsv: short row %q", sc.Text())
		}
		num := func(name string) int64 {
			n, err := strconv.ParseInt(fields[col[name]], 10, 64)
			if err != nil {
				t.Fatalf("MANIFEST.tsv: %s: %v", name, err)
			}
			return n
		}
		rows = append(rows, manifestRow{
			file:             fields[col["file"]],
			format:           fields[col["compressed_format"]],
			compressedBytes:  num("compressed_bytes"),
			sha256Compressed: fields[col["sha256_compressed"]],
			rawBytes:         num("uncompressed_bytes"),
			sha256Raw:        fields[col["sha256_uncompressed"]],
		})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestSharedCorpus loads every layer of ../shared/corpus and checks it
// against the manifest: the digest and diffID are what the manifest says,
// both as Load computes them and as the layer's own methods do.
func TestSharedCorpus(t *testing.T) {
	dir := needSharedCorpus(t)
	rows := readManifest(t, dir)
	if len(rows) == 0 {
		t.Fatal("MANIFEST.tsv lists no layers")
	}
	for _, row := range rows {
		t.Run(nameFromFile(row.file), func(t *testing.T) {
			if strings.Contains(row.file, "debian-") && testing.Short() {
				t.Skipf("%s: %d MB of tar, skipped in -short mode", row.file, row.rawBytes>>20)
			}
			path := filepath.Join(dir, filepath.FromSlash(row.file))
			entries, err := FileSource(path).Layers(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			e := entries[0]
			e.Digest = v1.Hash{Algorithm: "sha256", Hex: row.sha256Compressed}
			e.DiffID = v1.Hash{Algorithm: "sha256", Hex: row.sha256Raw}
			l, err := Load(context.Background(), e, LoadOptions{MaxBytes: 1 << 30})
			if err != nil {
				t.Fatal(err)
			}
			if l.Format != row.format {
				t.Errorf("Format = %q, manifest says %q", l.Format, row.format)
			}
			if int64(len(l.Blob)) != row.compressedBytes || int64(len(l.Raw)) != row.rawBytes {
				t.Errorf("blob, raw = %d, %d bytes; manifest says %d, %d", len(l.Blob), len(l.Raw), row.compressedBytes, row.rawBytes)
			}
			if l.Digest.Hex != row.sha256Compressed || l.DiffID.Hex != row.sha256Raw {
				t.Errorf("Digest, DiffID = %s, %s; manifest says %s, %s", l.Digest, l.DiffID, row.sha256Compressed, row.sha256Raw)
			}
			if l.Files == 0 {
				t.Errorf("Files = 0")
			}
			if waste := cap(l.Raw) - len(l.Raw); waste > 1<<20 {
				t.Errorf("Raw has %d bytes of spare capacity", waste)
			}
			t.Logf("%s: %s, %d -> %d bytes, %d files", e.Name, l.Format, len(l.Blob), len(l.Raw), l.Files)
			if row.rawBytes < 20<<20 && l.Format != FormatXz { // ulikunitz/xz decodes at 17 MB/s
				checkLayer(t, e.Layer, l)
			}
		})
	}
}

// TestSharedCorpusDir lists ../shared/corpus/layers as a directory source.
func TestSharedCorpusDir(t *testing.T) {
	dir := needSharedCorpus(t)
	rows := readManifest(t, dir)
	entries, err := DirSource(filepath.Join(dir, "layers")).Layers(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != len(rows) {
		t.Errorf("DirSource gives %d layers, MANIFEST.tsv lists %d", len(entries), len(rows))
	}
	for i, e := range entries {
		if i > 0 && entries[i-1].Origin >= e.Origin {
			t.Errorf("entries not in name order: %s before %s", entries[i-1].Origin, e.Origin)
		}
		if e.Name != CleanName(e.Name) || strings.Contains(e.Name, ".tar") {
			t.Errorf("entry name %q is not a clean base name", e.Name)
		}
	}
	// The directory above holds MANIFEST.tsv and README.md and the layers/
	// subdirectory only: nothing to measure.
	if _, err := DirSource(dir).Layers(context.Background()); err == nil {
		t.Errorf("DirSource(%s) found layers among MANIFEST.tsv and README.md", dir)
	}
}
