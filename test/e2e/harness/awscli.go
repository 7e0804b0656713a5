package harness

// The aws CLI stand-in. The rendered etcd-backup CronJob uploads with the
// aws CLI (amazon/aws-cli), a Python program that the Go module proxy does
// not serve, so the boot tier cannot build it. This stand-in implements
// exactly the calls that the upload script (renderer/controlplane's
// BackupUploadScript) and the documented restore (docs/day2.md) make, with a
// real S3 client library (aws-sdk-go-v2, path-style requests as the aws CLI
// makes them to a custom --endpoint-url), and refuses everything else, so
// that a script change the stand-in does not know fails the test instead of
// passing unchecked:
//
//	aws --endpoint-url URL s3 cp FILE s3://BUCKET/KEY
//	aws --endpoint-url URL s3 cp s3://BUCKET/KEY FILE
//	aws --endpoint-url URL s3 ls s3://BUCKET/PREFIX
//	aws --endpoint-url URL s3 rm s3://BUCKET/KEY
//
// Like the aws CLI it reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_DEFAULT_REGION, prints `s3 ls` as the aws CLI does ("DATE TIME SIZE
// NAME", "PRE NAME/" for folders), and exits 252 on a usage error, 1 on a
// failed request. The test binary runs it when it is started as "aws"
// (TestMain), bound at /usr/local/bin/aws in the aws-cli image's containers.

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// AWSCLIStandIn is the image path the stand-in is bound at.
const AWSCLIStandIn = "/usr/local/bin/aws"

// awsUsage is the aws CLI's exit status for a command line it refuses.
const awsUsage = 252

// AWSCLI runs the stand-in with args (without the program name).
func AWSCLI(args []string, stdout, stderr io.Writer) int {
	refuse := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "aws (fleetc boot-tier stand-in): "+format+"\n", a...)
		return awsUsage
	}
	if len(args) < 4 || args[0] != "--endpoint-url" || args[2] != "s3" {
		return refuse("only `aws --endpoint-url URL s3 cp|ls|rm ...` is implemented, not %q", strings.Join(args, " "))
	}
	endpoint, verb, rest := args[1], args[3], args[4:]
	if u, err := url.Parse(endpoint); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return refuse("--endpoint-url %q is not an http(s) URL", endpoint)
	}
	id, secret := os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
	if id == "" || secret == "" {
		fmt.Fprintln(stderr, "Unable to locate credentials. You can configure credentials by running \"aws configure\".")
		return awsUsage
	}
	region := os.Getenv("AWS_DEFAULT_REGION")
	if region == "" {
		region = "us-east-1"
	}
	cl := s3.New(s3.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		UsePathStyle: true,
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, ""),
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	fail := func(what string, err error) int {
		fmt.Fprintf(stderr, "%s failed: %v\n", what, err)
		return 1
	}
	switch verb {
	case "cp":
		if len(rest) != 2 {
			return refuse("s3 cp takes exactly SOURCE DESTINATION, not %q", strings.Join(rest, " "))
		}
		src, dst := rest[0], rest[1]
		switch {
		case !isS3(src) && isS3(dst):
			bucket, key, ok := splitS3(dst)
			if !ok || key == "" || strings.HasSuffix(key, "/") {
				return refuse("s3 cp: %q names no object", dst)
			}
			f, err := os.Open(src)
			if err != nil {
				return fail("upload: "+src, err)
			}
			defer f.Close()
			if _, err := cl.PutObject(ctx, &s3.PutObjectInput{Bucket: &bucket, Key: &key, Body: f}); err != nil {
				return fail("upload: "+src+" to "+dst, err)
			}
			fmt.Fprintf(stdout, "upload: %s to %s\n", src, dst)
		case isS3(src) && !isS3(dst):
			bucket, key, ok := splitS3(src)
			if !ok || key == "" || strings.HasSuffix(key, "/") {
				return refuse("s3 cp: %q names no object", src)
			}
			out, err := cl.GetObject(ctx, &s3.GetObjectInput{Bucket: &bucket, Key: &key})
			if err != nil {
				return fail("download: "+src, err)
			}
			defer out.Body.Close()
			f, err := os.Create(dst)
			if err != nil {
				return fail("download: "+src+" to "+dst, err)
			}
			if _, err := io.Copy(f, out.Body); err != nil {
				f.Close()
				return fail("download: "+src+" to "+dst, err)
			}
			if err := f.Close(); err != nil {
				return fail("download: "+src+" to "+dst, err)
			}
			fmt.Fprintf(stdout, "download: %s to %s\n", src, dst)
		default:
			return refuse("s3 cp: exactly one of %q and %q must be an s3:// URL", src, dst)
		}
	case "ls":
		if len(rest) != 1 || !isS3(rest[0]) {
			return refuse("s3 ls takes exactly one s3://BUCKET/PREFIX, not %q", strings.Join(rest, " "))
		}
		bucket, prefix, ok := splitS3(rest[0])
		if !ok {
			return refuse("s3 ls: %q names no bucket", rest[0])
		}
		// Names are printed relative to the prefix's folder, as the aws
		// CLI does.
		dir := prefix[:strings.LastIndexByte(prefix, '/')+1]
		p := s3.NewListObjectsV2Paginator(cl, &s3.ListObjectsV2Input{Bucket: &bucket, Prefix: &prefix, Delimiter: aws.String("/")})
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				return fail("ls "+rest[0], err)
			}
			for _, cp := range page.CommonPrefixes {
				fmt.Fprintf(stdout, "%30s %s\n", "PRE", strings.TrimPrefix(aws.ToString(cp.Prefix), dir))
			}
			for _, o := range page.Contents {
				fmt.Fprintf(stdout, "%s %10d %s\n", aws.ToTime(o.LastModified).Local().Format("2006-01-02 15:04:05"),
					aws.ToInt64(o.Size), strings.TrimPrefix(aws.ToString(o.Key), dir))
			}
		}
	case "rm":
		if len(rest) != 1 || !isS3(rest[0]) {
			return refuse("s3 rm takes exactly one s3://BUCKET/KEY, not %q", strings.Join(rest, " "))
		}
		bucket, key, ok := splitS3(rest[0])
		if !ok || key == "" || strings.HasSuffix(key, "/") {
			return refuse("s3 rm: %q names no object (--recursive is not implemented)", rest[0])
		}
		if _, err := cl.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &bucket, Key: &key}); err != nil {
			return fail("delete: "+rest[0], err)
		}
		fmt.Fprintf(stdout, "delete: %s\n", rest[0])
	default:
		return refuse("s3 %s is not implemented (only cp, ls, rm)", verb)
	}
	return 0
}

func isS3(s string) bool { return strings.HasPrefix(s, "s3://") }

// splitS3 splits s3://BUCKET/KEY.
func splitS3(s string) (bucket, key string, ok bool) {
	rest := strings.TrimPrefix(s, "s3://")
	bucket, key, _ = strings.Cut(rest, "/")
	return bucket, key, bucket != ""
}
