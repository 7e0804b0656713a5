package harness

// Unit tests of the backup test's parts that need no binaries: the aws CLI
// stand-in's refusals and its `s3 ls` format, and the per-binary cache keys
// of hack/e2e-tools.sh.

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestAWSCLIRefusesWhatItDoesNotImplement(t *testing.T) {
	t.Setenv("AWS_ACCESS_KEY_ID", "id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	for _, args := range [][]string{
		{"s3", "ls", "s3://b/p/"}, // no --endpoint-url
		{"--endpoint-url", "https://s3.example", "s3api", "list-objects", "--bucket", "b"},
		{"--endpoint-url", "https://s3.example", "s3", "sync", "s3://b/p/", "."},
		{"--endpoint-url", "https://s3.example", "s3", "cp", "a", "b"},                // neither is s3://
		{"--endpoint-url", "https://s3.example", "s3", "cp", "s3://b/k", "s3://b/k2"}, // both are
		{"--endpoint-url", "https://s3.example", "s3", "cp", "--recursive", "d", "s3://b/p/"},
		{"--endpoint-url", "https://s3.example", "s3", "rm", "--recursive", "s3://b/p/"},
		{"--endpoint-url", "https://s3.example", "s3", "rm", "s3://b/p/"},
		{"--endpoint-url", "https://s3.example", "s3", "ls"},
		{"--endpoint-url", "ftp://s3.example", "s3", "ls", "s3://b/"},
	} {
		var out, errOut bytes.Buffer
		if code := AWSCLI(args, &out, &errOut); code != awsUsage {
			t.Errorf("aws %s: exit %d, want %d (refused); stderr %q", strings.Join(args, " "), code, awsUsage, errOut.String())
		}
	}
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	var out, errOut bytes.Buffer
	if code := AWSCLI([]string{"--endpoint-url", "https://s3.example", "s3", "ls", "s3://b/"}, &out, &errOut); code != awsUsage ||
		!strings.Contains(errOut.String(), "Unable to locate credentials") {
		t.Errorf("without credentials: exit %d, %q", code, errOut.String())
	}
}

// The upload script picks the snapshot names from `aws s3 ls` with awk's $4:
// the stand-in must print DATE TIME SIZE NAME, names relative to the
// prefix's folder, and folders as PRE.
func TestAWSCLIListFormat(t *testing.T) {
	var query string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.Path + "?" + r.URL.RawQuery
		w.Header().Set("Content-Type", "application/xml")
		_, _ = w.Write([]byte(`<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>b</Name><Prefix>seed/c/</Prefix><KeyCount>3</KeyCount><IsTruncated>false</IsTruncated>
<Contents><Key>seed/c/2026-12-01T10-00-00Z.db</Key><LastModified>2026-12-01T10:00:01.000Z</LastModified><Size>123456</Size></Contents>
<Contents><Key>seed/c/notes.txt</Key><LastModified>2026-12-01T10:00:02.000Z</LastModified><Size>7</Size></Contents>
<CommonPrefixes><Prefix>seed/c/old/</Prefix></CommonPrefixes>
</ListBucketResult>`))
	}))
	defer srv.Close()
	t.Setenv("AWS_ACCESS_KEY_ID", "id")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	var out, errOut bytes.Buffer
	if code := AWSCLI([]string{"--endpoint-url", srv.URL, "s3", "ls", "s3://b/seed/c/"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.HasPrefix(query, "/b?") || !strings.Contains(query, "prefix=seed%2Fc%2F") || !strings.Contains(query, "delimiter=%2F") {
		t.Errorf("request %s: want a path-style list of bucket b, prefix seed/c/, delimiter /", query)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 {
		t.Fatalf("%d lines, want 3:\n%s", len(lines), out.String())
	}
	if f := strings.Fields(lines[0]); len(f) != 2 || f[0] != "PRE" || f[1] != "old/" {
		t.Errorf("folder line %q, want PRE old/", lines[0])
	}
	for i, want := range []string{"2026-12-01T10-00-00Z.db", "notes.txt"} {
		f := strings.Fields(lines[i+1])
		if len(f) != 4 || f[3] != want {
			t.Errorf("object line %q: want 4 fields, the 4th %s", lines[i+1], want)
		}
	}
	if f := strings.Fields(lines[1]); len(f) == 4 && f[2] != "123456" {
		t.Errorf("object line %q: size %s, want 123456", lines[1], f[2])
	}
}

// hack/e2e-tools.sh caches each binary under a key of its own: changing one
// wrapper module changes the keys of that wrapper's binaries only.
func TestToolKeysPerBinary(t *testing.T) {
	if _, err := exec.LookPath("bash"); err != nil {
		t.Fatal("bash is needed to run hack/e2e-tools.sh")
	}
	root := filepath.Join("..", "..", "..")
	tmp := t.TempDir()
	copyTree := func(src, dst string) {
		t.Helper()
		err := filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if fi.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			data, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	copyTree(filepath.Join(root, "hack"), filepath.Join(tmp, "hack"))
	copyTree(filepath.Join(root, "test", "e2e", "tools"), filepath.Join(tmp, "test", "e2e", "tools"))
	keys := func() map[string]string {
		t.Helper()
		cmd := exec.Command("bash", filepath.Join(tmp, "hack", "e2e-tools.sh"), "--keys")
		cmd.Env = append(os.Environ(), "XDG_CACHE_HOME="+filepath.Join(tmp, "cache"))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("e2e-tools.sh --keys: %v", err)
		}
		m := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			name, dir, _ := strings.Cut(l, " ")
			m[name] = dir
		}
		return m
	}
	before := keys()
	for _, b := range []string{"kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd", "etcdctl", "etcdutl", "source-controller", "kustomize-controller", "versitygw"} {
		if !strings.Contains(before[b], "/bin/"+b+"-") {
			t.Errorf("%s: cache directory %q, want .../bin/%s-<version>-<digest>", b, before[b], b)
		}
	}
	f, err := os.OpenFile(filepath.Join(tmp, "test", "e2e", "tools", "versitygw", "go.sum"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString("example.com/x v1.0.0 h1:AAAA=\n")
	f.Close()
	after := keys()
	for b := range before {
		if changed := before[b] != after[b]; changed != (b == "versitygw") {
			t.Errorf("a change of tools/versitygw/go.sum: %s key %s -> %s (changed %v, want %v)", b, before[b], after[b], changed, b == "versitygw")
		}
	}
	// The build recipe is in the key too.
	script := filepath.Join(tmp, "hack", "e2e-tools.sh")
	data, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(data), `"etcdutl|${ETCD_VERSION}|etcdctl|go.etcd.io/etcd/etcdutl/v3||`, `"etcdutl|${ETCD_VERSION}|etcdctl|go.etcd.io/etcd/etcdutl/v3|-X x.y=z|`, 1)
	if edited == string(data) {
		t.Fatal("the etcdutl recipe is not in hack/e2e-tools.sh as this test expects")
	}
	if err := os.WriteFile(script, []byte(edited), 0o755); err != nil {
		t.Fatal(err)
	}
	recipe := keys()
	for b := range after {
		if changed := after[b] != recipe[b]; changed != (b == "etcdutl") {
			t.Errorf("a change of etcdutl's ldflags: %s key changed %v, want %v", b, changed, b == "etcdutl")
		}
	}
}

// Boot networks run side by side: their gateways differ and lie in their
// own /18, and the seed's serving certificate holds every one of them.
func TestBootNetworkRanges(t *testing.T) {
	seen := map[string]bool{}
	ips := seedIPs()
	for k := range Networks {
		gw := GatewayOf(k)
		if seen[gw] {
			t.Errorf("network %d: gateway %s is another network's", k, gw)
		}
		seen[gw] = true
		if want := "198.18." + strconv.Itoa(64*k) + ".1"; gw != want {
			t.Errorf("network %d: gateway %s, want %s", k, gw, want)
		}
		found := false
		for _, ip := range ips {
			found = found || ip.String() == gw
		}
		if !found {
			t.Errorf("the seed's serving certificate lacks network %d's gateway %s", k, gw)
		}
	}
	if GatewayOf(0) != Gateway {
		t.Errorf("GatewayOf(0) = %s, want %s", GatewayOf(0), Gateway)
	}
}
