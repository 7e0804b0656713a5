// Package schema embeds the CUE schema of a fleetc config repo.
//
// The folder is also a CUE module (cue.mod/module.cue), so `cue vet` can
// check the schema itself, and a config repo can copy schema.cue (see
// `fleetc schema`) to vet its own files with the cue tool.
package schema

import _ "embed"

// Source is the text of schema.cue, package fleet, defining #Fleet.
//
//go:embed schema.cue
var Source []byte

// VetFile is the text of vet.cue: the file that applies #Fleet to a
// config repo for the cue tool (see `fleetc schema --vet`).
//
//go:embed vet.cue
var VetFile []byte

// Filename is the name positions inside the schema are reported under.
const Filename = "fleetc:schema.cue"
