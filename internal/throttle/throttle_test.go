package throttle

import (
	"bytes"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// server accepts connections and sends each size bytes, then closes it.
func server(t *testing.T, size int) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	payload := bytes.Repeat([]byte("zbench throttle "), size/16)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				// Read the request line first: the upstream direction
				// goes through the proxy too.
				buf := make([]byte, 6)
				io.ReadFull(c, buf)
				c.Write(payload)
				c.Close()
			}()
		}
	}()
	t.Cleanup(func() { l.Close() })
	return l
}

func start(t *testing.T, target string, bits float64) string {
	t.Helper()
	p, err := New(target, bits)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- p.Serve(l) }()
	t.Cleanup(func() {
		p.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return l.Addr().String()
}

// fetch connects through addr, sends a request and reads the reply.
func fetch(t *testing.T, addr string) int64 {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Error(err)
		return 0
	}
	defer c.Close()
	c.Write([]byte("GET /\n"))
	n, err := io.Copy(io.Discard, c)
	if err != nil {
		t.Error(err)
	}
	return n
}

// TestRate checks the rate on loopback: 2 MiB at 32 Mbit/s take 0.52 s;
// the proxy may not be faster than the rate by more than its bucket, and is
// allowed 15% slower on a loaded machine. Two connections at once share
// the rate.
func TestRate(t *testing.T) {
	const size = 2 << 20
	const bits = 32e6
	want := float64(size) * 8 / bits
	addr := start(t, server(t, size).Addr().String(), bits)

	t0 := time.Now()
	if n := fetch(t, addr); n != size {
		t.Fatalf("got %d bytes, want %d", n, size)
	}
	got := time.Since(t0).Seconds()
	lo := want * (1 - float64(Burst(bits/8))/size) * 0.99
	if got < lo || got > want*1.15 {
		t.Errorf("%d bytes at %g bit/s took %.3f s, want %.3f s (from %.3f to %.3f)", size, bits, got, want, lo, want*1.15)
	}

	t0 = time.Now()
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); fetch(t, addr) }()
	}
	wg.Wait()
	got = time.Since(t0).Seconds()
	if got < 2*want*0.97 || got > 2*want*1.15 {
		t.Errorf("two connections of %d bytes at once took %.3f s, want %.3f s: the link is shared", size, got, 2*want)
	}
}

func TestNew(t *testing.T) {
	for _, c := range []struct {
		target string
		bits   float64
	}{{"127.0.0.1:5000", 0}, {"127.0.0.1:5000", -1}, {"no-port", 1e6}} {
		if _, err := New(c.target, c.bits); err == nil {
			t.Errorf("New(%q, %g) = nil error", c.target, c.bits)
		}
	}
}

func TestBurst(t *testing.T) {
	if b := Burst(1e9 / 8); b != 625000 {
		t.Errorf("Burst at 1 Gbit/s = %d, want 5 ms of it, 625000 bytes", b)
	}
	if b := Burst(32e6 / 8); b != Chunk {
		t.Errorf("Burst at 32 Mbit/s = %d, want at least a chunk, %d", b, Chunk)
	}
}
