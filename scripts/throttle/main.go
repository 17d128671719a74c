// Command throttle is the bandwidth-limiting TCP proxy scripts/pull.sh puts
// between a client and the local registry (package internal/throttle).
//
//	throttle -target 127.0.0.1:5000 -rate 100Mbit [-listen 127.0.0.1:0]
//
// It prints "listening on ADDR" on stdout once it accepts connections, and
// runs until it is killed (SIGTERM or SIGINT).
package main

import (
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"syscall"

	"zbench/evidence"
	"zbench/internal/throttle"
)

func main() {
	target := flag.String("target", "", "the `host:port` to forward to")
	rateFlag := flag.String("rate", "", "the link `speed` in each direction: 100Mbit, 1Gbit, ...")
	listen := flag.String("listen", "127.0.0.1:0", "the `address` to listen on")
	flag.Parse()
	if *target == "" || *rateFlag == "" || flag.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: throttle -target HOST:PORT -rate SPEED [-listen ADDR]")
		os.Exit(2)
	}
	bws, err := evidence.ParseBandwidths(*rateFlag)
	if err != nil || len(bws) != 1 {
		fmt.Fprintf(os.Stderr, "throttle: -rate %q: want one speed, such as 100Mbit (%v)\n", *rateFlag, err)
		os.Exit(2)
	}
	p, err := throttle.New(*target, bws[0].BitsPerSecond)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	l, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintln(os.Stderr, "throttle:", err)
		os.Exit(1)
	}
	fmt.Printf("listening on %s\n", l.Addr())
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT)
	go func() { <-sig; p.Close() }()
	if err := p.Serve(l); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
