//go:build cgo

package main

/*
extern const char* ZSTD_versionString(void) __attribute__((weak));

static const char* encoder_zstd_version(void) {
	return ZSTD_versionString ? ZSTD_versionString() : "";
}
*/
import "C"

import (
	"io"

	ddzstd "github.com/DataDog/zstd"
)

func init() {
	newZstdCgo = func(w io.Writer, level int) io.WriteCloser { return ddzstd.NewWriterLevel(w, level) }
	libzstdVersion = func() string { return C.GoString(C.encoder_zstd_version()) }
}
