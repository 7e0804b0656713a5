package tree

// For the external tests (encode_diff_test.go): the JSON paths, and
// whether the reflection walker takes a value.
var (
	EncodeViaJSON  = encodeViaJSON
	MarshalViaJSON = marshalViaJSON
)

// WalkerTakes reports whether EncodeYAML encodes v with the reflection
// walker (rather than through its JSON text).
func WalkerTakes(v any) bool {
	_, ok := transcodeValue(v, true)
	return ok
}

// WalkerEnabled is false in builds where EncodeYAML always takes the JSON
// path (GOEXPERIMENT=jsonv2).
const WalkerEnabled = walkerEnabled
