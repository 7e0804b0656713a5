package renderer_test

import (
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/fleetc/fleetc/renderer/typed"
)

// TestRollingUpdateValues: a string maxUnavailable/maxSurge must be a
// percentage (the API server rejects "2"); the typed decoder alone does
// not catch it.
func TestRollingUpdateValues(t *testing.T) {
	out := renderExample(t)
	check := func(p, field string, v *intstr.IntOrString) {
		if v != nil && v.Type == intstr.String && !strings.HasSuffix(v.StrVal, "%") {
			t.Errorf("%s: %s %q is a string but not a percentage", p, field, v.StrVal)
		}
	}
	n := 0
	for _, p := range out.Paths() {
		if !strings.HasSuffix(p, ".yaml") || strings.HasSuffix(p, "kustomization.yaml") {
			continue
		}
		data, _ := out.Get(p)
		obj, _, err := typed.Decode(data)
		if err != nil {
			continue // TestObjectsDecodeStrictly reports it
		}
		switch o := obj.(type) {
		case *appsv1.DaemonSet:
			n++
			if ru := o.Spec.UpdateStrategy.RollingUpdate; ru != nil {
				check(p, "maxUnavailable", ru.MaxUnavailable)
				check(p, "maxSurge", ru.MaxSurge)
			}
		case *appsv1.Deployment:
			n++
			if ru := o.Spec.Strategy.RollingUpdate; ru != nil {
				check(p, "maxUnavailable", ru.MaxUnavailable)
				check(p, "maxSurge", ru.MaxSurge)
			}
		}
	}
	if n == 0 {
		t.Fatal("no workloads rendered")
	}
}
