package report

import (
	"fmt"
	"io"
	"strings"
)

// GitHub Actions workflow commands: "::error file=F,line=L,title=T::message" lines, which a
// workflow step's log turns into annotations on the pull request's changed lines. Levels map to
// error, warning and notice.

func githubCommand(l Level) string {
	switch l.Rank() {
	case 3:
		return "error"
	case 2:
		return "warning"
	}
	return "notice"
}

// githubData escapes a command's message.
func githubData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// githubProperty escapes a command's property value.
func githubProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

func githubLine(w io.Writer, l Level, file string, line int, title, msg string) error {
	var props []string
	if file != "" {
		props = append(props, "file="+githubProperty(file))
		if line > 0 {
			props = append(props, fmt.Sprintf("line=%d", line))
		}
	}
	if title != "" {
		props = append(props, "title="+githubProperty(title))
	}
	sep := ""
	if len(props) > 0 {
		sep = " "
	}
	_, err := fmt.Fprintf(w, "::%s%s%s::%s\n", githubCommand(l), sep, strings.Join(props, ","), githubData(msg))
	return err
}

// findings writes one annotation per finding.
func (g *githubFormatter) findings(f Findings) error {
	for _, x := range f.Findings {
		msg := x.Message
		if x.Operation != "" {
			msg = x.Operation + ": " + msg
		}
		if wj := x.witnessJSON(); wj != "" {
			msg += "\nwitness: " + wj
		}
		for _, d := range x.Details {
			msg += "\n" + d
		}
		level := x.Level
		if x.Waived != nil {
			level, msg = LevelInfo, msg+"\nwaived: "+x.Waived.Reason
		}
		if err := githubLine(g.w, level, x.File, x.Line, x.Rule, msg); err != nil {
			return err
		}
	}
	return nil
}

// githubFormatter writes an annotation per violation, at the spec line of the keyword it broke
// (or at the recording when the violation has no spec location), and one per unreadable entry.
type githubFormatter struct {
	w io.Writer
}

func (g *githubFormatter) entry(e Entry) error {
	exchange := where(e) + exchangeLine(e)
	if e.Err != nil {
		return githubLine(g.w, LevelError, e.File, e.Line, RuleInputError, exchange+": "+e.errorMessage())
	}
	for i, v := range e.Result.Violations {
		m := e.mark(i)
		file, _ := specLocation(v.Schema)
		line := v.Line
		if file == "" {
			file, line = e.File, e.Line
		}
		msg := v.Message
		if v.Instance != "" && !strings.Contains(msg, v.Instance) {
			msg = v.Instance + ": " + msg
		}
		level := m.Level
		if m.Waived != nil {
			level, msg = LevelInfo, msg+" (waived: "+m.Waived.Reason+")"
		}
		if err := githubLine(g.w, level, file, line, v.Rule, exchange+": "+msg); err != nil {
			return err
		}
	}
	return nil
}

func (g *githubFormatter) summary(s Summary) error {
	_, err := fmt.Fprintf(g.w, "::notice title=specgate::%d exchanges: %d valid, %d invalid, %d errors, %d out of scope\n",
		s.Exchanges, s.Valid, s.Invalid, s.Errors, s.OutOfScope)
	return err
}
