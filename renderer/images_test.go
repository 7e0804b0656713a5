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
	cat := catalog.Default()
	typ := reflect.TypeFor[catalog.Images]()
	for i := range typ.NumField() {
		field := typ.Field(i).Name
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
