// Command gateway runs the appengage edge gateway as a plain Go HTTP server, for users who
// do not run it on Cloudflare Workers. It is configured by the same APPENGAGE_* variables as
// the Worker (see docs/gateway.md) and prints as its first stdout line
// "gateway: listening on http://HOST:PORT".
//
//	APPENGAGE_ACCOUNTS=12345678 APPENGAGE_MSDKGW=http://127.0.0.1:8081 gateway -addr 127.0.0.1:8788
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/appengage/appengage/gateway"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8788", "address to listen on (host:port; port 0 picks a free one)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *addr, os.Getenv, os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// newServer is the HTTP server around the gateway: every read and write has a deadline, so
// a client that trickles its headers or body (or never reads the answer) holds a connection
// for a bounded time. The handler also bounds the body read itself (cfg.BodyTimeout).
func newServer(h http.Handler, cfg gateway.Config) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       10*time.Second + cfg.BodyTimeout,
		WriteTimeout:      cfg.Deadline + 10*time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
	}
}

// run serves the gateway on addr until ctx ends, then shuts down gracefully.
func run(ctx context.Context, addr string, getenv func(string) string, stdout, stderr io.Writer) error {
	// A plain server has no trusted proxy in front by default: the visitor cap keys on the
	// connection's address unless APPENGAGE_CLIENT_IP_HEADER names a header a proxy sets.
	cfg, err := gateway.ConfigFromEnv(getenv, "")
	if err != nil {
		return err
	}
	logger := log.New(stderr, "", log.LstdFlags)
	cfg.Transport = gateway.NewNativeTransport()
	cfg.Logf = logger.Printf
	h, err := gateway.New(cfg)
	if err != nil {
		return err
	}
	if len(cfg.Accounts) == 0 {
		logger.Printf("gateway: %s is empty, so every account is refused", gateway.EnvAccounts)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	srv := newServer(h, cfg)
	fmt.Fprintf(stdout, "gateway: listening on http://%s\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
