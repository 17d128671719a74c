package results

// Keys of Env.Extra: what the command records of a run besides the machine
// and build. Every reader and writer names them by these constants.
const (
	// ExtraLibzstd is the bundled libzstd version, a build key (see
	// KindOf): resuming a run warns when it changes, as for module
	// versions.
	ExtraLibzstd = "libzstd"
	// ExtraSources is the SOURCE arguments of the run, space-separated.
	ExtraSources = "sources"
	// ExtraCorpus names the corpus (a list's name, "builtin", …) and
	// ExtraCorpusDigest identifies its layers.
	ExtraCorpus       = "corpus"
	ExtraCorpusDigest = "corpus-digest"
	// ExtraPlatform is the os/arch picked from multi-platform images.
	ExtraPlatform = "platform"
	// ExtraProfile is the level set (quick, full, reference).
	ExtraProfile = "profile"
	// ExtraCount is the least number of samples per cell, ExtraRounds how
	// many visits they are spread over.
	ExtraCount  = "count"
	ExtraRounds = "rounds"
	// ExtraMinTime is the least timed duration per cell, ExtraMinSample
	// the least duration of one sample, as time.Duration strings.
	ExtraMinTime   = "min-time"
	ExtraMinSample = "min-sample"
	// ExtraFirstSample is the least duration of a cell's first pass for
	// it to be kept as a sample, as a time.Duration string ("0s": the
	// first pass is always an untimed warm-up).
	ExtraFirstSample = "first-sample"
	// ExtraWriteSize is the size in bytes of the writes a streaming
	// encoder was fed.
	ExtraWriteSize = "write-size"
	// ExtraMaxLayerBytes is the largest blob or tar loaded, in bytes.
	ExtraMaxLayerBytes = "max-layer-bytes"
	// ExtraCodecs, ExtraLevels and ExtraOps are the codec, level and
	// operation selections, when the run was given one.
	ExtraCodecs = "codecs"
	ExtraLevels = "levels"
	ExtraOps    = "ops"
	// ExtraProgramPrefix starts the key of each reference program's
	// version: "program-" and the codec name.
	ExtraProgramPrefix = "program-"
	// ExtraShard is the shard a sharded run measured, as "i/n" (0-based
	// i).
	ExtraShard = "shard"
	// ExtraParts is how many parts Merge joined.
	ExtraParts = "parts"
)
