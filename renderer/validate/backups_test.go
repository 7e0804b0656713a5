package validate_test

import (
	"testing"

	"github.com/fleetc/fleetc/renderer/model"
)

// withBackups gives seed europe a valid backup destination, changed by
// change.
func withBackups(change func(b *model.Backups)) func(*model.Config) {
	return func(c *model.Config) {
		b := &model.Backups{Endpoint: "https://s3.example.com", Bucket: "etcd-backups", Credentials: "s3-keys", Schedule: "*/20 * * * *", Keep: 7}
		change(b)
		seed(c, "europe").Backups = b
	}
}

func endpoint(s string) func(*model.Config) {
	return withBackups(func(b *model.Backups) { b.Endpoint = s })
}

func bucket(s string) func(*model.Config) {
	return withBackups(func(b *model.Backups) { b.Bucket = s })
}

func keep(n int) func(*model.Config) { return withBackups(func(b *model.Backups) { b.Keep = n }) }

// schedule is a case of a backup schedule: the problem after "seed
// "europe": backups.schedule "<s>": ", or none.
func schedule(s, want string) fieldCase {
	c := fieldCase{name: "schedule " + s, change: withBackups(func(b *model.Backups) { b.Schedule = s })}
	if want != "" {
		c.want = []string{`seeds.europe.backups.schedule: ` + want}
	}
	return c
}

func TestBackupRules(t *testing.T) {
	testFieldCases(t, []fieldCase{
		{"valid backups", withBackups(func(*model.Backups) {}), nil},
		{"endpoint http", endpoint("http://minio.example.com:9000"), nil},
		{"endpoint ftp", endpoint("ftp://s3.example.com"), []string{`seeds.europe.backups.endpoint: backups.endpoint "ftp://s3.example.com" is not an http:// or https:// URL with a host`}},
		{"endpoint without host", endpoint("https://"), []string{`seeds.europe.backups.endpoint: backups.endpoint "https://" is not an http://`}},
		{"endpoint not a URL", endpoint("https://s3.example.com/%zz"), []string{`seeds.europe.backups.endpoint: backups.endpoint "https://s3.example.com/%zz" is not`}},
		{"endpoint with credentials", endpoint("https://key:secret@s3.example.com"), []string{`seeds.europe.backups.endpoint: seed "europe": backups.endpoint holds credentials`}},
		{"bucket upper case", bucket("Etcd_Backups"), []string{`seeds.europe.backups.bucket: backups.bucket "Etcd_Backups" is not an S3 bucket name`}},
		{"bucket of 3", bucket("e-b"), nil},
		{"bucket with two dots in a row", bucket("etcd..backups"), []string{`seeds.europe.backups.bucket: backups.bucket "etcd..backups" is not`}},
		{"credentials not a Secret name", withBackups(func(b *model.Backups) { b.Credentials = "S3_keys" }),
			[]string{`seeds.europe.backups.credentials: backups.credentials "S3_keys" is not a Secret name`}},
		{"keep 1", keep(1), nil},
		{"keep 0", keep(0), []string{`seeds.europe.backups.keep: seed "europe": backups.keep must be at least 1, got 0`}},

		schedule("0 3 * * *", ""),
		schedule("0,30 1-5 1 1-12 0-7", ""),
		schedule("15 */2 * * 1-5", ""),
		schedule("0 0 ? * *", ""),
		schedule("*/1 * * * *", ""),
		schedule("*/59 */23 */31 */12 */7", ""),
		schedule("5-5 * * * *", ""),
		schedule("@hourly", ""),
		schedule("@daily", ""),
		schedule("", "want 5 fields (minute hour day-of-month month day-of-week), got 0"),
		schedule("* * * *", "got 4"),
		schedule("* * * * * *", "got 6"),
		schedule("60 * * * *", `minute "60": 60 is outside 0-59`),
		schedule("* 24 * * *", `hour "24": 24 is outside 0-23`),
		schedule("* * 0 * *", `day of month "0": 0 is outside 1-31`),
		schedule("* * * 13 *", `month "13": 13 is outside 1-12`),
		schedule("* * * * 8", `day of week "8": 8 is outside 0-7`),
		schedule("*/0 * * * *", `minute "*/0": step "0" must be a number from 1 to 59`),
		schedule("*/60 * * * *", `step "60" must be a number from 1 to 59`),
		schedule("* * * * */8", `day of week "*/8": step "8" must be a number from 1 to 7`),
		schedule("*/x * * * *", `step "x" must be a number`),
		schedule("*/99999999999999999999 * * * *", `step "99999999999999999999" must be a number`),
		schedule("5-1 * * * *", `minute "5-1": range 5-1 goes backwards`),
		schedule("a * * * *", `minute "a": "a" is not a number`),
		schedule("1-x * * * *", `minute "1-x": "x" is not a number`),
		schedule("1-60 * * * *", `minute "1-60": 60 is outside 0-59`),
		schedule("?/2 * * * *", `minute "?/2": "?" is not a number`),
		schedule("0,x * * * *", `minute "0,x": "x" is not a number`),
		schedule("@every 20m", "unknown macro (want one of @yearly"),
		schedule("TZ=UTC 0 * * * *", "time zones are not allowed in a CronJob schedule"),
		schedule("CRON_TZ=UTC 0 * * * *", "time zones are not allowed in a CronJob schedule"),
	})
}
