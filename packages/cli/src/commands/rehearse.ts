import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SpecError } from "@kubescratch/core";
import { formatReport, rehearse } from "@kubescratch/rehearse";
import { parseCommandArgs } from "../args.js";
import { CommandFailure, EXIT, UsageError, type ExitCode } from "../exit-codes.js";
import type { Io } from "../io.js";
import { printJson } from "../json.js";
import { generateCommand } from "./generate.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export const rehearseHelp = `Usage: kubescratch rehearse SPEC --binaries DIR --images DIR [--state FILE] [--lose-node NODE]
       [--systemd-resolved] [--certificates-age DAYS] [--timeout SECONDS] [--keep] [--json]

Boots the cluster of SPEC on this Linux host before you apply it anywhere: generates the bundles
(with the keys of --state when given; the file is only read), makes one systemd-nspawn container per
node, with a real systemd, its own network namespace holding the node's address and its own
containerd; installs each node's bundle with its own install.sh, unchanged, in the admin README's
order; applies the admin bundle's addons; runs every node's validate.sh, validate-cluster.sh and
the cluster checks (leases, nodes Ready, pod ranges, pod to pod across nodes, Services and DNS from
every node); prints a report and removes everything again. Needs root, systemd-nspawn
(systemd-container) and debootstrap; the first run builds a Debian node root (a few minutes).

Options:
  --binaries DIR        kubelet, kube-proxy, kubectl and crictl of the release (e.g. the server
                        tarball's server/bin plus crictl from cri-tools)
  --images DIR          image archives (.tar, OCI or docker save) of every image the bundles name
                        (admin/images.txt, plus validate-cluster.sh's nginx and busybox)
  --state FILE          use this state's keys and certificates (read only)
  --lose-node NODE      after the checks, power NODE off and check again: what still works
  --systemd-resolved    make every node a systemd-resolved host, as Ubuntu installs one
                        (/etc/resolv.conf names only the stub 127.0.0.53): CoreDNS must not loop
  --certificates-age DAYS
                        issue the certificates DAYS days ago, to rehearse the cluster late in their
                        lifetime: a kubelet whose client certificate is past 90 % of it must renew
                        it through the API at once (with --state, its certificates are kept only
                        where generate would keep them on that day)
  --timeout SECONDS     how long nodes and pods may take to become ready (default 300)
  --keep                leave the nodes running for inspection (the report says where)
  --json                print the report as JSON on stdout, with the spec's warnings
  -h, --help            show this help

Exit codes: 0 every check passed, 1 invalid spec, 2 usage error, 3 could not rehearse, 4 a check failed.
`;

export async function rehearseCommand(io: Io, args: readonly string[]): Promise<ExitCode> {
  const { values, positionals } = parseCommandArgs(args, {
    binaries: { type: "string" },
    images: { type: "string" },
    state: { type: "string" },
    "lose-node": { type: "string" },
    "systemd-resolved": { type: "boolean" },
    "certificates-age": { type: "string" },
    timeout: { type: "string" },
    keep: { type: "boolean" },
    json: { type: "boolean" },
    help: { type: "boolean", short: "h" },
  });
  if (values.help) {
    io.out(rehearseHelp);
    return EXIT.ok;
  }
  if (positionals.length !== 1) throw new UsageError("rehearse needs exactly one SPEC file");
  if (values.binaries === undefined) throw new UsageError("rehearse needs --binaries DIR");
  if (values.images === undefined) throw new UsageError("rehearse needs --images DIR");
  const timeout = values.timeout === undefined ? 300 : Number(values.timeout);
  if (!Number.isInteger(timeout) || timeout <= 0)
    throw new UsageError(`--timeout needs a number of seconds, not "${values.timeout}"`);
  const age = values["certificates-age"] === undefined ? 0 : Number(values["certificates-age"]);
  if (!Number.isInteger(age) || age < 0)
    throw new UsageError(
      `--certificates-age needs a whole number of days, not "${values["certificates-age"]}"`,
    );
  for (const [flag, path] of [
    ["--binaries", values.binaries],
    ["--images", values.images],
  ] as const)
    if (!io.isDirectory(resolve(io.cwd(), path))) throw new CommandFailure(`${flag} ${path} is not a folder`);

  const work = mkdtempSync(join(tmpdir(), "kubescratch-rehearse-"));
  try {
    const output = join(work, "out");
    const generateArgs = [positionals[0] as string, "-o", output, "--json"];
    if (values.state !== undefined) {
      const statePath = resolve(io.cwd(), values.state);
      if (!io.exists(statePath)) throw new CommandFailure(`--state ${values.state} does not exist`);
      copyFileSync(statePath, join(work, "state.json"));
      generateArgs.push("--state", join(work, "state.json"));
    }
    // generate's summary is not this command's output: its problems still reach stderr.
    const issuedAt = new Date(io.now().getTime() - age * DAY_MS);
    let summary = "";
    const generated = await generateCommand(
      {
        ...io,
        out: (text) => {
          summary += text;
        },
        now: () => issuedAt,
      },
      generateArgs,
    );
    if (generated !== EXIT.ok) return generated;
    const { warnings } = JSON.parse(summary) as { warnings: unknown[] };
    const report = await rehearse({
      output,
      binaries: resolve(io.cwd(), values.binaries),
      images: resolve(io.cwd(), values.images),
      keep: values.keep === true,
      readyTimeoutSeconds: timeout,
      systemdResolved: values["systemd-resolved"] === true,
      ...(values["lose-node"] === undefined ? {} : { loseNode: values["lose-node"] }),
      log: (line) => io.err(`rehearse: ${line}\n`),
    });
    if (values.json) printJson(io, { ...report, warnings });
    else io.out(formatReport(report));
    return report.passed ? EXIT.ok : EXIT.checkFailed;
  } catch (caught) {
    if (caught instanceof UsageError || caught instanceof CommandFailure) throw caught;
    if (caught instanceof SpecError) throw caught;
    throw new CommandFailure(caught instanceof Error ? caught.message : String(caught));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
