package lazy

import (
	"fmt"

	"zbench/lazy/lazydoc"
)

// A Layer is one layer's tar and the name tables call it by.
type Layer struct {
	Name string
	Raw  []byte
}

// Options say what [Analyse] computes.
type Options struct {
	// Formats are the writers to analyse; empty: [DefaultFormats].
	Formats []Format
	// Prioritized adds, for each eStargz format, the same format written
	// with the files to read first prioritized ([Prioritized]).
	Prioritized bool
	// Files are the files to read first; empty: the N largest executables
	// of each layer.
	Files []string
	// N is how many of the largest executables to read first (default 5).
	N int
}

// Analyse encodes every layer in every format (and with its plain
// encoder), checks every chunk, and returns the overheads, the updates from
// each layer to the next, and what reading the chosen files first costs.
func Analyse(layers []Layer, opts Options) (*Report, error) {
	formats := opts.Formats
	if len(formats) == 0 {
		formats = DefaultFormats()
	}
	n := opts.N
	if n <= 0 {
		n = 5
	}
	var all []Format
	for _, f := range formats {
		all = append(all, f)
		if p, ok := Prioritized(f); ok && opts.Prioritized {
			all = append(all, p)
		}
	}
	rep := &Report{}
	for _, f := range all {
		rep.Formats = append(rep.Formats, lazydoc.Format(f))
	}
	prev := map[string]*Encoded{} // by format name
	for _, layer := range layers {
		var files []string
		chosen := false
		for _, f := range all {
			if f.Prioritize && !chosen {
				return nil, fmt.Errorf("%s: %s needs the files of a format without priorities first", layer.Name, f.Name)
			}
			e, err := Encode(layer.Name, layer.Raw, f, files)
			if err != nil {
				return nil, err
			}
			e.Blob = nil // the layout is all that is needed from here
			if !chosen {
				chosen = true
				files = opts.Files
				if len(files) == 0 {
					files = LargestExecutables(e.Layout, n)
				}
			}
			rep.Overheads = append(rep.Overheads, OverheadOf(e))
			ff := FilesFirstOf(e, files)
			ff.NotPrioritized = e.Missed
			rep.FilesFirst = append(rep.FilesFirst, ff)
			if old := prev[f.Name]; old != nil {
				u, err := UpdateOf(old, e)
				if err != nil {
					return nil, err
				}
				rep.Updates = append(rep.Updates, u)
			}
			prev[f.Name] = e
		}
	}
	return rep, nil
}
