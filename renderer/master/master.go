package master

import (
	"fmt"

	"github.com/fleetc/fleetc/catalog"
	"github.com/fleetc/fleetc/renderer/model"
	"github.com/fleetc/fleetc/renderer/object"
)

// Namespace is where the Kubermatic components and the Seeds live.
const Namespace = "kubermatic"

// Every rendered object carries LabelManagedBy: ManagedBy.
const (
	LabelManagedBy = "app.kubernetes.io/managed-by"
	ManagedBy      = "fleetc"
)

// Input is what the master render needs.
type Input struct {
	// Config is a validated configuration.
	Config *model.Config
	// Images are the catalog's images, with master.registry already applied
	// (catalog.Catalog.Images(v, cfg.Master.Registry)); only the
	// Kubermatic images of the fleet's edition are used.
	Images catalog.Images
}

// Objects renders the master cluster: the kubermatic Namespace, the
// Kubermatic components and the inventory (Users, Projects,
// UserProjectBindings, UserSSHKeys, Seeds), sorted with object.Sort.
// It returns an error, and no objects, when the input is inconsistent
// (validation should have caught it).
func Objects(in Input) ([]object.Object, error) {
	if in.Config == nil {
		return nil, fmt.Errorf("master: no configuration")
	}
	objs, err := components(in.Config, in.Images)
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	inv, err := inventory(in.Config)
	if err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	objs = append(objs, inv...)
	if err := checkUnique(objs); err != nil {
		return nil, fmt.Errorf("master: %w", err)
	}
	object.Sort(objs)
	return objs, nil
}

// checkUnique reports two objects with the same kind, namespace and name.
func checkUnique(objs []object.Object) error {
	type key struct{ kind, ns, name string }
	seen := make(map[key]bool, len(objs))
	for _, o := range objs {
		k := key{object.Kind(o), o.GetNamespace(), o.GetName()}
		if seen[k] {
			return fmt.Errorf("two objects %s %s/%s", k.kind, k.ns, k.name)
		}
		seen[k] = true
	}
	return nil
}
