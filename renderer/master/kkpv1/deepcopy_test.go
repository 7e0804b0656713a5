package kkpv1

import (
	"fmt"
	"reflect"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// fill sets every settable field reachable from v to a non-zero value:
// strings, bools, ints, pointers, slices (one element) and maps (one entry).
// Struct types of other packages (ObjectMeta, ObjectReference) are filled too.
func fill(v reflect.Value, depth int) {
	if depth > 8 {
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(fmt.Sprintf("s%d", depth))
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(depth + 1))
	case reflect.Pointer:
		p := reflect.New(v.Type().Elem())
		fill(p.Elem(), depth+1)
		v.Set(p)
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 1, 1)
		fill(s.Index(0), depth+1)
		v.Set(s)
	case reflect.Map:
		m := reflect.MakeMap(v.Type())
		k := reflect.New(v.Type().Key()).Elem()
		fill(k, depth+1)
		e := reflect.New(v.Type().Elem()).Elem()
		fill(e, depth+1)
		m.SetMapIndex(k, e)
		v.Set(m)
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[metav1.Time]() {
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i), depth+1)
			}
		}
	}
}

// sharesMemory reports a pointer, slice or map of a that b also holds.
func sharesMemory(a, b reflect.Value, path string) []string {
	var out []string
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return nil
		}
		if a.Pointer() == b.Pointer() && a.Type().Elem().Size() > 0 {
			out = append(out, path)
		}
		out = append(out, sharesMemory(a.Elem(), b.Elem(), path)...)
	case reflect.Slice:
		if a.Len() > 0 && b.Len() > 0 && a.Pointer() == b.Pointer() {
			out = append(out, path)
		}
		for i := 0; i < a.Len() && i < b.Len(); i++ {
			out = append(out, sharesMemory(a.Index(i), b.Index(i), fmt.Sprintf("%s[%d]", path, i))...)
		}
	case reflect.Map:
		if !a.IsNil() && !b.IsNil() && a.Pointer() == b.Pointer() {
			out = append(out, path)
		}
		for _, k := range a.MapKeys() {
			if bv := b.MapIndex(k); bv.IsValid() {
				out = append(out, sharesMemory(a.MapIndex(k), bv, fmt.Sprintf("%s[%v]", path, k))...)
			}
		}
	case reflect.Struct:
		for i := range a.NumField() {
			if a.Type().Field(i).IsExported() {
				out = append(out, sharesMemory(a.Field(i), b.Field(i), path+"."+a.Type().Field(i).Name)...)
			}
		}
	}
	return out
}

func TestDeepCopy(t *testing.T) {
	for _, obj := range []runtime.Object{&User{}, &Project{}, &UserProjectBinding{}, &UserSSHKey{}, &Seed{}, &Cluster{}, &KubermaticConfiguration{}} {
		t.Run(reflect.TypeOf(obj).Elem().Name(), func(t *testing.T) {
			fill(reflect.ValueOf(obj).Elem(), 0)
			cp := obj.DeepCopyObject()
			if !reflect.DeepEqual(obj, cp) {
				t.Fatalf("copy differs from original:\n%#v\n%#v", obj, cp)
			}
			if shared := sharesMemory(reflect.ValueOf(obj), reflect.ValueOf(cp), "obj"); len(shared) > 0 {
				t.Fatalf("copy shares memory with original at %v", shared)
			}
		})
	}
}

func TestDeepCopyNil(t *testing.T) {
	var s *Seed
	if got := s.DeepCopyObject(); got != nil {
		t.Fatalf("DeepCopyObject of nil *Seed = %#v, want untyped nil", got)
	}
}

func TestTypeMetaAndScheme(t *testing.T) {
	objs := map[string]runtime.Object{
		KindUser:                    NewUser(metav1.ObjectMeta{}, UserSpec{}),
		KindProject:                 NewProject(metav1.ObjectMeta{}, ProjectSpec{}),
		KindUserProjectBinding:      NewUserProjectBinding(metav1.ObjectMeta{}, UserProjectBindingSpec{}),
		KindUserSSHKey:              NewUserSSHKey(metav1.ObjectMeta{}, SSHKeySpec{}),
		KindSeed:                    NewSeed(metav1.ObjectMeta{}, SeedSpec{}),
		KindCluster:                 NewCluster(metav1.ObjectMeta{}, ClusterSpec{}),
		KindKubermaticConfiguration: NewKubermaticConfiguration(metav1.ObjectMeta{}, KubermaticConfigurationSpec{}),
	}
	s := runtime.NewScheme()
	if err := AddToScheme(s); err != nil {
		t.Fatal(err)
	}
	for kind, o := range objs {
		gvk := o.GetObjectKind().GroupVersionKind()
		if gvk.Group != "kubermatic.k8c.io" || gvk.Version != "v1" || gvk.Kind != kind {
			t.Errorf("%s: TypeMeta = %v", kind, gvk)
		}
		gvks, _, err := s.ObjectKinds(o)
		if err != nil || len(gvks) != 1 || gvks[0] != gvk {
			t.Errorf("%s: scheme kinds = %v, %v", kind, gvks, err)
		}
	}
}
