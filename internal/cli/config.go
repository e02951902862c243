package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/specgate/specgate/internal/diff"
	"github.com/specgate/specgate/internal/lint"
	"github.com/specgate/specgate/internal/message"
	"github.com/specgate/specgate/internal/report"
	"github.com/specgate/specgate/rules"
	"github.com/specgate/specgate/specs"
	"github.com/specgate/specgate/validator"
	"gopkg.in/yaml.v3"
)

// configNames are the files a command reads its configuration from, in the working directory,
// when --config does not name one: the names Spectral (.spectral.yaml) and Redocly
// (redocly.yaml) users look for.
var configNames = []string{"specgate.yaml", ".specgate.yaml"}

// config is a configuration file: flag values for every command and per command, the level of
// each rule, and the known findings waived with a reason. Every key is checked when the file
// is read: a key that is no flag, a value a flag refuses, an unknown rule id and a waiver without
// a reason are errors naming the file and line.
//
//	format: sarif                  # a flag of any command, for each command that has it
//	fail-on: warning
//	validate:                      # flags of one command; they win over the ones above
//	  host: ["*.nonemployee.com"]  # a repeatable flag takes a list
//	rules:
//	  "*.body.not_recorded": warning
//	waivers:
//	  - rule: response.body.schema
//	    operation: patchUser
//	    pointer: /user/uid
//	    reason: the vendor's 36-character uids (NERM-1234)
type config struct {
	// file is the configuration's name as the user gave it or as found, "" when there is none.
	file string
	// common holds the top-level flag values, commands the values of each command's section.
	common   []configValue
	commands map[string][]configValue
	policy   report.Policy
}

// configValue is a flag's value (one or, for a repeatable flag, several) and its line.
type configValue struct {
	flag   string
	values []string
	line   int
}

// configCommands are the commands a configuration can hold a section for, with their flags.
func (c *command) configCommands() map[string]*flag.FlagSet {
	quiet := &command{stdout: io.Discard, stderr: io.Discard}
	sets := map[string]*flag.FlagSet{}
	for _, s := range commands() {
		if s.configurable {
			fs := s.flags(quiet)
			fs.SetOutput(io.Discard)
			sets[s.name] = fs
		}
	}
	return sets
}

// configArgs takes --config FILE (or --config=FILE) out of a command's arguments: every command
// accepts it before "--", wherever it stands.
func configArgs(args []string) (file string, rest []string, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			return file, append(rest, args[i:]...), nil
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !strings.HasPrefix(a, "-") || name != "config" {
			rest = append(rest, a)
			continue
		}
		if !hasValue {
			if i+1 == len(args) {
				return "", nil, errors.New("--config needs a FILE")
			}
			i++
			value = args[i]
		}
		file = value
	}
	return file, rest, nil
}

// loadConfig reads the configuration named (or, when none is, the one in the working directory,
// if any).
func (c *command) loadConfig(name string) (*config, error) {
	if name == "" {
		var found []string
		for _, n := range configNames {
			if _, err := os.Stat(n); err == nil {
				found = append(found, n)
			}
		}
		switch len(found) {
		case 0:
			return &config{}, nil
		case 1:
			name = found[0]
		default:
			return nil, fmt.Errorf("both %s are in the working directory; keep one, or name one with --config", strings.Join(found, " and "))
		}
	}
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("--config %s: %v", name, message.WithoutPath(err))
	}
	cfg, err := c.parseConfig(name, data)
	if err != nil {
		return nil, err
	}
	return cfg, nil
}

// parseConfig reads a configuration file's text.
func (c *command) parseConfig(name string, data []byte) (*config, error) {
	cfg := &config{file: name, commands: map[string][]configValue{}}
	fail := func(n *yaml.Node, format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", name, n.Line, fmt.Sprintf(format, args...))
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %v", name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(doc.Content) == 0 {
		return cfg, nil
	}
	top := doc.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fail(top, "want a mapping of settings, got %s", kindName(top))
	}
	sets := c.configCommands()
	seen := map[string]bool{}
	for i := 0; i+1 < len(top.Content); i += 2 {
		key, val := top.Content[i], top.Content[i+1]
		if seen[key.Value] {
			return nil, fail(key, "%s is set twice", key.Value)
		}
		seen[key.Value] = true
		switch {
		case key.Value == "rules":
			if err := cfg.readRules(val, fail); err != nil {
				return nil, err
			}
		case key.Value == "waivers":
			if err := cfg.readWaivers(val, fail); err != nil {
				return nil, err
			}
		case sets[key.Value] != nil:
			if val.Kind != yaml.MappingNode {
				return nil, fail(val, "%s: want a mapping of %s's flags, got %s", key.Value, key.Value, kindName(val))
			}
			for j := 0; j+1 < len(val.Content); j += 2 {
				v, err := readValue(val.Content[j], val.Content[j+1], fail, map[string]*flag.FlagSet{key.Value: sets[key.Value]})
				if err != nil {
					return nil, err
				}
				cfg.commands[key.Value] = append(cfg.commands[key.Value], v)
			}
		default:
			v, err := readValue(key, val, fail, sets)
			if err != nil {
				return nil, err
			}
			cfg.common = append(cfg.common, v)
		}
	}
	return cfg, nil
}

// readValue reads a flag's value: a scalar, or a list of scalars for a repeatable flag. The key
// must be a flag of one of the commands in sets, and every one of them must accept the value.
func readValue(key, val *yaml.Node, fail func(*yaml.Node, string, ...any) error, sets map[string]*flag.FlagSet) (configValue, error) {
	v := configValue{flag: key.Value, line: key.Line}
	switch val.Kind {
	case yaml.ScalarNode:
		v.values = []string{val.Value}
	case yaml.SequenceNode:
		for _, item := range val.Content {
			if item.Kind != yaml.ScalarNode {
				return v, fail(item, "%s: want a value, got %s", key.Value, kindName(item))
			}
			v.values = append(v.values, item.Value)
		}
	default:
		return v, fail(val, "%s: want a value or a list of values, got %s", key.Value, kindName(val))
	}
	known := false
	names := make([]string, 0, len(sets))
	for name := range sets {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if sets[name].Lookup(key.Value) == nil {
			continue
		}
		known = true
		// A fresh flag set, so that one command's repeatable flag does not accumulate values.
		fs := (&command{stdout: io.Discard, stderr: io.Discard}).configCommands()[name]
		if len(v.values) > 1 && !isRepeatable(fs.Lookup(key.Value)) {
			return v, fail(val, "%s takes one value, got a list", key.Value)
		}
		for _, s := range v.values {
			err := fs.Set(key.Value, s)
			if err == nil {
				err = checkValue(name, key.Value, s)
			}
			if err != nil {
				return v, fail(val, "%s: %v", key.Value, err)
			}
		}
	}
	if !known {
		return v, fail(key, "unknown setting %q: not a flag of %s, nor rules or waivers", key.Value, strings.Join(names, ", "))
	}
	return v, nil
}

// checkValue checks the values of the string flags that a command checks only when it runs, so
// that a configuration file is refused whole, with its line, before anything runs.
func checkValue(cmd, name, value string) error {
	switch name {
	case "format":
		return report.CheckFormat(value)
	case "fail-on":
		_, err := report.ParseLevel(value)
		return err
	case "mode", "enforce":
		if cmd == "proxy" {
			mode, parts := value, ""
			if name == "enforce" {
				mode, parts = "enforce", value
			}
			_, _, err := enforcement(mode, parts)
			return err
		}
	}
	return nil
}

func isRepeatable(f *flag.Flag) bool {
	_, ok := f.Value.(*stringList)
	return ok
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	}
	return fmt.Sprintf("%q", n.Value)
}

// knownRules are the rule ids a configuration can set a level for or waive.
func knownRules() []string {
	var ids []string
	for _, r := range validator.Rules {
		ids = append(ids, r.ID)
	}
	for _, r := range append(specs.Rules[:len(specs.Rules):len(specs.Rules)], validator.LoadRules...) {
		ids = append(ids, r.ID)
	}
	for _, rs := range [][]rules.Rule{lint.Rules, diff.Rules} {
		for _, r := range rs {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// checkRule returns an error unless pattern is a rule id or a pattern matching one.
func checkRule(pattern string) error {
	if err := report.CheckPattern(pattern); err != nil {
		return err
	}
	for _, id := range knownRules() {
		if (&report.Policy{Levels: []report.RuleLevel{{Rule: pattern, Level: report.LevelInfo}}}).LevelOf(id, "") != "" {
			return nil
		}
	}
	return fmt.Errorf("%q is not a rule id, nor a pattern matching one (the README lists them)", pattern)
}

func (cfg *config) readRules(n *yaml.Node, fail func(*yaml.Node, string, ...any) error) error {
	if n.Kind != yaml.MappingNode {
		return fail(n, "rules: want a mapping of rule ids to levels, got %s", kindName(n))
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if err := checkRule(key.Value); err != nil {
			return fail(key, "rules: %v", err)
		}
		if val.Kind != yaml.ScalarNode {
			return fail(val, "rules: %s: want a level, got %s", key.Value, kindName(val))
		}
		level, err := report.ParseRuleLevel(val.Value)
		if err != nil {
			return fail(val, "rules: %s: %v", key.Value, err)
		}
		cfg.policy.Levels = append(cfg.policy.Levels, report.RuleLevel{Rule: key.Value, Level: level, Source: fmt.Sprintf("%s:%d", cfg.file, key.Line)})
	}
	return nil
}

func (cfg *config) readWaivers(n *yaml.Node, fail func(*yaml.Node, string, ...any) error) error {
	if n.Kind != yaml.SequenceNode {
		return fail(n, "waivers: want a list, got %s", kindName(n))
	}
	for _, item := range n.Content {
		if item.Kind != yaml.MappingNode {
			return fail(item, "waivers: want a mapping with rule and reason, got %s", kindName(item))
		}
		w := report.Waiver{Source: fmt.Sprintf("%s:%d", cfg.file, item.Line)}
		for i := 0; i+1 < len(item.Content); i += 2 {
			key, val := item.Content[i], item.Content[i+1]
			if val.Kind != yaml.ScalarNode {
				return fail(val, "waivers: %s: want a string, got %s", key.Value, kindName(val))
			}
			var field *string
			switch key.Value {
			case "rule":
				field = &w.Rule
			case "operation":
				field = &w.Operation
			case "pointer":
				field = &w.Pointer
			case "file":
				field = &w.File
			case "reason":
				field = &w.Reason
			default:
				return fail(key, "waivers: unknown key %q, want rule, operation, pointer, file or reason", key.Value)
			}
			*field = val.Value
			if key.Value != "reason" {
				if err := report.CheckPattern(val.Value); err != nil {
					return fail(val, "waivers: %s: %v", key.Value, err)
				}
			}
		}
		switch {
		case w.Rule == "":
			return fail(item, "waivers: a waiver needs a rule")
		case strings.TrimSpace(w.Reason) == "":
			return fail(item, "waivers: the waiver of %s needs a reason: say why the finding is accepted", w.Rule)
		}
		if err := checkRule(w.Rule); err != nil {
			return fail(item, "waivers: %v", err)
		}
		cfg.policy.Waivers = append(cfg.policy.Waivers, w)
	}
	return nil
}

// apply sets the flags of command name that the command line left unset, from the command's
// section first and then from the top level. The values were checked when the file was read.
func (cfg *config) apply(fs *flag.FlagSet, name string) error {
	if cfg == nil || cfg.file == "" {
		return nil
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, vs := range [][]configValue{cfg.commands[name], cfg.common} {
		for _, v := range vs {
			if given[v.flag] || fs.Lookup(v.flag) == nil {
				continue
			}
			given[v.flag] = true
			for _, s := range v.values {
				if err := fs.Set(v.flag, s); err != nil {
					return fmt.Errorf("%s:%d: %s: %v", cfg.file, v.line, v.flag, err)
				}
			}
		}
	}
	return nil
}

// specs is the configuration's top-level spec list.
func (cfg *config) specs() []string {
	if cfg == nil {
		return nil
	}
	for _, v := range cfg.common {
		if v.flag == "spec" {
			return v.values
		}
	}
	return nil
}

// policyFor is the configuration's policy with the fail level a command was given.
func (cfg *config) policyFor(failOn report.Level) *report.Policy {
	p := report.Policy{FailOn: failOn}
	if cfg != nil {
		p.Levels, p.Waivers = cfg.policy.Levels, cfg.policy.Waivers
	}
	return &p
}
