// Package osm holds operating-system-manager's CRDs as data (see
// README.md; Apache License 2.0, LICENSE).
package osm

import _ "embed"

// CRDs is crds.yaml: the OperatingSystemConfig and OperatingSystemProfile
// CustomResourceDefinitions, as YAML documents separated by "---".
//
//go:embed crds.yaml
var CRDs []byte
