//go:build unix

package bench

import (
	"os/exec"
	"testing"
)

// TestCPUTimeCountsChildren checks that cpuTime counts the CPU of a child
// process once it has been waited for, as the reference programs' codecs
// need.
func TestCPUTimeCountsChildren(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("skipping: no sh on PATH")
	}
	before := cpuTime()
	cmd := exec.Command(sh, "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	got := cpuTime() - before
	child := cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	if child <= 0 {
		t.Skip("skipping: the child's CPU time is not reported here")
	}
	if got < child {
		t.Errorf("cpuTime grew by %v over a child that used %v of CPU: want at least the child's", got, child)
	}
}
