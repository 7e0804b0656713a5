// Package calico holds Calico's CRDs as data (see README.md; Apache
// License 2.0, LICENSE.md).
package calico

import _ "embed"

// CRDs is crds.yaml: Calico's CustomResourceDefinitions, as YAML documents
// separated by "---".
//
//go:embed crds.yaml
var CRDs []byte
