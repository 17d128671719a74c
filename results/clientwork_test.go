package results

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientWorkRoundTrip(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ClientWorkFile)
	w := &ClientWork{Count: 3, Cores: 2, Arch: "amd64", SHA256LegacyMBps: 300, Method: "m",
		Layers: []LayerWork{{Layer: "a", BlobBytes: 10, TarBytes: 30, Entries: 2, Unpacked: 2, UntarS: 0.5, CopyS: 0.25, SHA256TarS: 0.01}}}
	if err := WriteClientWork(path, w); err != nil {
		t.Fatal(err)
	}
	got, err := ReadClientWork(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Layers[0].Stages()[StageUntar] != 0.5 || got.Layers[0].Stages()[StageCopy] != 0.25 || got.SHA256LegacyMBps != 300 {
		t.Errorf("%+v", got)
	}
	for body, want := range map[string]string{
		`{"cores": 2, "layers": []}`: "no layers",
		`{"cores": 0, "layers": [{"layer": "a", "blob_bytes": 1, "tar_bytes": 1}]}`:                                                  "cores",
		`{"cores": 2, "layers": [{"layer": "a", "blob_bytes": 1, "tar_bytes": 1}, {"layer": "a", "blob_bytes": 1, "tar_bytes": 1}]}`: "already given",
		`{"cores": 2, "layers": [{"layer": "a", "blob_bytes": 1, "tar_bytes": 0}]}`:                                                  "sizes must be positive",
		`{"cores": 2, "layers": [{"layer": "a", "blob_bytes": 1, "tar_bytes": 1, "untar_s": -1}]}`:                                   "untar is -1",
		`{"cores": 2, "layers": [`: "unexpected end",
	} {
		os.WriteFile(path, []byte(body), 0o644)
		if _, err := ReadClientWork(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", body, err, want)
		}
	}
}
