//go:build tools

// Package tools pins versitygw's main package so that this wrapper module's
// go.mod and go.sum describe exactly what hack/e2e-tools.sh builds: the
// S3-compatible server (posix backend) that the boot tier's backup test
// uploads etcd snapshots to.
package tools

import _ "github.com/versity/versitygw/cmd/versitygw"
