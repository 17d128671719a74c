//go:build unix

package flock

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTryLockNamesTheHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	h := Holder{PID: 4242, Started: time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC), Command: "zbench run -o out/x builtin", Host: "box"}
	unlock, err := TryLock(path, h)
	if err != nil {
		t.Fatal(err)
	}
	_, err = TryLock(path, Self())
	var le *LockedError
	if !errors.As(err, &le) || !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock: err = %v, want a LockedError", err)
	}
	for _, want := range []string{"pid 4242", "2026-12-01T14:00:00Z", "zbench run -o out/x builtin", "box"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not say %q", err, want)
		}
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = TryLock(path, Self())
	if err != nil {
		t.Fatalf("TryLock after unlock: %v", err)
	}
	unlock()
}

// A lock file left by a process that died holding it (its record still
// there) does not stop the next writer: flock(2) locks die with their
// process.
func TestLockDiesWithItsHolder(t *testing.T) {
	if os.Getenv("FLOCK_TEST_HOLD") != "" {
		if _, err := TryLock(os.Getenv("FLOCK_TEST_HOLD"), Self()); err != nil {
			os.Exit(3)
		}
		os.Stdout.WriteString("locked\n")
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	path := filepath.Join(t.TempDir(), "lock")
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockDiesWithItsHolder$")
	cmd.Env = append(os.Environ(), "FLOCK_TEST_HOLD="+path)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 7)
	if _, err := out.Read(buf); err != nil || string(buf) != "locked\n" {
		cmd.Process.Kill()
		t.Fatalf("the holder did not lock: %q %v", buf, err)
	}
	_, err = TryLock(path, Self())
	var le *LockedError
	if !errors.As(err, &le) || le.Holder.PID != cmd.Process.Pid {
		t.Errorf("while the holder lives: err = %v, want a LockedError naming pid %d", err, cmd.Process.Pid)
	}
	cmd.Process.Kill() // a crash: no unlock
	cmd.Wait()
	unlock, err := TryLock(path, Self())
	if err != nil {
		t.Fatalf("after the holder was killed: %v", err)
	}
	unlock()
}

func TestParseHolder(t *testing.T) {
	for _, b := range []string{"", "{", "null", `{"pid":0}`, `{"pid":-1}`, `{"pid":"x"}`, `[1]`, strings.Repeat(" ", 5000) + `{"pid":1}`} {
		if _, err := ParseHolder([]byte(b)); err == nil {
			t.Errorf("ParseHolder(%.40q) accepted", b)
		}
	}
	h, err := ParseHolder([]byte(`{"pid":7,"command":"a\u001b[31mred","host":"h"}`))
	if err != nil {
		t.Fatal(err)
	}
	if s := h.String(); strings.ContainsRune(s, 0x1b) || !strings.Contains(s, `\x1b`) {
		t.Errorf("String() = %q: the escape is not escaped", s)
	}
	long := Holder{PID: 1, Command: strings.Repeat("x", 10000)}
	if n := len(long.String()); n > 300 {
		t.Errorf("String() of a 10000-byte command is %d bytes", n)
	}
}

// FuzzParseHolder checks that any lock file content gives a holder or an
// error, never a panic, and that the holder's text is short and holds no
// control characters.
func FuzzParseHolder(f *testing.F) {
	for _, s := range []string{
		`{"pid":4242,"started":"2026-12-01T14:00:00Z","command":"zbench run -o out/x builtin","host":"box"}`,
		`{"pid":1,"command":"\u001b]0;pwned\u0007"}`, `{"pid":1e99}`, `{"pid":1,"started":"not a time"}`,
		"", "{", "\x00\xff", `{"pid":9223372036854775807}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseHolder(b)
		if err != nil {
			return
		}
		if h.PID <= 0 {
			t.Fatalf("accepted pid %d", h.PID)
		}
		s := (&LockedError{Path: "p", Holder: h}).Error()
		for _, r := range s {
			if r < 0x20 || r == 0x7f {
				t.Fatalf("control character %U in %q", r, s)
			}
		}
		if len(s) > 2000 {
			t.Fatalf("message of %d bytes", len(s))
		}
	})
}
