package disk

import (
	"os"
	"path"
	"syscall"

	"golang.org/x/sys/unix"
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

// lstatDir is the stat data of the folder name (its path left empty;
// false: not a folder, or none).
func lstatDir(name string) (dirStat, bool) {
	var st syscall.Stat_t
	if syscall.Lstat(name, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFDIR {
		return dirStat{}, false
	}
	return dirStat{ino: uint64(st.Ino), mtime: st.Mtim.Nano(), ctime: st.Ctim.Nano()}, true
}

// unchangedAt reports whether every entry's file under the output folder
// dir still has the remembered stat data (and none is racy). Each folder
// is opened once and its files are looked up in it by name: a million
// lookups of a whole path cost four times as much.
func unchangedAt(dir string, entries []seenEntry) bool {
	fds := map[string]int{}
	defer func() {
		for _, fd := range fds {
			unix.Close(fd)
		}
	}()
	var st unix.Stat_t
	lastParent, lastFD := "", -1 // sorted entries: a folder's files follow one another
	for i := range entries {
		e := &entries[i]
		parent, name := path.Split(e.path)
		fd, ok := lastFD, lastFD >= 0 && parent == lastParent
		if !ok {
			fd, ok = fds[parent]
		}
		if !ok {
			var err error
			fd, err = unix.Open(osPath(dir, parent), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
			if err != nil {
				return false
			}
			fds[parent] = fd
		}
		lastParent, lastFD = parent, fd
		if e.racy || unix.Fstatat(fd, name, &st, unix.AT_SYMLINK_NOFOLLOW) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG ||
			uint64(st.Size) != e.size || st.Ino != e.ino || st.Mtim.Nano() != e.mtime || st.Ctim.Nano() != e.ctime {
			return false
		}
	}
	return true
}
