// A stand-in for exechealthz (gcr.io/google_containers/exechealthz:1.0, kubernetes/contrib
// exec-healthz), whose source the Go module proxy here does not serve: it runs -cmd with sh -c every
// -period and answers GET /healthz on -port with 200 and the command's output when the last run
// succeeded, 503 otherwise. Only the standard library.
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os/exec"
	"sync"
	"time"
)

var (
	command = flag.String("cmd", "echo healthz", "command to run in a shell")
	port    = flag.Int("port", 8080, "port to serve /healthz on")
	period  = flag.Duration("period", 2*time.Second, "how often to run -cmd")
	latency = flag.Duration("latency", 30*time.Second, "accepted for compatibility; ignored")
)

func main() {
	flag.Parse()
	var mutex sync.Mutex
	var output []byte
	var failure error = fmt.Errorf("not run yet")
	go func() {
		for {
			out, err := exec.Command("sh", "-c", *command).CombinedOutput()
			mutex.Lock()
			output, failure = out, err
			mutex.Unlock()
			time.Sleep(*period)
		}
	}()
	http.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		mutex.Lock()
		defer mutex.Unlock()
		if failure != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "%s: %v\n%s", *command, failure, output)
			return
		}
		fmt.Fprintf(w, "ok: %s\n%s", *command, output)
	})
	_ = latency
	log.Printf("exechealthz stand-in: %q every %s, /healthz on :%d", *command, *period, *port)
	log.Fatal(http.ListenAndServe(fmt.Sprintf(":%d", *port), nil))
}
