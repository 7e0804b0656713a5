//go:build unix

package encode_test

import "syscall"

// cpuTime is the CPU time (user and system) this process has used, in
// nanoseconds, garbage collection included; -1 where unknown.
func cpuTime() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
