// The render-time highlighter: a value is coloured whole or not at all. Versions, package versions,
// dates, addresses and ports are one literal each; digits inside a word (worker-3, an image tag after
// its colon, a registry's port) stay with their word.
import { bundleCluster } from "@kubescratch/core";
import { highlight, languageOf, type Language } from "../src/highlight.js";
import { readTarGz } from "../src/tar-read.js";
import { generateFixture, htmlText } from "./helpers.js";

/** The tokens a line is cut into: each coloured span as `class:text`, plain runs as they are. */
function tokens(line: string, language: Language): string[] {
  const html = highlight(line, language).replace(/^<span class="l">|<\/span>$/g, "");
  const out: string[] = [];
  for (const part of html.split(/(<span class="[a-z]">[^<]*<\/span>)/)) {
    if (part === "") continue;
    const span = /^<span class="([a-z])">([^<]*)<\/span>$/.exec(part);
    out.push(span ? `${span[1] as string}:${htmlText(span[2] as string)}` : htmlText(part));
  }
  return out;
}

describe("highlight", () => {
  it.each([
    ["kubernetesVersion: v1.36.4", ["k:kubernetesVersion", ": ", "n:v1.36.4"]],
    ["version: 1.34.8-1", ["k:version", ": ", "n:1.34.8-1"]],
    ["notAfter: 2036-11-26T00:00:00Z", ["k:notAfter", ": ", "n:2036-11-26T00:00:00Z"]],
    ["podCIDR: 10.200.42.0/24", ["k:podCIDR", ": ", "n:10.200.42.0/24"]],
    ["nodeName: worker-3", ["k:nodeName", ": worker-3"]],
    [
      "image: registry.k8s.io/kube-apiserver:v1.36.4",
      ["k:image", ": registry.k8s.io/kube-apiserver:v1.36.4"],
    ],
    ["server: https://registry.local:5000", ["k:server", ": https://registry.local:5000"]],
    ["replicas: 3", ["k:replicas", ": ", "n:3"]],
    ["offset: -1", ["k:offset", ": ", "n:-1"]],
    ["port: 8443 # the endpoint", ["k:port", ": ", "n:8443", " ", "c:# the endpoint"]],
    ["effect: no-schedule", ["k:effect", ": no-schedule"]],
    ["enabled: true", ["k:enabled", ": ", "n:true"]],
    ["- 1.2.7", ["- ", "n:1.2.7"]],
  ])("YAML %s", (line, expected) => {
    expect(tokens(line, "yaml")).toEqual(expected);
  });

  it.each([
    ['"version": "1.36.4",', ['k:"version"', ": ", 's:"1.36.4"', ","]],
    ['"maxPods": 110,', ['k:"maxPods"', ": ", "n:110", ","]],
    ['"ratio": 0.75}', ['k:"ratio"', ": ", "n:0.75", "}"]],
    ['"secret": false', ['k:"secret"', ": ", "n:false"]],
  ])("JSON %s", (line, expected) => {
    expect(tokens(line, "json")).toEqual(expected);
  });

  it.each([
    ["set -e", ["k:set", " -e"]],
    [
      "apt-get install -y kubelet=1.34.8-1 --set-selections",
      ["apt-get install -y kubelet=1.34.8-1 --set-selections"],
    ],
    ["for node in worker-1 worker-3; do", ["k:for", " node ", "k:in", " worker-1 worker-3; ", "k:do"]],
    ['echo "$NODE" # done', ["echo ", 's:"$NODE"', " ", "c:# done"]],
    ["./done-marker", ["./done-marker"]],
  ])("shell %s", (line, expected) => {
    expect(tokens(line, "shell")).toEqual(expected);
  });

  it("keeps every line whole and escapes HTML", () => {
    const html = highlight("a: <b>\nversion: v1.36.4\n", "yaml");
    expect(html.split("\n")).toHaveLength(2);
    expect(html).toContain("&lt;b&gt;");
    expect(htmlText(html)).toBe("a: <b>\nversion: v1.36.4");
  });

  it("picks the language from the path, the kind and the text", () => {
    expect(languageOf("etc/kubernetes/manifests/etcd.yaml", "static-pod", "")).toBe("yaml");
    expect(languageOf("MANIFEST.json", undefined, "[")).toBe("json");
    expect(languageOf("install.sh", "script", "#!/bin/sh")).toBe("shell");
    expect(languageOf("etc/systemd/system/kubelet.service", "systemd-unit", "[Unit]")).toBe("ini");
    expect(languageOf("pki/ca.crt", "certificate", "-----BEGIN CERTIFICATE-----")).toBe("pem");
  });

  it.each(["current-ha.yaml", "seed-https.yaml"])(
    "colours no literal of %s's bundles from the middle of a word (versions, dates, names stay whole)",
    async (spec) => {
      const bundles = bundleCluster(await generateFixture(spec));
      const cut: string[] = [];
      let literals = 0;
      for (const bundle of [...bundles.nodes, bundles.admin])
        for (const file of readTarGz(bundle.bytes)) {
          const text = new TextDecoder().decode(file.bytes);
          const html = highlight(text, languageOf(file.path, undefined, text));
          literals += html.split('<span class="n">').length - 1;
          for (const match of html.matchAll(/[\w.:/+-]<span class="n">[^<]*<\/span>/g))
            cut.push(`${bundle.fileName} ${file.path}: ${htmlText(match[0])}`);
        }
      expect(literals).toBeGreaterThan(100);
      expect(cut.slice(0, 10)).toEqual([]);
    },
  );
});
