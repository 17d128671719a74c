// Package throttle is a TCP proxy that limits bandwidth, for measuring a
// pull through a real client at a set link speed without system-wide traffic
// control: the client talks to the proxy on loopback, the proxy to the
// registry.
//
// The limit is a token bucket per direction (golang.org/x/time/rate),
// shared by every connection, as one link is: a client that pulls layers
// over several connections shares the rate among them. The bucket holds
// 5 ms of the rate (at least [Chunk] bytes): a transfer that starts after
// an idle moment gets its first 5 ms of bytes at once, and a proxy woken up
// to 5 ms late loses no rate. Latency is not added.
package throttle

import (
	"context"
	"fmt"
	"net"
	"sync"

	"golang.org/x/time/rate"
)

// Chunk is the largest read and write the proxy makes: 32 KiB.
const Chunk = 32 << 10

// BurstSeconds is the time at the rate the token bucket holds.
const BurstSeconds = 0.005

// Burst is the token bucket's size at a rate in bytes per second.
func Burst(bytesPerSecond float64) int {
	return max(Chunk, int(bytesPerSecond*BurstSeconds))
}

// A Proxy forwards the connections it accepts to Target, each direction at
// most BytesPerSecond over all connections.
type Proxy struct {
	Target         string
	BytesPerSecond float64

	once     sync.Once
	down, up *rate.Limiter // target → client, client → target
	ctx      context.Context
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    map[net.Conn]bool
	l        net.Listener
}

// New returns a proxy to target limited to bitsPerSecond in each direction.
func New(target string, bitsPerSecond float64) (*Proxy, error) {
	if bitsPerSecond <= 0 {
		return nil, fmt.Errorf("throttle: rate %g bit/s: want a positive rate", bitsPerSecond)
	}
	if _, _, err := net.SplitHostPort(target); err != nil {
		return nil, fmt.Errorf("throttle: target %q: %w", target, err)
	}
	return &Proxy{Target: target, BytesPerSecond: bitsPerSecond / 8}, nil
}

func (p *Proxy) init() {
	p.once.Do(func() {
		b := Burst(p.BytesPerSecond)
		p.down = rate.NewLimiter(rate.Limit(p.BytesPerSecond), b)
		p.up = rate.NewLimiter(rate.Limit(p.BytesPerSecond), b)
		p.ctx, p.cancel = context.WithCancel(context.Background())
		p.conns = map[net.Conn]bool{}
	})
}

// Serve accepts connections on l until Close, forwarding each to the
// target. It returns nil after Close.
func (p *Proxy) Serve(l net.Listener) error {
	p.init()
	p.mu.Lock()
	p.l = l
	p.mu.Unlock()
	for {
		c, err := l.Accept()
		if err != nil {
			if p.ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("throttle: accepting: %w", err)
		}
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			p.forward(c)
		}()
	}
}

// Close stops accepting, closes every connection and waits for them.
func (p *Proxy) Close() error {
	p.init()
	p.cancel()
	p.mu.Lock()
	if p.l != nil {
		p.l.Close()
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
	return nil
}

func (p *Proxy) track(c net.Conn, on bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if on {
		p.conns[c] = true
	} else {
		delete(p.conns, c)
	}
}

// forward copies between the client and a new connection to the target,
// each way through its limiter, until both ways end.
func (p *Proxy) forward(client net.Conn) {
	p.track(client, true)
	defer p.track(client, false)
	defer client.Close()
	var d net.Dialer
	target, err := d.DialContext(p.ctx, "tcp", p.Target)
	if err != nil {
		return
	}
	p.track(target, true)
	defer p.track(target, false)
	defer target.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); p.copy(target, client, p.up) }()
	go func() { defer wg.Done(); p.copy(client, target, p.down) }()
	wg.Wait()
}

// copy copies src to dst, waiting for the limiter before each write, then
// closes dst's write side so the other end sees the end.
func (p *Proxy) copy(dst, src net.Conn, lim *rate.Limiter) {
	buf := make([]byte, Chunk)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if werr := lim.WaitN(p.ctx, n); werr != nil {
				break
			}
			if _, werr := dst.Write(buf[:n]); werr != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	if tc, ok := dst.(*net.TCPConn); ok {
		tc.CloseWrite()
	} else {
		dst.Close()
	}
}
