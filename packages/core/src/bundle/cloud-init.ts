// The node's files as #cloud-config user-data (S23): write_files with modes and base64 content, and
// runcmd for the install steps, for clouds and configuration-management tools that take user-data.
import { toYaml } from "../render/yaml.js";
import type { GeneratedCluster, NodeOutput } from "../generate.js";
import { utf8Base64 } from "../bytes.js";
import {
  hygieneScript,
  kubeletResolvConf,
  networkScripts,
  SERVICE_DIRECTORIES,
  unitsInStartOrder,
} from "./index.js";

/** install.sh's choice of the kubelet's upstream resolv.conf, as one sh command. */
function linkResolvConf(link: string): string[] {
  return [
    "sh",
    "-c",
    `if systemctl is-active --quiet systemd-resolved && [ -f /run/systemd/resolve/resolv.conf ]; then ln -sfn /run/systemd/resolve/resolv.conf ${link}; else ln -sfn /etc/resolv.conf ${link}; fi`,
  ];
}

export function cloudInit(cluster: GeneratedCluster, node: NodeOutput): string {
  const resolvConf = kubeletResolvConf(cluster.spec);
  const linkResolv = cluster.plan.profile.era === "current" && resolvConf.link;
  const document = {
    write_files: node.artifacts.map((artifact) => ({
      path: artifact.path,
      permissions: `0${(artifact.mode & 0o7777).toString(8)}`,
      owner: "root:root",
      encoding: "b64",
      content: utf8Base64(artifact.content),
    })),
    runcmd: [
      ["mkdir", "-p", ...SERVICE_DIRECTORIES],
      ...(linkResolv ? [linkResolvConf(resolvConf.path)] : []),
      ...networkScripts(node.artifacts).map((path) => [path]),
      ["systemctl", "daemon-reload"],
      ...unitsInStartOrder(node.artifacts).map((unit) => ["systemctl", "enable", "--now", unit]),
      ...[hygieneScript(node.artifacts)].filter((path) => path !== undefined).map((path) => [path]),
    ],
  };
  const header = `#cloud-config\n# kubescratch: node ${node.name} of cluster ${cluster.plan.clusterName} (Kubernetes ${cluster.plan.profile.version}).\n`;
  return header + toYaml(document);
}
