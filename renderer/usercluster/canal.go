package usercluster

import "github.com/fleetc/fleetc/renderer/object"

// canal is rendered in canal.go once implemented.
func (b *builder) canal() []object.Object { return nil }
