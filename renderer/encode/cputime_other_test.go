//go:build !unix

package encode_test

func cpuTime() int64 { return -1 }
