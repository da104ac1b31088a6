// Command release-facts writes packages/core/src/versions/release-facts.json: facts about the
// Kubernetes releases kubescratch targets, read from the exact release sources (downloaded through
// the Go module proxy with `go mod download`) rather than from prose. Every fact names the
// module@version and the file it was read from.
//
//	go -C scripts/release-facts run .          # regenerate
//	go -C scripts/release-facts run . -check   # exit 1 if the committed table differs
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The legacy releases the seed guide covers (the current minors whose kubeadm pins are read are
// listed, with the exact release read for each, in kubeadm.go).
var legacyReleases = []string{"v1.1.8", "v1.2.7"}

const defaultOut = "packages/core/src/versions/release-facts.json"

// repoRoot walks up from the working directory to the monorepo root.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if fileExists(filepath.Join(dir, "pnpm-workspace.yaml")) && dirExists(filepath.Join(dir, "packages", "core")) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("not inside the kubescratch repository")
		}
		dir = parent
	}
}

func buildTable() (obj, error) {
	legacy := obj{}
	etcdUsers := map[string][]string{}
	etcdSource := map[string]string{}
	for _, v := range legacyReleases {
		f, err := fetch(kubernetesModule, v)
		if err != nil {
			return nil, err
		}
		facts, err := legacyRelease(f)
		if err != nil {
			return nil, err
		}
		legacy[v] = facts
		img := facts["saltEtcdImage"].(obj)
		tag := img["tag"].(string)
		etcdUsers[tag] = append(etcdUsers[tag], v)
		etcdSource[tag] = img["file"].(string)
	}
	etcd := obj{}
	for _, tag := range sortedKeys(etcdUsers) {
		facts, err := etcdFlags(tag)
		if err != nil {
			return nil, err
		}
		facts["usedBy"] = strs(etcdUsers[tag])
		facts["usedByFile"] = etcdSource[tag]
		etcd[tag] = facts
	}
	kubeadm := obj{}
	for _, r := range kubeadmReleases {
		facts, err := kubeadmPins(r.minor, r.version)
		if err != nil {
			return nil, err
		}
		kubeadm[fmt.Sprintf("1.%d", r.minor)] = facts
	}
	return obj{
		"generatedBy": "go -C scripts/release-facts run . (do not edit by hand; -check verifies)",
		"schema":      1,
		"legacy":      legacy,
		"etcd":        etcd,
		"kubeadm":     kubeadm,
	}, nil
}

func main() {
	out := flag.String("o", "", "output path (default <repo>/"+defaultOut+")")
	check := flag.Bool("check", false, "exit 1 if the file on disk differs from what would be written")
	flag.Parse()
	if err := run(*out, *check); err != nil {
		fmt.Fprintln(os.Stderr, "release-facts:", err)
		os.Exit(2)
	}
}

func run(out string, check bool) error {
	if out == "" {
		root, err := repoRoot()
		if err != nil {
			return err
		}
		out = filepath.Join(root, filepath.FromSlash(defaultOut))
	}
	tmp, err := os.MkdirTemp("", "release-facts-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	goWorkDir = tmp
	table, err := buildTable()
	if err != nil {
		return err
	}
	data, err := render(table)
	if err != nil {
		return err
	}
	if !check {
		return os.WriteFile(out, data, 0o644)
	}
	old, err := os.ReadFile(out)
	if err != nil {
		fmt.Fprintf(os.Stderr, "release-facts: %v\n", err)
		os.Exit(1)
	}
	if bytes.Equal(old, data) {
		fmt.Printf("release-facts: %s is up to date\n", out)
		return nil
	}
	var a, b any
	var lines []string
	if json.Unmarshal(old, &a) != nil {
		lines = append(lines, "the file on disk is not valid JSON")
	} else {
		_ = json.Unmarshal(data, &b)
		diff("$", a, b, &lines)
		if len(lines) == 0 {
			lines = append(lines, "same content, different formatting")
		}
	}
	const maxLines = 60
	if len(lines) > maxLines {
		lines = append(lines[:maxLines], fmt.Sprintf("... and %d more", len(lines)-maxLines))
	}
	fmt.Fprintf(os.Stderr, "release-facts: %s differs from what the sources give (- on disk, + generated):\n  %s\n", out, strings.Join(lines, "\n  "))
	fmt.Fprintf(os.Stderr, "regenerate with: go -C scripts/release-facts run .\n")
	os.Exit(1)
	return nil
}
