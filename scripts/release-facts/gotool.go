package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
)

// The go command fetches the exact release sources through the module proxy (GOPROXY) and checks
// them against the checksum database; it prints where it extracted them. Every version read is pinned
// in this program (main.go, kubeadm.go, etcd.go), so the output does not depend on what the proxy
// lists or serves on a given day, and a warm module cache answers every download without the network.

func goBinary() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	if g := os.Getenv("GOROOT"); g != "" {
		return filepath.Join(g, "bin", "go")
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

var goWorkDir = os.TempDir()

func goCmd(extraEnv []string, args ...string) ([]byte, []byte, error) {
	cmd := exec.Command(goBinary(), args...)
	cmd.Dir = goWorkDir // an empty directory, outside any module: the query is about the module alone
	cmd.Env = append(append(os.Environ(), "GOWORK=off", "GO111MODULE=on", "GOFLAGS="), extraEnv...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return stdout.Bytes(), stderr.Bytes(), err
}

// fetched is one pinned module version and the directory holding its extracted sources.
type fetched struct {
	module  string
	version string
	dir     string
}

// fetch returns the extracted sources of module@version. It asks the module cache first (GOPROXY=off:
// no network at all), and only on a miss lets the go command download through the configured proxy.
func fetch(module, version string) (*fetched, error) {
	dir, err := download(module, version, []string{"GOPROXY=off"})
	if err != nil {
		dir, err = download(module, version, nil)
	}
	if err != nil {
		return nil, err
	}
	return &fetched{module: module, version: version, dir: dir}, nil
}

func download(module, version string, env []string) (string, error) {
	out, stderr, err := goCmd(env, "mod", "download", "-json", module+"@"+version)
	var res struct {
		Dir   string
		Error string
	}
	if jerr := json.Unmarshal(out, &res); jerr != nil {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s", module, version, err, stderr)
	}
	if res.Error != "" {
		return "", fmt.Errorf("go mod download %s@%s: %s", module, version, res.Error)
	}
	if err != nil || res.Dir == "" {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s", module, version, err, stderr)
	}
	return res.Dir, nil
}
