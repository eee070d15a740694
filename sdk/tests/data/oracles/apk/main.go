// Batch oracle for apk versions: knqyf263/go-apk-version, the library Clair uses
// (Debian golang-github-knqyf263-go-apk-version-dev). Reads "A\tB" lines, prints
// -1 / 0 / 1, or "!message" when the library rejects a version.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	version "github.com/knqyf263/go-apk-version"
)

func main() {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for in.Scan() {
		pair := strings.SplitN(in.Text(), "\t", 2)
		a, errA := version.NewVersion(pair[0])
		b, errB := version.NewVersion(pair[1])
		switch {
		case errA != nil:
			fmt.Fprintf(out, "!%v\n", errA)
		case errB != nil:
			fmt.Fprintf(out, "!%v\n", errB)
		default:
			fmt.Fprintf(out, "%d\n", a.Compare(b))
		}
	}
}
