// Package clientwork measures what a container client does to a pulled
// layer beside decoding it: hashing the blob and the tar (sha256, as every
// client checks the digest and the diffID), writing each to a file and
// syncing it (a content store, a dir: destination), unpacking the tar into
// a directory (a snapshotter's or storage driver's apply) and copying the
// unpacked tree (what a snapshotter or storage driver that copies the
// parent layer, such as containerd's native snapshotter and the vfs
// driver, does before applying the layer above).
//
// Each stage is timed Options.Count times on a scratch directory and the
// median kept. The figures feed the pull model of package evidence, which
// composes them per client from the steps its source takes.
package clientwork

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/pgzip"
	"github.com/vbatts/tar-split/tar/asm"
	"github.com/vbatts/tar-split/tar/storage"

	"zbench/results"
)

// Method says in words how the stages are measured.
const Method = "Each stage is timed on its own, wall time, the median of the count, in a scratch directory on the file system named: " +
	"sha256 of the blob and of the tar (Go's crypto/sha256); the tar split by tar-split into its JSON metadata, gzipped, as containers/storage does; a 4 KiB metadata file written atomically (write, fdatasync, rename); writing each into a new file 32 KiB at a time (what io.Copy writes), " +
	"then its fsync, timed apart; unpacking the tar into an empty directory as containerd's and containers/storage's appliers do " +
	"(directories, files, symlinks and hard links; owner, mode and times set per entry, owners only as root; device nodes, " +
	"extended attributes and whiteouts left out), and copying the unpacked tree into an empty directory " +
	"(file contents through copy_file_range, links kept), as the native snapshotter and the vfs driver copy a parent layer. " +
	"Page cache is warm; the file system is synced before each timing (not timed), and nothing is synced after unpacking or copying, as the clients do not."

// Options say how to measure.
type Options struct {
	// Dir is where the scratch directories go (the file system the
	// clients write to); "" for the system's temporary directory.
	Dir string
	// Count is how many times each stage is timed (at least 1).
	Count int
}

// A Layer is one layer's bytes: the blob as published and its tar.
type Layer struct {
	Name string
	Blob []byte
	Raw  []byte
}

// Measure times the stages on l.
func Measure(ctx context.Context, l Layer, o Options) (results.LayerWork, error) {
	w := results.LayerWork{Layer: l.Name, BlobBytes: int64(len(l.Blob)), TarBytes: int64(len(l.Raw))}
	if len(l.Blob) == 0 || len(l.Raw) == 0 {
		return w, fmt.Errorf("layer %s: empty blob or tar", l.Name)
	}
	if o.Count < 1 {
		o.Count = 1
	}
	scratch, err := os.MkdirTemp(o.Dir, "zbench-clientwork-")
	if err != nil {
		return w, err
	}
	defer removeAll(scratch)

	median := func(f func(i int) (time.Duration, error)) (float64, error) {
		var ds []float64
		for i := range o.Count {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			// Each timing starts with the file system's dirty data
			// written out, so no stage pays for the one before.
			syncFS(scratch)
			d, err := f(i)
			if err != nil {
				return 0, err
			}
			ds = append(ds, d.Seconds())
		}
		return medianOf(ds), nil
	}
	hash := func(b []byte) func(int) (time.Duration, error) {
		return func(int) (time.Duration, error) {
			t := time.Now()
			h := sha256.New()
			h.Write(b)
			h.Sum(nil)
			return time.Since(t), nil
		}
	}
	if w.SHA256BlobS, err = median(hash(l.Blob)); err != nil {
		return w, err
	}
	if w.SHA256TarS, err = median(hash(l.Raw)); err != nil {
		return w, err
	}
	// write times a file's write; the fsync after it goes to syncs.
	var syncs []float64
	write := func(b []byte, name string) func(int) (time.Duration, error) {
		syncs = syncs[:0]
		return func(i int) (time.Duration, error) {
			p := filepath.Join(scratch, fmt.Sprintf("%s-%d", name, i))
			d, s, err := writeFile(p, b)
			os.Remove(p)
			if err != nil {
				return 0, fmt.Errorf("layer %s: %w", l.Name, err)
			}
			syncs = append(syncs, s.Seconds())
			return d, nil
		}
	}
	if w.WriteBlobS, err = median(write(l.Blob, "blob")); err != nil {
		return w, err
	}
	w.FsyncBlobS = medianOf(syncs)
	if w.WriteTarS, err = median(write(l.Raw, "tar")); err != nil {
		return w, err
	}
	w.FsyncTarS = medianOf(syncs)
	small := bytes.Repeat([]byte("{}\n"), 4096/3)
	if w.SyncSmallS, err = median(func(i int) (time.Duration, error) {
		t := time.Now()
		err := writeSynced(filepath.Join(scratch, "layers.json"), small)
		return time.Since(t), err
	}); err != nil {
		return w, fmt.Errorf("layer %s: %w", l.Name, err)
	}
	if w.TarSplitS, err = median(func(int) (time.Duration, error) {
		t := time.Now()
		err := tarSplit(l.Raw)
		return time.Since(t), err
	}); err != nil {
		return w, fmt.Errorf("layer %s: tar-split: %w", l.Name, err)
	}
	var st Stats
	if w.UntarS, err = median(func(i int) (time.Duration, error) {
		dst := filepath.Join(scratch, fmt.Sprintf("untar-%d", i))
		t := time.Now()
		s, err := Untar(dst, bytes.NewReader(l.Raw))
		d := time.Since(t)
		st = s
		removeAll(dst)
		if err != nil {
			return 0, fmt.Errorf("layer %s: unpacking: %w", l.Name, err)
		}
		return d, nil
	}); err != nil {
		return w, err
	}
	w.Entries, w.Unpacked = st.Entries, st.Created
	// One unpacked tree is the source of every copy.
	src := filepath.Join(scratch, "tree")
	if _, err := Untar(src, bytes.NewReader(l.Raw)); err != nil {
		return w, fmt.Errorf("layer %s: unpacking: %w", l.Name, err)
	}
	if w.CopyS, err = median(func(i int) (time.Duration, error) {
		dst := filepath.Join(scratch, fmt.Sprintf("copy-%d", i))
		t := time.Now()
		err := CopyTree(dst, src)
		d := time.Since(t)
		removeAll(dst)
		if err != nil {
			return 0, fmt.Errorf("layer %s: copying the unpacked tree: %w", l.Name, err)
		}
		return d, nil
	}); err != nil {
		return w, err
	}
	return w, nil
}

// medianOf is the median of xs (which it sorts), 0 for none.
func medianOf(xs []float64) float64 {
	n := len(xs)
	if n == 0 {
		return 0
	}
	slices.Sort(xs)
	if n%2 == 0 {
		return (xs[n/2-1] + xs[n/2]) / 2
	}
	return xs[n/2]
}

// Environment fills the fields of a results.ClientWork that describe the
// machine and the method, for scratch directories under dir.
func Environment(dir string, count int) results.ClientWork {
	if dir == "" {
		dir = os.TempDir()
	}
	return results.ClientWork{Count: max(count, 1), Cores: runtime.NumCPU(), Filesystem: FilesystemType(dir),
		Root: os.Geteuid() == 0, Arch: runtime.GOARCH, Method: Method}
}

// writeFile writes b into a new file at p in 32 KiB writes, then syncs
// it: the time of each.
func writeFile(p string, b []byte) (write, sync time.Duration, err error) {
	t := time.Now()
	f, err := os.OpenFile(p, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	for off := 0; off < len(b); off += 32 << 10 {
		if _, err := f.Write(b[off:min(off+32<<10, len(b))]); err != nil {
			return 0, 0, err
		}
	}
	write = time.Since(t)
	t = time.Now()
	if err := f.Sync(); err != nil {
		return 0, 0, err
	}
	return write, time.Since(t), f.Close()
}

// tarSplit splits raw as containers/storage does while it applies a layer
// (layers.go, applyDiffWithOptions): tar-split's disassembler, checksumming
// every file's payload, into its JSON packer, gzipped by pgzip at its best
// speed with one block in flight.
func tarSplit(raw []byte) error {
	var meta bytes.Buffer
	zw, err := pgzip.NewWriterLevel(&meta, pgzip.BestSpeed)
	if err != nil {
		return err
	}
	if err := zw.SetConcurrency(1<<20, 1); err != nil {
		return err
	}
	r, err := asm.NewInputTarStream(bytes.NewReader(raw), storage.NewJSONPacker(zw), storage.NewDiscardFilePutter())
	if err != nil {
		return err
	}
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	return zw.Close()
}

// writeSynced replaces p with b atomically and durably, as
// containers/storage's ioutils.AtomicWriteFile does: a temporary file,
// written, fdatasync'd, renamed over p.
func writeSynced(p string, b []byte) error {
	tmp := p + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := fdatasync(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, p)
}

// removeAll removes a scratch tree, making read-only directories writable
// first when a plain RemoveAll fails.
func removeAll(p string) {
	if os.RemoveAll(p) == nil {
		return
	}
	filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			os.Chmod(q, 0o755)
		}
		return nil
	})
	os.RemoveAll(p)
}

// Stats count what Untar met and made.
type Stats struct {
	Entries int // tar entries read
	Created int // directories, files and links made
}

// Untar unpacks the tar r into dst, which must not exist. It does what a
// client's applier does for each entry (create, write, chown when root,
// chmod, chtimes; directories' last) with plain path system calls, as
// containers/storage does in its chroot, and leaves out what the model
// does not need: device nodes, extended attributes, whiteouts. It stays
// inside dst by keeping a map of what it made: an entry whose path passes
// through a symlink, or a hard link to anything but a file it wrote, is an
// error.
func Untar(dst string, r io.Reader) (Stats, error) {
	var st Stats
	if err := os.Mkdir(dst, 0o755); err != nil {
		return st, err
	}
	asRoot := os.Geteuid() == 0
	buf := make([]byte, 32<<10)
	const (
		isDir = iota + 1
		isFile
		isOther
	)
	made := map[string]int{".": isDir}
	// mkdirs makes the parents of name, refusing a path through anything
	// but a directory.
	var mkdirs func(dir string) error
	mkdirs = func(dir string) error {
		switch made[dir] {
		case isDir:
			return nil
		case 0:
			if err := mkdirs(path.Dir(dir)); err != nil {
				return err
			}
			if err := os.Mkdir(filepath.Join(dst, dir), 0o755); err != nil {
				return err
			}
			made[dir] = isDir
			return nil
		}
		return fmt.Errorf("the path passes through %s, which is not a directory", dir)
	}
	// clear removes what the tar made at name before, as a later entry
	// replaces an earlier one.
	clear := func(name string) error {
		switch made[name] {
		case 0:
			return nil
		case isDir:
			return fmt.Errorf("replaces a directory")
		}
		delete(made, name)
		return os.Remove(filepath.Join(dst, name))
	}
	// Directories get their owner, mode and times last, as in the
	// clients: a read-only directory must still take its entries.
	var dirs []*tar.Header
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, err
		}
		st.Entries++
		name := strings.TrimPrefix(path.Clean("/"+h.Name), "/")
		if name == "" || strings.HasPrefix(path.Base(name), ".wh.") {
			continue
		}
		if err := mkdirs(path.Dir(name)); err != nil {
			return st, fmt.Errorf("%s: %w", h.Name, err)
		}
		full := filepath.Join(dst, name)
		mode := fs.FileMode(h.Mode) & fs.ModePerm
		switch h.Typeflag {
		case tar.TypeDir:
			if made[name] != isDir {
				if err := clear(name); err != nil {
					return st, fmt.Errorf("%s: %w", h.Name, err)
				}
				if err := os.Mkdir(full, mode|0o700); err != nil {
					return st, fmt.Errorf("%s: %w", h.Name, err)
				}
				made[name] = isDir
			}
			h.Name = name
			dirs = append(dirs, h)
			st.Created++
			continue
		case tar.TypeReg:
			if err := clear(name); err != nil {
				return st, fmt.Errorf("%s: %w", h.Name, err)
			}
			f, err := os.OpenFile(full, os.O_CREATE|os.O_EXCL|os.O_WRONLY, mode|0o200)
			if err != nil {
				return st, fmt.Errorf("%s: %w", h.Name, err)
			}
			made[name] = isFile
			_, err = io.CopyBuffer(struct{ io.Writer }{f}, tr, buf)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return st, fmt.Errorf("%s: %w", h.Name, err)
			}
		case tar.TypeSymlink:
			if err := clear(name); err != nil {
				return st, fmt.Errorf("%s: %w", h.Name, err)
			}
			if err := os.Symlink(h.Linkname, full); err != nil {
				return st, fmt.Errorf("%s: %w", h.Name, err)
			}
			made[name] = isOther
			if asRoot {
				os.Lchown(full, h.Uid, h.Gid)
			}
			st.Created++
			continue
		case tar.TypeLink:
			target := strings.TrimPrefix(path.Clean("/"+h.Linkname), "/")
			if made[target] != isFile {
				return st, fmt.Errorf("%s: hard link to %s, which is not a file of this layer", h.Name, h.Linkname)
			}
			if err := clear(name); err != nil {
				return st, fmt.Errorf("%s: %w", h.Name, err)
			}
			if err := os.Link(filepath.Join(dst, target), full); err != nil {
				return st, fmt.Errorf("%s: %w", h.Name, err)
			}
			made[name] = isFile
			st.Created++
			continue
		default: // device nodes, FIFOs and the like: left out
			continue
		}
		st.Created++
		if err := setAttrs(full, h, asRoot); err != nil {
			return st, err
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := setAttrs(filepath.Join(dst, dirs[i].Name), dirs[i], asRoot); err != nil {
			return st, err
		}
	}
	return st, nil
}

// setAttrs gives p the owner (when root), mode and times of h: chmod
// after chown, which clears the setuid bits, as the clients do.
func setAttrs(p string, h *tar.Header, asRoot bool) error {
	if asRoot {
		if err := os.Lchown(p, h.Uid, h.Gid); err != nil {
			return err
		}
	}
	if err := os.Chmod(p, fs.FileMode(h.Mode)&fs.ModePerm|modeBits(h.Mode)); err != nil {
		return err
	}
	at := h.AccessTime
	if at.IsZero() {
		at = h.ModTime
	}
	return os.Chtimes(p, at, h.ModTime)
}

// modeBits turns tar's setuid, setgid and sticky bits (c_ISUID...) into
// fs.FileMode's.
func modeBits(m int64) fs.FileMode {
	var fm fs.FileMode
	if m&0o4000 != 0 {
		fm |= fs.ModeSetuid
	}
	if m&0o2000 != 0 {
		fm |= fs.ModeSetgid
	}
	if m&0o1000 != 0 {
		fm |= fs.ModeSticky
	}
	return fm
}

// CopyTree copies the tree at src into dst, which must not exist:
// directories, files (contents through copy_file_range), symlinks and hard
// links (a second name of an inode already copied becomes a link), owners
// when root, modes and times.
func CopyTree(dst, src string) error {
	asRoot := os.Geteuid() == 0
	if err := os.Mkdir(dst, 0o755); err != nil {
		return err
	}
	type ino struct{ dev, ino uint64 }
	seen := map[ino]string{}
	// Directories get their owner, mode and times last.
	type dir struct {
		p  string
		fi fs.FileInfo
	}
	var dirs []dir
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		sys, _ := fi.Sys().(*syscall.Stat_t)
		switch {
		case d.IsDir():
			if rel != "." {
				if err := os.Mkdir(target, fi.Mode().Perm()|0o700); err != nil {
					return err
				}
			}
			dirs = append(dirs, dir{target, fi})
			return nil
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(p)
			if err != nil {
				return err
			}
			if err := os.Symlink(l, target); err != nil {
				return err
			}
			if asRoot && sys != nil {
				os.Lchown(target, int(sys.Uid), int(sys.Gid))
			}
			return nil
		case fi.Mode().IsRegular():
			if sys != nil && sys.Nlink > 1 {
				k := ino{uint64(sys.Dev), sys.Ino}
				if first, ok := seen[k]; ok {
					return os.Link(first, target)
				}
				seen[k] = target
			}
			if err := copyFile(target, p, fi.Mode().Perm()); err != nil {
				return err
			}
		default:
			return nil
		}
		return copyAttrs(target, fi, asRoot)
	})
	if err != nil {
		return err
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := copyAttrs(dirs[i].p, dirs[i].fi, asRoot); err != nil {
			return err
		}
	}
	return nil
}

// copyAttrs gives target the owner (when root), mode and times of fi.
func copyAttrs(target string, fi fs.FileInfo, asRoot bool) error {
	if sys, ok := fi.Sys().(*syscall.Stat_t); ok && asRoot {
		if err := os.Lchown(target, int(sys.Uid), int(sys.Gid)); err != nil {
			return err
		}
	}
	if err := os.Chmod(target, fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky)); err != nil {
		return err
	}
	return os.Chtimes(target, fi.ModTime(), fi.ModTime())
}

// copyFile copies a regular file's contents; io.Copy between two files
// uses copy_file_range on Linux.
func copyFile(dst, src string, perm fs.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm|0o200)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
