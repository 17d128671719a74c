package lazy

import "zbench/lazy/lazydoc"

// The analysis's results are the types of package lazydoc, which the
// report and the evidence read without this package's encoders.
type (
	Report     = lazydoc.Report
	Overhead   = lazydoc.Overhead
	Update     = lazydoc.Update
	FilesFirst = lazydoc.FilesFirst
	Cost       = lazydoc.Cost
	Document   = lazydoc.Document
)

// A Format is one lazy-pull writer at one setting: the fields of
// [lazydoc.Format], with [Format.Encode].
type Format lazydoc.Format
