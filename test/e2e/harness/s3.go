package harness

// A real S3-compatible server for the boot tier: versitygw (built by
// hack/e2e-tools.sh from the Go module proxy) with its posix backend, over
// TLS with a certificate for the name the rendered backups endpoint uses.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// VersitygwVersion is the versitygw that hack/e2e-tools.sh builds.
const VersitygwVersion = "v1.8.0"

// S3Server is a running versitygw.
type S3Server struct {
	// Addr is where it listens on this machine (127.0.0.1:port).
	Addr string
	// Dir is the posix backend's folder: a bucket is a folder, an object a
	// file.
	Dir string
	// AccessKey and SecretKey are its root user's credentials.
	AccessKey, SecretKey string
	// CAPEM signed its serving certificate.
	CAPEM []byte
	// Proc is the versitygw process.
	Proc *Process
}

// StartS3 starts versitygw from bin on 127.0.0.1 with a posix folder, TLS for
// hosts (names, or IP addresses), and fresh root credentials.
func StartS3(t testing.TB, bin string, hosts ...string) (*S3Server, error) {
	t.Helper()
	exe := filepath.Join(bin, "versitygw")
	if _, err := os.Stat(exe); err != nil {
		return nil, fmt.Errorf("%s: no versitygw (run `bash hack/e2e-tools.sh`): %w", bin, err)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(data, 0o700); err != nil {
		return nil, err
	}
	now := time.Now()
	ca, err := makeCert(nil, &x509.Certificate{
		Subject:   pkix.Name{CommonName: "fleetc-e2e-s3-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true, IsCA: true,
	})
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		Subject:   pkix.Name{CommonName: "versitygw"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage:    x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	serving, err := makeCert(ca, tmpl)
	if err != nil {
		return nil, err
	}
	certFile, keyFile := filepath.Join(dir, "tls.crt"), filepath.Join(dir, "tls.key")
	if err := os.WriteFile(certFile, serving.certPEM, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(keyFile, serving.keyPEM, 0o600); err != nil {
		return nil, err
	}
	s := &S3Server{
		Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePorts(t, 1)[0])),
		Dir:  data, AccessKey: "fleetc-e2e-" + randomHex(4), SecretKey: randomHex(20),
		CAPEM: ca.certPEM,
	}
	s.Proc = StartProcess(t, "versitygw", exe, []string{
		"--port", s.Addr, "--cert", certFile, "--key", keyFile,
		"--access", s.AccessKey, "--secret", s.SecretKey,
		"posix", data,
	}, nil)
	s.Proc.Grace = 2 * time.Second
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", s.Addr, time.Second)
		if err == nil {
			c.Close()
			return s, nil
		}
		if done, perr := s.Proc.Exited(); done {
			return nil, fmt.Errorf("versitygw exited (%v):\n%s", perr, s.Proc.Tail(20))
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("versitygw does not listen on %s after 30 s:\n%s", s.Addr, s.Proc.Tail(20))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Client is an S3 client of the test (not of the job under test) with the
// root credentials, straight to Addr.
func (s *S3Server) Client() *s3.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CAPEM)
	return s3.New(s3.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String((&url.URL{Scheme: "https", Host: s.Addr}).String()),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(s.AccessKey, s.SecretKey, ""),
		HTTPClient:   &http.Client{Timeout: time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}},
	})
}

// CreateBucket makes a bucket.
func (s *S3Server) CreateBucket(ctx context.Context, bucket string) error {
	_, err := s.Client().CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &bucket})
	return err
}

// List returns the keys under prefix, in the order S3 lists them.
func (s *S3Server) List(ctx context.Context, bucket, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.Client(), &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// Put stores an object (the test's seeding of older snapshots).
func (s *S3Server) Put(ctx context.Context, bucket, key string, data []byte) error {
	_, err := s.Client().PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: bytes.NewReader(data)})
	return err
}

// randomHex is n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
