// Package flock takes advisory whole-file locks (flock(2)) that the kernel
// releases when their holder exits, however it exits: a crash or a kill
// leaves no stale lock, only a lock file whose holder record nobody holds.
//
// Lock waits for the lock (the cache index); TryLock fails at once with a
// *LockedError naming the holder (a run directory has one writer).
package flock

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// ErrLocked is wrapped by the error of TryLock when another process holds
// the lock.
var ErrLocked = errors.New("locked by another process")

// A Holder describes the process holding a lock. TryLock writes it into the
// lock file, one JSON object, so that a second process can say who holds it.
type Holder struct {
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	Command string    `json:"command,omitempty"`
	Host    string    `json:"host,omitempty"`
}

// Self is the Holder record of this process, started now.
func Self() Holder {
	h := Holder{PID: os.Getpid(), Started: time.Now().UTC().Round(time.Second), Command: strings.Join(os.Args, " ")}
	h.Host, _ = os.Hostname()
	return h
}

// maxHolderBytes bounds what is read of a lock file: a holder record is
// small, and a lock file is not trusted.
const maxHolderBytes = 4 << 10

// maxCommandRunes bounds the command shown from a holder record.
const maxCommandRunes = 200

// ParseHolder reads a holder record written by TryLock. It accepts at most
// 4 KiB and checks the fields, so that a damaged or hostile lock file gives
// an error, never a panic or a huge message.
func ParseHolder(b []byte) (Holder, error) {
	var h Holder
	if len(b) > maxHolderBytes {
		return h, fmt.Errorf("holder record of %d bytes, more than %d", len(b), maxHolderBytes)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		return Holder{}, fmt.Errorf("holder record: %w", err)
	}
	if h.PID <= 0 {
		return Holder{}, fmt.Errorf("holder record: pid %d", h.PID)
	}
	return h, nil
}

// String names the holder for an error message: pid, host, start time and
// command, control characters escaped and the command shortened.
func (h Holder) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pid %d", h.PID)
	if h.Host != "" {
		fmt.Fprintf(&b, " on %s", quoteIfNeeded(shorten(h.Host, 64)))
	}
	if !h.Started.IsZero() {
		fmt.Fprintf(&b, ", started %s", h.Started.UTC().Format(time.RFC3339))
	}
	if h.Command != "" {
		fmt.Fprintf(&b, ": %s", quoteIfNeeded(shorten(h.Command, maxCommandRunes)))
	}
	return b.String()
}

// shorten cuts s to n runes, marking the cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		return string([]rune(s)[:n]) + "…"
	}
	return s
}

// quoteIfNeeded quotes s when it holds anything but printable characters.
func quoteIfNeeded(s string) string {
	for _, r := range s {
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) || r == utf8.RuneError {
			return fmt.Sprintf("%q", s)
		}
	}
	return s
}

// A LockedError says that a lock is held, and by whom where the lock file
// says so.
type LockedError struct {
	Path   string
	Holder Holder // zero when the lock file held no readable record
}

func (e *LockedError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("%s: %v (holder unknown)", e.Path, ErrLocked)
	}
	return fmt.Sprintf("%s: %v: %s", e.Path, ErrLocked, e.Holder)
}

func (e *LockedError) Unwrap() error { return ErrLocked }
