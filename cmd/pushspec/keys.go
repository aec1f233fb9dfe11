package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/pushspec/pushspec/webpush"
)

func keys(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("keys", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "usage: pushspec keys\n\nPrints a new VAPID key pair as JSON: "+
			"publicKey (the applicationServerKey)\nand privateKey, both unpadded base64url.\n")
	}
	if err := parse(fs, args, false); err != nil {
		return err
	}
	k, err := webpush.GenerateVAPIDKey(nil)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(map[string]string{"publicKey": k.PublicKeyString(),
		"privateKey": k.PrivateKeyString()})
}
