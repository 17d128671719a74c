// Package layering holds only a test: the import direction of zbench's
// packages and the rule that only package results opens the files of a
// run directory. See layering_test.go for the layers.
package layering
