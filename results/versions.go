package results

// A VersionMatrix is the result of measuring digest stability across
// versions (package bench/versions, zbench determinism -go/-klauspost/
// -libzstd): the same inputs encoded by the same codecs at the same levels
// with encoders built against other Go toolchains, klauspost/compress
// releases and libzstd builds. Each axis varies one version while the others
// stay at their first value (the baseline build); each step from one value
// of an axis to the next is compared per codec, level and input. It is kept
// in a DeterminismMatrix as across_versions.
type VersionMatrix struct {
	// Axes are the versions tried, in the order given.
	Axes []VersionAxis `json:"axes"`
	// Builds are the encoder builds, the baseline first.
	Builds []VersionBuild     `json:"builds"`
	Inputs []DeterminismInput `json:"inputs"`
	// Method says, in words, how the matrix was made.
	Method string `json:"method"`
	// Steps compare each axis's consecutive values, per codec, level and
	// input, in axis, step, codec, level and input order.
	Steps []VersionStep `json:"steps"`
	// Encodes are every build's outputs.
	Encodes []VersionEncode `json:"encodes"`
}

// Version axes.
const (
	AxisGo        = "go"        // Go toolchain, through GOTOOLCHAIN
	AxisKlauspost = "klauspost" // github.com/klauspost/compress release
	AxisLibzstd   = "libzstd"   // libzstd bundled with github.com/DataDog/zstd, or the system's
)

// A VersionAxis is one version that was varied.
type VersionAxis struct {
	Name string `json:"name"`
	// Values are the versions as asked ("go1.27.x" resolved), the first
	// being the baseline's.
	Values []string `json:"values"`
	// Codecs are the codecs whose code the axis changes; only they are
	// encoded by the axis's builds other than the baseline.
	Codecs []string `json:"codecs"`
}

// A VersionBuild is one build of the encoder program.
type VersionBuild struct {
	// ID names the build: "go=go1.26.8 klauspost=v1.20.4 libzstd=bundled".
	ID string `json:"id"`
	// Go, Klauspost and Libzstd are the values asked for.
	Go        string `json:"go"`
	Klauspost string `json:"klauspost"`
	Libzstd   string `json:"libzstd"`
	// Reported are the versions the built program reports: go,
	// klauspost, datadog (github.com/DataDog/zstd) and libzstd.
	Reported map[string]string `json:"reported,omitempty"`
	// Err says why the build, or running it, failed.
	Err string `json:"error,omitempty"`
}

// A VersionEncode is one build's output for one input, codec and level.
type VersionEncode struct {
	Build  string `json:"build"` // VersionBuild.ID
	Input  string `json:"input"`
	Codec  string `json:"codec"`
	Level  string `json:"level"`
	Digest string `json:"digest,omitempty"`
	Bytes  int64  `json:"bytes,omitempty"`
	Err    string `json:"error,omitempty"`
}

// A VersionStep compares one codec and level on one input from one value of
// an axis to the next.
type VersionStep struct {
	Axis  string `json:"axis"`
	From  string `json:"from"`
	To    string `json:"to"`
	Codec string `json:"codec"`
	Level string `json:"level"`
	Input string `json:"input"`
	// Same: both builds wrote identical bytes (so the same digest).
	Same       bool   `json:"same"`
	FromBytes  int64  `json:"from_bytes,omitempty"`
	ToBytes    int64  `json:"to_bytes,omitempty"`
	FromDigest string `json:"from_digest,omitempty"`
	ToDigest   string `json:"to_digest,omitempty"`
	// Err says why the step could not be compared (a build or an encode
	// failed); Same is then false.
	Err string `json:"error,omitempty"`
}

// Delta is the size change of the step in bytes, To minus From (0 when it
// could not be compared).
func (s VersionStep) Delta() int64 {
	if s.Err != "" {
		return 0
	}
	return s.ToBytes - s.FromBytes
}
