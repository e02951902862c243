package cli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
)

// The vendor fixture of package specs carries the pages' defects in eight places over five
// files. By default every command repairs them (lint reports each one); with --strict every
// command refuses the specs and names all eight, with file and line.
func TestStrictRefusesWhatIsRepairedByDefault(t *testing.T) {
	vendor := filepath.Join("..", "..", "specs", "testdata", "vendor", "openapi.yaml")
	har := emptyHAR(t)
	defects := []string{"Uid.yaml:5", "UserProfile.yaml:6", "UserProfileUpdate.json:5", "UserProfileUpdate.json:6", "User.yaml:6", "User.yaml:22", "UserUpdate.yaml:10", "UserUpdate.yaml:13"}
	tests := []struct {
		name       string
		args       []string
		lenient    int
		strictCode int
	}{
		{"validate", []string{"validate", "--allow-empty", "--spec", vendor, har}, exitOK, exitUsage},
		{"lint", []string{"lint", "--no-contracts", vendor}, exitFindings, exitUsage},
		{"diff", []string{"diff", vendor, vendor}, exitOK, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			if code := Run(context.Background(), tt.args, &out, &errOut); code != tt.lenient {
				t.Fatalf("without --strict: exit %d, want %d\n%s%s", code, tt.lenient, out.String(), errOut.String())
			}
			if tt.name == "lint" {
				for _, d := range defects {
					if !strings.Contains(out.String(), d) {
						t.Errorf("lint does not report the defect at %s:\n%s", d, out.String())
					}
				}
			}
			out.Reset()
			errOut.Reset()
			args := append([]string{tt.args[0], "--strict"}, tt.args[1:]...)
			if code := Run(context.Background(), args, &out, &errOut); code != tt.strictCode {
				t.Fatalf("with --strict: exit %d, want %d\n%s", code, tt.strictCode, errOut.String())
			}
			for _, d := range defects {
				if !strings.Contains(errOut.String(), d) {
					t.Errorf("--strict does not name the defect at %s:\n%s", d, errOut.String())
				}
			}
		})
	}
}
