// Package diff compares two rendered trees object by object, for
// `fleetc diff`. It is pure: trees in, a Result out, and the Result
// rendered as text (WriteText), a pull-request comment (Markdown) or JSON
// (WriteJSON). The CLI renders the two revisions and decides about
// colours.
//
// # Matching
//
// Files with the same bytes at the same path are equal and are not
// parsed, so the cost is proportional to what changed. Every other
// rendered file (kustomization.yaml and .fleetc/ excepted: they are not
// objects) is decoded into generic maps and keyed by (seed or "master",
// namespace, kind, name): a key only in the base is removed, only in the
// head added, in both compared field by field. The field comparison is
// structural: map keys in order; lists whose elements all have a distinct
// "name" (containers, initContainers, env, ports, volumes, volumeMounts,
// ...) or, failing that, "mountPath", are matched by it, so a reorder is
// not a change; lists of scalars (args, command) by position when few
// positions differ, else as the elements added and removed; other lists
// by index.
//
// Objects are grouped by the master, each seed's own objects, and each
// customer cluster: the objects in seeds/<seed>/clusters/<cluster>/ and
// the seed's Flux Kustomization "cluster-<cluster>".
//
// # Warnings
//
// Dangerous changes are listed first (see the Warn* codes): a Namespace
// deleted (Flux prunes a cluster's whole control plane), a cluster moved
// between seeds, a Kubernetes version that goes down or skips a minor (read
// from the kube-apiserver Deployment's app.kubernetes.io/version label),
// etcd losing or gaining members, a change to an immutable field
// (StatefulSet spec.selector, volumeClaimTemplates, serviceName,
// podManagementPolicy; Deployment and DaemonSet spec.selector; Service
// spec.clusterIP, which covers ClusterIP to or from headless; a
// PersistentVolumeClaim's spec other than growing its storage request),
// and a rollout of etcd or the kube-apiserver (pod template changed).
//
// # Output
//
// Text and markdown show clusters with identical changes once, as one
// entry listing the clusters; in it, {cluster} and {seed} stand for each
// cluster's name and seed where they appear as a whole word. Markdown
// never exceeds 65,536 characters: see Markdown for what it leaves out
// first. Text leaves nothing out.
//
// # JSON schema (schemaVersion 1)
//
// WriteJSON writes one object; every list is present (possibly empty),
// sorted as described:
//
//	{
//	  "schemaVersion": 1,
//	  "base": "origin/main (1a2b3c4d5e6f)",   // labels, for display
//	  "head": "working tree",
//	  "summary": {
//	    "seeds":    {"added": ["name"], "removed": [], "changed": []},            // by name
//	    "clusters": {"added":   [{"seed": "s", "cluster": "c"}],                 // by cluster, seed
//	                 "removed": [], "changed": [],
//	                 "moved":   [{"cluster": "c", "from": "s1", "to": "s2"}]},
//	    "objects":  {"added": 0, "removed": 0, "changed": 0},
//	    "kinds":    [{"kind": "Deployment", "added": 0, "removed": 0, "changed": 0}], // by kind
//	    "versions": [{"seed": "eu", "cluster": "c", "from": "1.34.11", "to": "1.35.8"}] // by cluster, seed
//	  },
//	  "warnings": [{                          // most dangerous first
//	    "code": "rollout",                    // namespace-deleted | cluster-moved | version-downgrade |
//	                                          // version-skip | etcd-scale-down | etcd-scale-up |
//	                                          // immutable-field | rollout | unparsable
//	    "scope": "cluster",                   // master | seed | cluster
//	    "seed": "eu", "cluster": "prod",      // "" where not applicable
//	    "kind": "Deployment", "namespace": "cluster-prod", "name": "apiserver",
//	    "message": "kube-apiserver rolls out: ..."
//	  }],
//	  "groups": [{                            // master, then by seed: the seed's own, then clusters by name
//	    "scope": "cluster", "seed": "eu", "cluster": "prod",
//	    "change": "changed",                  // added | removed (the whole cluster or seed) | changed
//	    "objects": [{                         // by kind, namespace, name
//	      "change": "changed",                // added | removed | changed
//	      "apiVersion": "apps/v1", "kind": "Deployment", "namespace": "cluster-prod", "name": "apiserver",
//	      "path": "seeds/eu/clusters/prod/deployment-apiserver.yaml",
//	      "fields": [{                        // changed objects only, in path order
//	        "path": "spec.template.spec.containers[apiserver].image",
//	        "change": "changed",              // added | removed | changed
//	        "old": "registry.k8s.io/kube-apiserver:v1.34.11",   // any JSON value; absent when added
//	        "new": "registry.k8s.io/kube-apiserver:v1.35.8"     // absent when removed
//	      }]
//	    }]
//	  }]
//	}
package diff
