// Package machinecontroller holds machine-controller's CRDs as data (see
// README.md; Apache License 2.0, LICENSE).
package machinecontroller

import _ "embed"

// CRDs is crds.yaml: the Machine, MachineSet and MachineDeployment
// CustomResourceDefinitions, as YAML documents separated by "---".
//
//go:embed crds.yaml
var CRDs []byte
