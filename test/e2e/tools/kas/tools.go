//go:build tools

// Package tools pins the main packages that hack/e2e-tools.sh builds from
// k8s.io/kubernetes, so that this wrapper module's go.mod and go.sum describe
// exactly those builds: kube-apiserver (the test seed and every booted
// customer apiserver), kube-controller-manager and kube-scheduler (the boot
// tier).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
