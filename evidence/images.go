package evidence

import (
	"fmt"
	"slices"
	"strconv"
)

// ImageInfo is an image of the runs, as their env.json records it: the
// layers it is made of, by the names they were measured as.
type ImageInfo struct {
	// Name is the image's short name (python-3.12), with its platform or a
	// number added where two images of the runs share one.
	Name     string `json:"name"`
	Ref      string `json:"ref"`
	Platform string `json:"platform,omitempty"`
	// Layers are the names its layers were measured as, in manifest
	// order, each once: a client pulls a blob once, however many of the
	// image's layers list it. Empty layers (tars without entries, which
	// zbench run skips) are left out: they count as nothing.
	Layers []string `json:"layers"`
	// EmptyLayers counts the empty layers left out of Layers.
	EmptyLayers int `json:"empty_layers,omitempty"`
	// NotMeasured says why the runs cannot have all its layers: it could
	// not be resolved, or a layer was skipped (a foreign layer). Such an
	// image has no per-image figures.
	NotMeasured string `json:"not_measured,omitempty"`
}

// images collects the images of the runs, each (by ref and platform) once,
// in the order first recorded.
func images(runs []Run) []ImageInfo {
	type key struct{ ref, platform string }
	seen := map[key]bool{}
	var out []ImageInfo
	names := map[string]int{}
	for _, r := range runs {
		for _, img := range r.Env.Images {
			k := key{img.Ref, img.Platform}
			if seen[k] {
				continue
			}
			seen[k] = true
			info := ImageInfo{Name: img.Name, Ref: img.Ref, Platform: img.Platform}
			if ok, why := img.Measured(); !ok {
				info.NotMeasured = why
			}
			for _, l := range img.Layers {
				switch {
				case l.Empty:
					info.EmptyLayers++
				case l.Layer != "" && !slices.Contains(info.Layers, l.Layer):
					info.Layers = append(info.Layers, l.Layer)
				}
			}
			names[info.Name]++
			out = append(out, info)
		}
	}
	// Tell apart images that share a short name: by platform where that
	// tells them apart, else by number.
	used := map[string]bool{}
	for i := range out {
		name := out[i].Name
		if names[name] > 1 && out[i].Platform != "" {
			name += " (" + out[i].Platform + ")"
		}
		for n := 2; used[name]; n++ {
			name = out[i].Name + " #" + strconv.Itoa(n)
		}
		used[name] = true
		out[i].Name = name
	}
	return out
}

// imagesOver returns the images whose every layer is among layers (those
// an answer holds for), and, for the others, why they are left out: why
// maps a layer of the runs to the reason it is not among layers.
func imagesOver(all []ImageInfo, layers []string, why func(layer string) string) (in []ImageInfo, excluded []string) {
	for _, img := range all {
		reason := img.NotMeasured
		if reason == "" && len(img.Layers) == 0 {
			reason = "it has no layer with content"
		}
		for _, l := range img.Layers {
			if reason != "" {
				break
			}
			if !slices.Contains(layers, l) {
				reason = fmt.Sprintf("its layer %s %s", l, why(l))
			}
		}
		if reason != "" {
			excluded = append(excluded, fmt.Sprintf("image %s: %s", img.Name, reason))
			continue
		}
		in = append(in, img)
	}
	return in, excluded
}

// imageNames returns the names of images.
func imageNames(images []ImageInfo) []string {
	var out []string
	for _, img := range images {
		out = append(out, img.Name)
	}
	return out
}

// imagesMethod says how the per-image figures are made.
const imagesMethod = " An image's figure sums its layers as the corpus figure does, each blob once: a layer that two images " +
	"share counts in each image, and once in the corpus. An empty layer (a tar without entries, which zbench run skips) counts " +
	"as nothing. An image with a layer outside the layers above is left out, with the reason. Image membership is what the " +
	"run recorded in env.json when it resolved its SOURCEs; layers given as files, directories or builtin belong to no image."

// noImages is what an answer says when the runs record no image.
const noImages = "No image membership in these runs: layers were given as files (or by a zbench that did not record images), " +
	"so the figures are per layer and for the corpus only."
