//go:build tools

// Package tools pins etcdctl and etcdutl at the etcd version of tools/etcd
// so that this wrapper module's go.mod and go.sum describe exactly what
// hack/e2e-tools.sh builds: the clients that the boot tier's backup test
// and the rendered etcd-backup CronJob use (snapshot save, snapshot
// restore).
package tools

import (
	_ "go.etcd.io/etcd/etcdctl/v3"
	_ "go.etcd.io/etcd/etcdutl/v3"
)
