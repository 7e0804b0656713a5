package disk

import (
	"os"
	"syscall"
)

// fileStat is what Seen compares of a file.
type fileStat struct {
	size, ino    uint64
	mtime, ctime int64
}

func toFileStat(st *syscall.Stat_t) (fileStat, bool) {
	if st.Mode&syscall.S_IFMT != syscall.S_IFREG {
		return fileStat{}, false
	}
	return fileStat{size: uint64(st.Size), ino: uint64(st.Ino), mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}, true
}

// lstatFile is the stat data of the regular file name (false: not one,
// or none).
func lstatFile(name string) (fileStat, bool) {
	var st syscall.Stat_t
	if syscall.Lstat(name, &st) != nil {
		return fileStat{}, false
	}
	return toFileStat(&st)
}

// infoStat is lstatFile from what os.File.Stat returned.
func infoStat(fi os.FileInfo) (fileStat, bool) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileStat{}, false
	}
	return toFileStat(st)
}

// dirID is the device and inode of the folder dir.
func dirID(dir string) (dev, ino uint64, ok bool) {
	var st syscall.Stat_t
	if syscall.Stat(dir, &st) != nil {
		return 0, 0, false
	}
	return uint64(st.Dev), uint64(st.Ino), true
}
