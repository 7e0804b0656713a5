package disk

import "github.com/fleetc/fleetc/renderer/layout"

// FileName is layout.FileName, for the benchmarks' file names.
func FileName(kind, name string) string { return layout.FileName(kind, name) }
