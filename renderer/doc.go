// Package renderer is fleetc's pure core: a config snapshot in, a file set
// out.
//
//	source.Read ─▶ Load (config.Load + validate.Validate) ─▶ Compile ─▶ tree.Tree ─▶ disk.Write
//
// Load and Compile, and every package they use (config, validate, model,
// controlplane, master, flux, usercluster, patch, object, typed, encode,
// tree, layout, diag), read no clock, environment, network or file: their
// output depends on their arguments only. drift and diff, which compare
// two trees for check and diff, are pure too.
//
// I/O lives in a few places, each named for it:
//   - renderer/source reads the config repository: the working tree, or a
//     revision's git objects;
//   - renderer/disk writes an output folder (staged, journaled, locked) and
//     compares one with a tree, reading its index;
//   - Options.Cache is the render cache's interface; internal/rendercache
//     implements it on disk;
//   - internal/publish writes the render as a commit on a branch;
//   - internal/cli wires them to the command line.
package renderer
