// Package tree holds a rendered tree in memory: a set of files by
// slash-separated path (Tree), write-once, and its index (WithIndex adds
// .fleetc/index.json, the sha256 of every other file, which marks an
// output folder as fleetc's and says which files fleetc owns there). It
// does no I/O: package disk writes a tree into a folder and compares one.
package tree
