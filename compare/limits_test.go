package compare

import (
	"fmt"
	"math"
	"testing"
	"time"
)

// A NaN or an infinity in a sample made x/perf's U test loop for ever,
// growing until the machine ran out of memory: Test now refuses it.
func TestTestNonFinite(t *testing.T) {
	good := []float64{1, 2, 3, 4, 5, 6}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		done := make(chan float64, 1)
		go func() {
			p, _ := Test(good, []float64{1, 2, bad, 4, 5, 6}, 0.05)
			done <- p
		}()
		select {
		case p := <-done:
			if p != 1 {
				t.Errorf("Test with %v: p = %v, want 1 (not tested)", bad, p)
			}
		case <-time.After(5 * time.Second):
			// The test goroutine would go on allocating: stop here.
			panic(fmt.Sprintf("compare.Test did not return on a sample holding %v", bad))
		}
	}
}

// Large samples take the normal approximation: time and memory grow as
// n log n, with no exact distribution built.
func TestTestLargeSamples(t *testing.T) {
	const n = 100_000
	a, b := make([]float64, n), make([]float64, n)
	for i := range a {
		a[i], b[i] = float64(i%1000), float64(i%1000)+0.5
	}
	start := time.Now()
	if p, _ := Test(a, b, 0.05); p < 0 || p > 1 {
		t.Errorf("p = %v", p)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Test of %d samples a side took %v", n, d)
	}
}
