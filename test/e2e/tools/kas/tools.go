//go:build tools

// Package tools pins the kube-apiserver main package so that this wrapper
// module's go.mod and go.sum describe exactly what hack/e2e-tools.sh builds.
package tools

import _ "k8s.io/kubernetes/cmd/kube-apiserver"
