package main

import (
	"errors"
	"fmt"

	"zbench/bench"
)

// selectionError says what is wrong with a codec, level or operation
// selection, naming the flag at fault: bench names the part of the
// selection, the command its flag.
func selectionError(err error) string {
	var se *bench.SelectionError
	if errors.As(err, &se) {
		return fmt.Sprintf("-%s: %v", se.Field, se.Err)
	}
	return err.Error()
}
