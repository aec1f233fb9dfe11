package checks

import (
	"fmt"
	"strconv"
)

func itoa(n int) string { return strconv.Itoa(n) }

func quoteRune(r rune) string { return fmt.Sprintf("%q", r) }
