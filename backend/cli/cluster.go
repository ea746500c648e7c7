package cli

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"strings"

	"smallfry/backend"
	"smallfry/backend/smallfry"
)

// clusterTokenCommand keeps a cluster's own token in the OS keychain:
// `smallfry cluster-token NAME`, the token on stdin (never an argument,
// which other users' ps would show).
func clusterTokenCommand(ctx context.Context, args []string, io Streams) int {
	fs := flag.NewFlagSet("smallfry cluster-token", flag.ContinueOnError)
	fs.SetOutput(io.Stderr)
	fs.Usage = func() { fmt.Fprint(io.Stderr, usage) }
	dir := fs.String("workspace", "", "workspace folder")
	positional, ok := parseInterleaved(fs, args)
	if !ok {
		return exitInvalid
	}
	if len(positional) != 1 {
		fmt.Fprintf(io.Stderr, "smallfry cluster-token: expected the cluster's name, got %d arguments\n\n%s", len(positional), usage)
		return exitInvalid
	}
	app, err := smallfry.Open(ctx, appConfig(*dir, nil))
	if err != nil {
		return fail(io, err)
	}
	defer app.Close()
	fmt.Fprintf(io.Stderr, "Token for cluster %s (then Enter): ", positional[0])
	line, err := bufio.NewReader(io.Stdin).ReadString('\n')
	token := strings.TrimSpace(line)
	if token == "" {
		if err != nil {
			return fail(io, backend.Errorf(backend.EINVALID, "no token given on stdin"))
		}
		return fail(io, backend.Errorf(backend.EINVALID, "the token is empty"))
	}
	if err := app.SetClusterToken(positional[0], token); err != nil {
		return fail(io, err)
	}
	fmt.Fprintf(io.Stderr, "\nThe token of cluster %s is kept in the OS keychain.\n", positional[0])
	return exitOK
}
