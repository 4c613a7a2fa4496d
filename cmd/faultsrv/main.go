// Command faultsrv serves the fault server of the fault suite (package tests/faults) for
// the tests that cannot start it in-process: tests/node/faults.test.mjs runs the JS ChatApi
// against it with the rows of testdata/faults.json.
//
//	faultsrv
//
// It listens on a free port of 127.0.0.1 (and a second one, the redirect target) and its
// first stdout line is "faultsrv: listening on http://127.0.0.1:PORT". It logs nothing
// else (no ids, no paths). SIGINT or SIGTERM stop it.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/appengage/appengage/tests/faults"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr))
}

// run serves until ctx ends and returns the exit code.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 {
		fmt.Fprintf(stderr, "faultsrv: takes no arguments, got %q\n", args)
		return 2
	}
	srv, err := faults.Start()
	if err != nil {
		fmt.Fprintln(stderr, "faultsrv:", err)
		return 1
	}
	fmt.Fprintf(stdout, "faultsrv: listening on %s\n", srv.URL())
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}
	<-ctx.Done()
	if err := srv.Close(); err != nil {
		fmt.Fprintln(stderr, "faultsrv: close:", err)
		return 1
	}
	return 0
}
