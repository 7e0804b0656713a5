package validate

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/fleetc/fleetc/renderer/model"
)

// s3Bucket is the S3 bucket naming rule: 3-63 characters, lower-case
// letters, digits, dots and hyphens, starting and ending with a letter or
// digit.
var s3Bucket = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// backups checks a seed's etcd backup destination.
func (v *validator) backups(s *model.Seed) {
	b := s.Backups
	if b == nil {
		return
	}
	at := func(f string) model.Pos { return v.at("seeds", s.Name, "backups", f) }
	if u, err := url.Parse(b.Endpoint); err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		v.diags.Addf(at("endpoint"), "seed %q: backups.endpoint %q is not an http:// or https:// URL with a host (e.g. \"https://s3.eu-central-1.amazonaws.com\")", s.Name, b.Endpoint)
	} else if u.User != nil {
		v.diags.Addf(at("endpoint"), "seed %q: backups.endpoint holds credentials; put them in the Secret named by backups.credentials", s.Name)
	}
	if !s3Bucket.MatchString(b.Bucket) || strings.Contains(b.Bucket, "..") {
		v.diags.Addf(at("bucket"), "seed %q: backups.bucket %q is not an S3 bucket name (3-63 lower-case letters, digits, '.' and '-')", s.Name, b.Bucket)
	}
	if !dnsLabel.MatchString(b.Credentials) {
		v.diags.Addf(at("credentials"), "seed %q: backups.credentials %q is not a Secret name (a DNS-1123 label)", s.Name, b.Credentials)
	}
	if err := checkCron(b.Schedule); err != nil {
		v.diags.Addf(at("schedule"), "seed %q: backups.schedule %q: %v", s.Name, b.Schedule, err)
	}
	if b.Keep < 1 {
		v.diags.Addf(at("keep"), "seed %q: backups.keep must be at least 1, got %d", s.Name, b.Keep)
	}
}

// cronFields are the five fields of a cron schedule and their bounds.
var cronFields = []struct {
	name     string
	min, max int
}{{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31}, {"month", 1, 12}, {"day of week", 0, 7}}

var cronMacros = []string{"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}

// checkCron checks a schedule as a Kubernetes CronJob takes it: five
// fields (minute hour day-of-month month day-of-week) of "*", numbers,
// ranges "a-b", steps "/n" and lists "a,b", or one of the macros.
// Month and weekday names are not accepted (numbers are clearer).
func checkCron(s string) error {
	if strings.HasPrefix(s, "@") {
		for _, m := range cronMacros {
			if s == m {
				return nil
			}
		}
		return fmt.Errorf("unknown macro (want one of %s, or five fields)", strings.Join(cronMacros, ", "))
	}
	if strings.HasPrefix(s, "TZ=") || strings.HasPrefix(s, "CRON_TZ=") {
		return fmt.Errorf("time zones are not allowed in a CronJob schedule")
	}
	fields := strings.Fields(s)
	if len(fields) != len(cronFields) {
		return fmt.Errorf("want 5 fields (minute hour day-of-month month day-of-week), got %d", len(fields))
	}
	for i, f := range fields {
		b := cronFields[i]
		for _, part := range strings.Split(f, ",") {
			if err := cronPart(part, b.min, b.max); err != nil {
				return fmt.Errorf("%s %q: %v", b.name, f, err)
			}
		}
	}
	return nil
}

func cronPart(p string, lo, hi int) error {
	rng, step, hasStep := strings.Cut(p, "/")
	if hasStep {
		// What is not a number parses as 0 and an overflow as the largest
		// (or smallest) int, all of which the bounds reject.
		n, _ := strconv.Atoi(step)
		if n < 1 || n > hi {
			return fmt.Errorf("step %q must be a number from 1 to %d", step, hi)
		}
	}
	if rng == "*" || (rng == "?" && !hasStep) {
		return nil
	}
	num := func(s string) (int, error) {
		n, err := strconv.Atoi(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a number", s)
		}
		if n < lo || n > hi {
			return 0, fmt.Errorf("%d is outside %d-%d", n, lo, hi)
		}
		return n, nil
	}
	a, b, isRange := strings.Cut(rng, "-")
	x, err := num(a)
	if err != nil {
		return err
	}
	if isRange {
		y, err := num(b)
		if err != nil {
			return err
		}
		if y < x {
			return fmt.Errorf("range %s goes backwards", rng)
		}
	}
	return nil
}
