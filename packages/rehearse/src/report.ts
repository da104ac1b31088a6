// The rehearsal's report as text: node by node, check by check, the overlays, the time taken.
import type { CheckResult, RehearsalReport } from "./rehearse.js";

function checkLines(checks: readonly CheckResult[], indent: string): string[] {
  const lines: string[] = [];
  for (const check of checks) {
    lines.push(`${indent}${check.ok ? "ok  " : "FAIL"} ${check.name}`);
    if (!check.ok && check.detail)
      for (const line of check.detail.split("\n").slice(0, 8)) lines.push(`${indent}       ${line}`);
  }
  return lines;
}

export function formatReport(report: RehearsalReport): string {
  const lines: string[] = [`rehearsal of cluster ${report.cluster}, Kubernetes ${report.kubernetesVersion}`];
  for (const node of report.nodes) {
    lines.push("", `node ${node.name} (${node.ip}; ${node.roles.join(", ")})`);
    lines.push(...checkLines(node.checks, "  "));
  }
  lines.push("", "cluster (from the admin's machine and from every node)");
  lines.push(...checkLines(report.clusterChecks, "  "));
  if (report.afterLoss) {
    lines.push("", `after powering off ${report.afterLoss.node}`);
    lines.push(...checkLines(report.afterLoss.checks, "  "));
  }
  lines.push(
    "",
    "sandbox overlays (installed files the rehearsal changed; a real machine needs none of them)",
  );
  if (report.overlays.length === 0) lines.push("  none");
  for (const overlay of report.overlays) lines.push(`  ${overlay.file}: ${overlay.change} (${overlay.why})`);
  lines.push("", `images loaded (${report.imageLoader ?? "ctr -n k8s.io images import"})`);
  for (const image of report.images) lines.push(`  ${image}`);
  lines.push(
    "",
    `time: ${report.phases.map((phase) => `${phase.name} ${phase.seconds} s`).join(", ")}; ${report.seconds} s in all`,
  );
  if (report.kept)
    lines.push(
      "",
      `kept (--keep): nodes under ${report.kept.folder}; network namespaces ${report.kept.namespaces.join(", ")}`,
    );
  const failed = [...report.nodes.flatMap((node) => node.checks), ...report.clusterChecks].filter(
    (check) => !check.ok,
  ).length;
  lines.push("", report.passed ? "PASSED: every check passed" : `FAILED: ${failed} check(s) failed`);
  return `${lines.join("\n")}\n`;
}
