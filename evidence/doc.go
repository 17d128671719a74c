// Package evidence answers, from zbench runs, the questions raised when
// zstd was added to the OCI image spec, each number with the method that
// made it and the layers it holds for.
//
//  1. [Load] (or [LoadRun] and [FromRuns] or [Compute]) reads run
//     directories with results.ReadRun and, when there is one, the
//     determinism matrix that zbench determinism wrote
//     (RUNDIR/determinism.json).
//  2. Every cell is summarised by the medians (results.Cell.Summary) of
//     its samples, as results.txt computes each sample's MB/s and
//     cpu-sec/GB, so the figures agree with what benchstat shows for the
//     same run. Corpus
//     figures weight layers by bytes: throughput is total raw bytes over
//     the sum of the layers' median times, CPU per GB is total CPU seconds
//     over total raw bytes, ratio is total raw over total compressed.
//  3. [Compute] answers, over the layers published as gzip that the chosen
//     gzip decoder read: sizes against gzip as published ([Sizes]); pull
//     time at each bandwidth, download and decode overlapped or not
//     ([PullTime]); the CPU and price of converting gzip to each encoder's
//     output, the egress and client CPU it saves per pull, and the pulls
//     that pay for it ([Economics]); the storage of publishing both
//     ([Storage]). Pull time and storage are also given per image, for
//     the images the runs recorded in env.json ([ImageInfo]): an image's
//     figure sums its layers, each blob once, and an image some layer of
//     which is missing is left out with the reason. Over every layer: the interop matrix of every encoder
//     and decoder ([Interop]); buildkit's compression-level mapping and the
//     libzstd level each klauspost level matches ([Levels]); and the
//     determinism matrix's summary ([DeterminismSummary]), with which upgrade
//     of Go, klauspost/compress or libzstd changes which codec's bytes
//     ([VersionsSummary]) when the matrix has them.
//  4. [Evidence.WriteJSON] writes it all; [Evidence.Answers] gives one
//     [Answer] per question (question, answer sentences, figures, layers,
//     method, tables as strings) for an html/template, and
//     [Evidence.WriteHTML] renders them as one HTML fragment.
//
// The assumptions are [Params]: bandwidths, the price of a vCPU-hour and of
// a GB of egress (defaults: AWS list prices, documented in
// [DefaultPriceSource], to be overridden), and the decoder a client uses
// for each format (defaults: containerd's, gzip-std and zstd-klauspost).
package evidence
