// Command probe is the rehearsal's test workload. In a pod it serves HTTP (serve) so a Deployment and
// a Service have something to answer; in a pod or on a node it checks what the cluster promises:
// names through the cluster DNS (lookup) and Services through kube-proxy (get).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "serve":
		err = serve(os.Args[2:])
	case "lookup":
		err = lookup(os.Args[2:])
	case "get":
		err = get(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "probe %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: probe serve [--listen :8080] | lookup [--server IP:53] NAME | get URL")
	os.Exit(2)
}

// reply is what serve answers: enough for a caller to tell which pod answered and from where.
type reply struct {
	Hostname   string `json:"hostname"`
	RemoteAddr string `json:"remoteAddr"`
	LocalAddr  string `json:"localAddr"`
}

func serve(args []string) error {
	flags := flag.NewFlagSet("serve", flag.ExitOnError)
	listen := flags.String("listen", ":8080", "address to listen on")
	_ = flags.Parse(args)
	hostname, _ := os.Hostname()
	http.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		local, _ := r.Context().Value(http.LocalAddrContextKey).(net.Addr)
		answer := reply{Hostname: hostname, RemoteAddr: r.RemoteAddr}
		if local != nil {
			answer.LocalAddr = local.String()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(answer)
	})
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok") })
	return http.ListenAndServe(*listen, nil)
}

func lookup(args []string) error {
	flags := flag.NewFlagSet("lookup", flag.ExitOnError)
	server := flags.String("server", "", "DNS server IP:port (default: the resolver of /etc/resolv.conf)")
	_ = flags.Parse(args)
	if flags.NArg() != 1 {
		usage()
	}
	resolver := &net.Resolver{PreferGo: true}
	if *server != "" {
		resolver.Dial = func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, *server)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addresses, err := resolver.LookupHost(ctx, flags.Arg(0))
	if err != nil {
		return err
	}
	fmt.Println(strings.Join(addresses, " "))
	return nil
}

func get(args []string) error {
	if len(args) != 1 {
		usage()
	}
	client := &http.Client{Timeout: 10 * time.Second}
	response, err := client.Get(args[0])
	if err != nil {
		return err
	}
	defer response.Body.Close()
	body, err := io.ReadAll(response.Body)
	if err != nil {
		return err
	}
	if response.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %s: %s", args[0], response.Status, body)
	}
	_, err = os.Stdout.Write(body)
	return err
}
