package validate

import "testing"

func TestCheckCron(t *testing.T) {
	for _, s := range []string{"*/20 * * * *", "0 3 * * *", "0,30 1-5 1 1-12 0-7", "15 */2 * * 1-5", "@hourly", "@daily", "0 0 ? * *"} {
		if err := checkCron(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
	for _, s := range []string{"", "* * * *", "* * * * * *", "60 * * * *", "* 24 * * *", "* * 0 * *", "* * * 13 *", "* * * * 8",
		"*/0 * * * *", "5-1 * * * *", "a * * * *", "@every 20m", "TZ=UTC 0 * * * *", "1-x * * * *"} {
		if checkCron(s) == nil {
			t.Errorf("%q accepted", s)
		}
	}
}
