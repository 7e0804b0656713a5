package harness

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/dynamic"
)

// FieldManager is the server-side apply field manager of everything the
// harness applies.
const FieldManager = "fleetc-e2e"

// DecodeYAML splits a multi-document YAML stream into objects, skipping
// empty documents.
func DecodeYAML(data []byte) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

// ReadObjects decodes every object in a YAML file.
func ReadObjects(path string) ([]*unstructured.Unstructured, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	objs, err := DecodeYAML(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return objs, nil
}

// Resource returns the dynamic client for obj's kind, and obj's namespace as
// the API server will see it ("default" for a namespaced object without
// one, as kubectl and Flux do; "" for a cluster-scoped object).
func (cp *ControlPlane) Resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, string, error) {
	gvk := obj.GroupVersionKind()
	m, err := cp.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		cp.Mapper.Reset() // a CRD may have been installed since discovery ran
		m, err = cp.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if err != nil {
		return nil, "", err
	}
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		return cp.Dynamic.Resource(m.Resource), "", nil
	}
	ns := obj.GetNamespace()
	if ns == "" {
		ns = "default"
	}
	return cp.Dynamic.Resource(m.Resource).Namespace(ns), ns, nil
}

// Apply server-side applies obj with field manager fleetc-e2e, forcing
// conflicts and validating fields strictly. With dryRun it runs the whole
// admission and validation chain (dryRun=All) and persists nothing.
func (cp *ControlPlane) Apply(ctx context.Context, obj *unstructured.Unstructured, dryRun bool) (*unstructured.Unstructured, error) {
	ri, _, err := cp.Resource(obj)
	if err != nil {
		return nil, err
	}
	data, err := json.Marshal(obj.Object)
	if err != nil {
		return nil, err
	}
	opts := metav1.PatchOptions{
		FieldManager:    FieldManager,
		Force:           new(true),
		FieldValidation: metav1.FieldValidationStrict,
	}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	return ri.Patch(ctx, obj.GetName(), types.ApplyPatchType, data, opts)
}

// Get fetches the live copy of obj (by kind, namespace and name).
func (cp *ControlPlane) Get(ctx context.Context, obj *unstructured.Unstructured) (*unstructured.Unstructured, error) {
	ri, _, err := cp.Resource(obj)
	if err != nil {
		return nil, err
	}
	return ri.Get(ctx, obj.GetName(), metav1.GetOptions{})
}

// EnsureNamespace creates (really, not as a dry run) the namespace name.
func (cp *ControlPlane) EnsureNamespace(ctx context.Context, name string) error {
	ns := &unstructured.Unstructured{}
	ns.SetAPIVersion("v1")
	ns.SetKind("Namespace")
	ns.SetName(name)
	_, err := cp.Apply(ctx, ns, false)
	return err
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// InstallCRDs applies every CustomResourceDefinition in files and waits
// until all of them are Established.
func (cp *ControlPlane) InstallCRDs(t testing.TB, files ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	start := time.Now()
	var names []string
	for _, f := range files {
		objs, err := ReadObjects(f)
		if err != nil {
			t.Fatalf("CRDs: %v", err)
		}
		for _, o := range objs {
			if o.GetKind() != "CustomResourceDefinition" {
				continue
			}
			if _, err := cp.Apply(ctx, o, false); err != nil {
				t.Fatalf("install CRD %s from %s: %v", o.GetName(), f, err)
			}
			names = append(names, o.GetName())
		}
	}
	if err := cp.WaitCRDsEstablished(ctx, names); err != nil {
		t.Fatal(err)
	}
	t.Logf("installed %d CRDs in %s", len(names), time.Since(start).Round(time.Millisecond))
}

// WaitCRDsEstablished waits until each named CRD has condition
// Established=True, then resets the REST mapper.
func (cp *ControlPlane) WaitCRDsEstablished(ctx context.Context, names []string) error {
	for _, name := range names {
		for {
			crd, err := cp.Dynamic.Resource(crdGVR).Get(ctx, name, metav1.GetOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				return fmt.Errorf("CRD %s: %w", name, err)
			}
			if err == nil && ConditionStatus(crd, "Established") == "True" {
				break
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("CRD %s not Established: %w", name, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	cp.Mapper.Reset()
	return nil
}

// Condition is one entry of an object's status.conditions.
type Condition struct {
	Type, Status, Reason, Message string
}

// Conditions returns obj's status.conditions.
func Conditions(obj *unstructured.Unstructured) []Condition {
	raw, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	var out []Condition
	for _, r := range raw {
		m, ok := r.(map[string]any)
		if !ok {
			continue
		}
		s := func(k string) string { v, _ := m[k].(string); return v }
		out = append(out, Condition{Type: s("type"), Status: s("status"), Reason: s("reason"), Message: s("message")})
	}
	return out
}

// ConditionStatus returns the status of condition typ, or "" if absent.
func ConditionStatus(obj *unstructured.Unstructured, typ string) string {
	for _, c := range Conditions(obj) {
		if c.Type == typ {
			return c.Status
		}
	}
	return ""
}

// IsNamespaced reports whether obj's kind is namespaced.
func (cp *ControlPlane) IsNamespaced(obj *unstructured.Unstructured) (bool, error) {
	_, ns, err := cp.Resource(obj)
	return ns != "", err
}
