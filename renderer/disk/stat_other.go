//go:build !linux

package disk

import "os"

// fileStat is what Seen compares of a file. Elsewhere than on Linux it is
// never known, and Seen remembers nothing.
type fileStat struct {
	size, ino    uint64
	mtime, ctime int64
}

func lstatFile(string) (fileStat, bool)       { return fileStat{}, false }
func infoStat(os.FileInfo) (fileStat, bool)   { return fileStat{}, false }
func dirID(string) (dev, ino uint64, ok bool) { return 0, 0, false }
func lstatDir(string) (dirStat, bool)         { return dirStat{}, false }
func unchangedAt(string, []seenEntry) bool    { return false }
