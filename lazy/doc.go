// Package lazy analyses the lazy-pull formats, eStargz (gzip) and
// zstd:chunked (zstd): what they add to a layer and what they save a
// client, computed exactly from their tables of contents, not timed and
// not over a network.
//
//  1. [Format] is one lazy-pull writer at one setting, with the plain
//     encoder it is compared against (the same implementation at the same
//     level); [DefaultFormats] are the libraries' defaults, [NewFormat]
//     another level, [WithChunkSize] another eStargz chunk size and
//     [Prioritized] eStargz with files first. [Format.Encode]
//     writes a layer; [Encode] writes one in every format and parses each
//     result ([Encoded]).
//  2. [Overhead] is what a format adds to one layer: bytes against the
//     plain encoder, TOC, footer and tar-split bytes, chunks and frames.
//  3. [Update] is what a client fetches to go from one version of a layer
//     to the next: the footer, TOC and tar-split, then every chunk whose
//     digest the old version lacks (chunks of zeros are never fetched),
//     against the whole new blob.
//  4. [FilesFirst] is what a client fetches to read a set of files before
//     the rest (the N largest executables, [LargestExecutables], or a
//     list), in bytes and in HTTP ranges; eStargz's prioritized files put
//     them first, in one range.
//  5. [EncodeCosts] reads a zbench run's encode cells and sets each format's
//     throughput and CPU against its plain encoder's.
//
// Chunk layouts come from package lazy/chunked. The results ([Report],
// [Overhead], [Update], [FilesFirst], [Cost], and [Document], what zbench
// lazy writes as JSON) are the types of package lazy/lazydoc, whose Read
// is the one reader of that JSON, for the report and the evidence.
package lazy
