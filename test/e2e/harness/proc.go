package harness

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Process is a binary the harness runs for one test: etcd, kube-apiserver or
// a Flux controller. It runs in its own process group, dies with the test
// binary (Pdeathsig), keeps the last lines of its output in memory, and is
// stopped by t.Cleanup whether the test passed or not.
type Process struct {
	Name string

	cmd  *exec.Cmd
	out  *tailBuffer
	done chan struct{}
	err  error // valid after done is closed
}

// StartProcess starts path with args and env (added to a minimal
// environment). It registers a t.Cleanup that terminates the whole process
// group, and on test failure logs the process's last output lines.
func StartProcess(t testing.TB, name, path string, args, env []string) *Process {
	t.Helper()
	return startProcessWithEnv(t, name, path, args, append(baseEnv(), env...))
}

// startProcessWithEnv is StartProcess with exactly env as the environment.
func startProcessWithEnv(t testing.TB, name, path string, args, env []string) *Process {
	t.Helper()
	p := &Process{Name: name, out: newTailBuffer(400), done: make(chan struct{})}
	cmd := exec.Command(path, args...)
	cmd.Env = env
	cmd.Stdout = p.out
	cmd.Stderr = p.out
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:   true,            // one group, so children die with it
		Pdeathsig: syscall.SIGKILL, // and it dies if the test binary is killed
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	p.cmd = cmd
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("last output of %s:\n%s", name, p.Tail(60))
		}
	})
	return p
}

// baseEnv is what every child process gets: enough to run, nothing that
// would point it at a real cluster or a user's configuration.
func baseEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	for _, k := range []string{"TMPDIR", "LANG"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// Exited reports whether the process has ended, and how.
func (p *Process) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// Stop sends SIGTERM to the process group, waits up to 10 s, then SIGKILLs
// the group. It is safe to call more than once.
func (p *Process) Stop() {
	if p.cmd == nil || p.cmd.Process == nil {
		return
	}
	pgid := p.cmd.Process.Pid
	select {
	case <-p.done:
		_ = syscall.Kill(-pgid, syscall.SIGKILL) // stragglers in the group
		return
	default:
	}
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-p.done
	}
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// Tail returns the last n lines the process printed.
func (p *Process) Tail(n int) string { return p.out.Tail(n) }

// tailBuffer is an io.Writer that keeps the last max lines written to it.
type tailBuffer struct {
	mu    sync.Mutex
	max   int
	lines []string
	part  []byte
}

func newTailBuffer(max int) *tailBuffer { return &tailBuffer{max: max} }

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.part = append(b.part, p...)
	for {
		i := bytes.IndexByte(b.part, '\n')
		if i < 0 {
			break
		}
		b.lines = append(b.lines, string(b.part[:i]))
		b.part = b.part[i+1:]
	}
	if over := len(b.lines) - b.max; over > 0 {
		b.lines = append(b.lines[:0:0], b.lines[over:]...)
	}
	return len(p), nil
}

func (b *tailBuffer) Tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := b.lines
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	s := strings.Join(lines, "\n")
	if len(b.part) > 0 {
		s += "\n" + string(b.part)
	}
	return s
}

// FreePorts returns n distinct TCP ports on 127.0.0.1 that were free a
// moment ago (all are held open together, so they differ from each other).
func FreePorts(t testing.TB, n int) []int {
	t.Helper()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("free port: %v", err)
		}
		defer l.Close()
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports
}

// FreeAddrs returns n distinct "127.0.0.1:<port>" addresses.
func FreeAddrs(t testing.TB, n int) []string {
	t.Helper()
	var addrs []string
	for _, p := range FreePorts(t, n) {
		addrs = append(addrs, fmt.Sprintf("127.0.0.1:%d", p))
	}
	return addrs
}

// Pid is the process id (and process group id) of the process.
func (p *Process) Pid() int { return p.cmd.Process.Pid }
