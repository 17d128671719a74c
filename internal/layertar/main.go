// Command layertar writes the raw tar of one layer SOURCE (as zbench run
// names it: a blob file, builtin, …) to a file, so that a program outside
// zbench (zstd -b in scripts/fidelity.sh) reads the same bytes zbench
// measures.
//
//	go run ./internal/layertar builtin out.tar
package main

import (
	"context"
	"fmt"
	"os"

	"zbench/corpus"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: layertar SOURCE OUT.tar (SOURCE names one layer)")
		os.Exit(2)
	}
	if err := run(context.Background(), os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintf(os.Stderr, "layertar: %v\n", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, arg, out string) error {
	res, err := corpus.NewResolver(corpus.Options{})
	if err != nil {
		return err
	}
	src, err := res.Parse(arg)
	if err != nil {
		return err
	}
	es, err := src.Layers(ctx)
	if err != nil {
		return err
	}
	if len(es) != 1 {
		return fmt.Errorf("%s holds %d layers, want one", arg, len(es))
	}
	l, err := corpus.Load(ctx, es[0], corpus.LoadOptions{MaxBytes: 4 << 30})
	if err != nil {
		return err
	}
	return os.WriteFile(out, l.Raw, 0o644)
}
