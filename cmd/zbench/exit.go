package main

import (
	"context"
	"errors"
	"io/fs"

	"zbench/compare"
	"zbench/corpus"
	"zbench/internal/safetext"
	"zbench/plots"
	"zbench/results"
)

// Exit statuses, the same for every command and for the scripts (see the
// package doc and the README).
const (
	exitOK          = 0   // done; compare: no regression
	exitFailed      = 1   // a regression, or failed cells or layers
	exitUsage       = 2   // usage or input error
	exitCannotRun   = 3   // could not run: environment, registry, I/O
	exitInterrupted = 130 // interrupted (SIGINT, SIGTERM)
)

// sanitize escapes what could drive a terminal (ESC sequences, control
// and bidi characters) in a message that may hold registry-supplied text:
// media types, URLs, annotations, tags, error bodies. Newlines are kept.
func sanitize(s string) string { return safetext.Text(s) }

// sanitizeLine is sanitize for one line: newlines are escaped too.
func sanitizeLine(s string) string { return safetext.Line(s) }

// inputError marks an error in what the user gave (an argument, a file, a
// run directory) rather than in the environment: exit status 2.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// inputErr marks err, if not nil, as an input error.
func inputErr(err error) error {
	if err == nil {
		return nil
	}
	return &inputError{err}
}

// inputSentinels are the errors that say the input was wrong.
var inputSentinels = []error{
	fs.ErrNotExist,
	corpus.ErrNotFound, corpus.ErrNoPlatform, corpus.ErrInsecure, corpus.ErrUnsupportedSource, corpus.ErrNoLayers, corpus.ErrBadSource,
	results.ErrRunExists, results.ErrIncompatibleParts,
	compare.ErrNotRun, compare.ErrDifferentCorpus, compare.ErrIncompatible,
	plots.ErrNoData,
}

// cannotRunSentinels are the errors of the environment, checked first: an
// image may be "not found" because access was denied.
var cannotRunSentinels = []error{
	corpus.ErrUnreachable, corpus.ErrUnauthorized, results.ErrRunLocked,
}

// exitCode is the exit status for an error a command returned that carries
// none of its own: 130 after an interrupt, 2 for an input error, else 3
// (the command could not do its work). Failed cells and regressions are
// exitErrors with status 1, made where they are found.
func exitCode(ctx context.Context, err error) int {
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		return exitInterrupted
	}
	for _, s := range cannotRunSentinels {
		if errors.Is(err, s) {
			return exitCannotRun
		}
	}
	var ie *inputError
	var le *corpus.ListError
	if errors.As(err, &ie) || errors.As(err, &le) {
		return exitUsage
	}
	for _, s := range inputSentinels {
		if errors.Is(err, s) {
			return exitUsage
		}
	}
	return exitCannotRun
}
