package harness

// Day-2 parts of the boot tier's kubelet: a pod run once to completion (a
// Job's pod, or a pod an operator creates by hand, such as a restore pod),
// and scaling a workload to zero and back.

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// halt stops the container for good: no restart, the process terminated.
func (c *Container) halt() {
	c.mu.Lock()
	select {
	case <-c.stop:
	default:
		close(c.stop)
	}
	p := c.proc
	c.mu.Unlock()
	if p != nil {
		p.Stop()
	}
}

// StopWorkload stops every pod of owner ("StatefulSet etcd", "Deployment
// apiserver"), as scaling it to 0 replicas does: the processes end, the
// volumes (a StatefulSet's claims) stay.
func (r *PodRuntime) StopWorkload(owner string) error {
	n := 0
	for _, p := range r.Pods() {
		if p.Owner != owner {
			continue
		}
		n++
		r.mu.Lock()
		cs := p.Containers
		p.Containers = nil
		r.mu.Unlock()
		for _, c := range cs {
			c.halt()
		}
	}
	if n == 0 {
		return fmt.Errorf("no pods of %s", owner)
	}
	return nil
}

// StartWorkload starts the pods of owner again after StopWorkload, as
// scaling it back up does: same names, addresses and claims, volumes
// materialized afresh from the seed.
func (r *PodRuntime) StartWorkload(ctx context.Context, owner string) error {
	n := 0
	for _, p := range r.Pods() {
		if p.Owner != owner {
			continue
		}
		n++
		p.NotRun = nil
		if err := r.startPod(ctx, p); err != nil {
			return fmt.Errorf("%s, pod %s: %w", p.Owner, p.Name, err)
		}
	}
	if n == 0 {
		return fmt.Errorf("no pods of %s", owner)
	}
	return nil
}

// RunResult is what a pod run once printed, by container, in order (init
// containers first).
type RunResult struct {
	Pod  *Pod
	Logs []ContainerLog
}

// ContainerLog is one container's output.
type ContainerLog struct {
	Name   string
	Output string
}

// Output is one container's output ("" when it did not run).
func (r *RunResult) Output(container string) string {
	for _, l := range r.Logs {
		if l.Name == container {
			return l.Output
		}
	}
	return ""
}

// RunPod runs a pod once to completion in namespace, as a kubelet runs a
// Job's pod: its own network namespace (with the names the network knows
// now), its volumes, the init containers one after another, then the
// containers one after another (a pod's containers run side by side; a
// Job's finish independently, and these need nothing from each other).
// owner names it in messages ("Job etcd-backup"). Each container must exit
// 0 within timeout; a container that cannot run here is an error (the
// run would prove nothing).
func (r *PodRuntime) RunPod(ctx context.Context, namespace, owner, name string, labels map[string]string, spec corev1.PodSpec, timeout time.Duration) (*RunResult, error) {
	p := &Pod{Name: name, Namespace: namespace, Owner: owner, Labels: labels, Spec: *spec.DeepCopy()}
	pn, err := r.Net.AddPod(name)
	if err != nil {
		return nil, err
	}
	p.Net = pn
	p.dir = filepath.Join(r.Work, namespace, name)
	if err := r.Net.WriteHosts(); err != nil {
		return nil, err
	}
	mounts, err := r.materialize(ctx, p)
	if err != nil {
		return nil, fmt.Errorf("%s, pod %s: %w", owner, name, err)
	}
	res := &RunResult{Pod: p}
	run := func(kind string, c corev1.Container) error {
		ctr, why, err := r.container(ctx, p, c, mounts)
		if err != nil {
			return err
		}
		if ctr == nil {
			return fmt.Errorf("%s, pod %s: %s %s cannot run here: %s", owner, name, kind, c.Name, why)
		}
		proc := ctr.startProcessEnv(r.t)
		select {
		case <-proc.done:
		case <-time.After(timeout):
			proc.Stop()
			res.Logs = append(res.Logs, ContainerLog{c.Name, proc.Tail(200)})
			return fmt.Errorf("%s, pod %s, %s %s: did not finish in %s:\n%s", owner, name, kind, c.Name, timeout, proc.Tail(30))
		}
		res.Logs = append(res.Logs, ContainerLog{c.Name, proc.Tail(200)})
		if proc.err != nil {
			return fmt.Errorf("%s, pod %s, %s %s: %v:\n%s", owner, name, kind, c.Name, proc.err, proc.Tail(30))
		}
		return nil
	}
	for _, c := range p.Spec.InitContainers {
		if err := run("init container", c); err != nil {
			return res, err
		}
	}
	for _, c := range p.Spec.Containers {
		if err := run("container", c); err != nil {
			return res, err
		}
	}
	return res, nil
}

// String lists the output of every container, for test logs.
func (r *RunResult) String() string {
	var b strings.Builder
	for _, l := range r.Logs {
		fmt.Fprintf(&b, "--- %s, pod %s, container %s:\n%s\n", r.Pod.Owner, r.Pod.Name, l.Name, strings.TrimRight(l.Output, "\n"))
	}
	return b.String()
}
