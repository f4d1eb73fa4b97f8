package main

import (
	"fmt"
	"io"

	"github.com/kptdev/krm-functions-sdk/go/fn"
)

// run is fn.AsMain's loop, stdin to stdout: parse the ResourceList, process it, write it back, also after a
// failure (the results are in it).
func run(r io.Reader, w io.Writer) error {
	in, err := io.ReadAll(r)
	if err != nil {
		return fmt.Errorf("unable to read from stdin: %w", err)
	}
	rl, err := fn.ParseResourceList(in)
	if err != nil {
		return err
	}
	ok, err := Process(rl)
	if werr := writeResourceList(w, rl); werr != nil {
		return werr
	}
	if err != nil {
		return err
	}
	if !ok {
		return fmt.Errorf("error: function failure")
	}
	return nil
}

func writeResourceList(w io.Writer, rl *fn.ResourceList) error {
	out, err := rl.ToYAML()
	if err != nil {
		return err
	}
	_, err = w.Write(out)
	return err
}
