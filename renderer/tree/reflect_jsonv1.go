//go:build !goexperiment.jsonv2

package tree

// walkerEnabled: the walker (reflect.go) reproduces encoding/json's v1
// implementation, the one this build uses.
const walkerEnabled = true
