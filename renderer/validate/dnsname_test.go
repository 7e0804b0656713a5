package validate

import (
	"strings"
	"testing"
)

func TestDNSName(t *testing.T) {
	long := strings.Repeat("a", 63)
	longest := strings.Repeat(long+".", 3) + strings.Repeat("a", 61) // 253 characters
	for _, ok := range []string{"kkp.example.com", "kubermatic", "a-b.c1", long + ".example.com", longest} {
		if p := dnsName(ok); p != "" {
			t.Errorf("%q rejected: %s", ok, p)
		}
	}
	for s, want := range map[string]string{
		"a..b":                           "empty label",
		"a.b.":                           "empty label",
		".a":                             "empty label",
		long + "a.example.com":           "64 characters",
		"kkp.-x.com":                     `"-x"`,
		"kkp.x-.com":                     `"x-"`,
		strings.Repeat("a.", 127) + "ab": "256 characters",
		longest + "a":                    "254 characters",
	} {
		if p := dnsName(s); !strings.Contains(p, want) {
			t.Errorf("%q: %q, want a problem mentioning %s", s, p, want)
		}
	}
}
