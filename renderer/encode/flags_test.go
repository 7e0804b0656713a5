package encode

// The -update flag, so that `go test ./... -update` runs in every package.
import _ "github.com/fleetc/fleetc/internal/golden"
