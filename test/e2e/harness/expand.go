package harness

import "strings"

// ExpandVars replaces $(NAME) in s with env's NAME, as a kubelet does in a
// container's command, args and env values: a reference to an unknown name
// stays as written, and $$ is an escaped $ (so $$(NAME) gives the literal
// $(NAME)). Written from the Kubernetes API reference (Container.command).
func ExpandVars(s string, env func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch next := s[i+1]; {
		case next == '$':
			b.WriteByte('$')
			i++
		case next == '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := env(name); ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+3+end])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
