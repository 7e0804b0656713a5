//go:build tools

// Package tools pins the etcd main package (go.etcd.io/etcd/server/v3 has its
// main.go at the module root) so that this wrapper module's go.mod and go.sum
// describe exactly what hack/e2e-tools.sh builds.
package tools

import _ "go.etcd.io/etcd/server/v3"
