//go:build goexperiment.jsonv2

package tree

// walkerEnabled: under GOEXPERIMENT=jsonv2, encoding/json is a layer over
// encoding/json/v2 whose corner cases the walker does not claim to
// reproduce; EncodeYAML then always takes the JSON path.
const walkerEnabled = false
