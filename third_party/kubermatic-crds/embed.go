// Package kubermaticcrds holds Kubermatic's CustomResourceDefinitions as
// data (see README.md in this folder for their origin and licence).
package kubermaticcrds

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

//go:embed *.yaml
var files embed.FS

// LocationAnnotation is the annotation on each CRD that says where
// Kubermatic installs it: "master", "seed", "usercluster", comma-separated.
const LocationAnnotation = "kubermatic.k8c.io/location"

// CRD is one CustomResourceDefinition file.
type CRD struct {
	// File is the file name in this folder.
	File string
	// Name is the CRD's metadata.name, e.g. clusters.kubermatic.k8c.io.
	Name string
	// Kind is spec.names.kind, e.g. Cluster.
	Kind string
	// Locations are the values of LocationAnnotation.
	Locations []string
	// YAML is the file's content without a leading document separator.
	YAML []byte
}

// All returns every CRD of the folder, sorted by name.
func All() ([]CRD, error) {
	names, err := fs.Glob(files, "*.yaml")
	if err != nil {
		return nil, err
	}
	var out []CRD
	for _, n := range names {
		b, err := files.ReadFile(n)
		if err != nil {
			return nil, err
		}
		b = bytes.TrimPrefix(b, []byte("---\n"))
		var head struct {
			Kind     string `json:"kind"`
			Metadata struct {
				Name        string            `json:"name"`
				Annotations map[string]string `json:"annotations"`
			} `json:"metadata"`
			Spec struct {
				Names struct {
					Kind string `json:"kind"`
				} `json:"names"`
			} `json:"spec"`
		}
		if err := yaml.Unmarshal(b, &head); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if head.Kind != "CustomResourceDefinition" || head.Metadata.Name == "" || head.Spec.Names.Kind == "" {
			return nil, fmt.Errorf("%s: not a CustomResourceDefinition", n)
		}
		var locs []string
		if l := head.Metadata.Annotations[LocationAnnotation]; l != "" {
			locs = strings.Split(l, ",")
		}
		out = append(out, CRD{File: n, Name: head.Metadata.Name, Kind: head.Spec.Names.Kind, Locations: locs, YAML: b})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// For returns the CRDs Kubermatic installs on the master or on a seed
// (location "master" or "seed"), sorted by name.
func For(location string) ([]CRD, error) {
	all, err := All()
	if err != nil {
		return nil, err
	}
	var out []CRD
	for _, c := range all {
		for _, l := range c.Locations {
			if l == location {
				out = append(out, c)
				break
			}
		}
	}
	return out, nil
}
