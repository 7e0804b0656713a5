package renderer_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/fleetc/fleetc/catalog"
)

// TestEveryCatalogImageUsed: every image of the catalog appears in the
// render of the example fleet, for at least one version (an image nothing
// renders is to be removed from the catalog).
func TestEveryCatalogImageUsed(t *testing.T) {
	out := renderExample(t)
	var all strings.Builder
	for _, p := range out.Paths() {
		data, _ := out.Get(p)
		all.Write(data)
	}
	rendered := all.String()
	// The example fleet has three seeds, so its master runs the Enterprise
	// images; a one-seed fleet runs the Community ones (TestEdition in
	// renderer/master renders both).
	oneSeed := map[string]bool{"KubermaticAPI": true, "KubermaticControllerManager": true, "KubermaticDashboard": true}
	cat := catalog.Default()
	typ := reflect.TypeFor[catalog.Images]()
	for i := range typ.NumField() {
		field := typ.Field(i).Name
		if oneSeed[field] {
			continue
		}
		used := false
		for _, v := range cat.Versions() {
			ref := reflect.ValueOf(cat.Images(v, "")).Field(i).String()
			if ref != "" && strings.Contains(rendered, "image: "+ref+"\n") {
				used = true
				break
			}
		}
		if !used {
			t.Errorf("catalog image %s is used by nothing the example fleet renders", field)
		}
	}
}
