//go:build tools

// Package tools pins the source-controller main package so that this wrapper
// module's go.mod and go.sum describe exactly what hack/e2e-tools.sh builds.
package tools

import _ "github.com/fluxcd/source-controller"
