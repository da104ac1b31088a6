// The site's facts against the tarballs (issue 16): for random sequences of nodes added, removed and
// changed, every "same in N bundles", holder list, change badge and count of the change list is what
// the tarballs of the two generations say, read back here on their own.
import { bundleCluster, generateCluster, type ClusterSpec, type GeneratedCluster } from "@kubescratch/core";
import fc from "fast-check";
import { readTarGz, renderSite, type Site } from "../src/index.js";
import { fixtureSpec, premadeKeys, seededRandom } from "../../packages/core/test/pki-helpers.js";
import { FIXED_NOW, htmlText } from "./helpers.js";

type Change = "added" | "changed" | "unchanged";

/** A bundle as its tarball says: each file's bytes (hex of the bytes and mode) and manifest entry. */
interface TarBundle {
  readonly name: string;
  readonly files: ReadonlyMap<string, { readonly identity: string }>;
}

function tarBundles(cluster: GeneratedCluster): TarBundle[] {
  const bundles = bundleCluster(cluster);
  return [
    ...bundles.nodes.map((bundle) => ({
      name: bundle.fileName.replace(/\.tar\.gz$/, ""),
      bytes: bundle.bytes,
    })),
    { name: "admin", bytes: bundles.admin.bytes },
  ].map(({ name, bytes }) => {
    const files = readTarGz(bytes);
    const manifestFile = files.find((file) => file.path === "MANIFEST.json");
    const manifest = new Map<string, string>(
      (
        JSON.parse(manifestFile ? Buffer.from(manifestFile.bytes).toString("utf8") : "[]") as {
          path: string;
        }[]
      ).map((entry) => [entry.path.replace(/^\/+/, ""), JSON.stringify({ ...entry, sha256: undefined })]),
    );
    return {
      name,
      files: new Map(
        files.map((file) => [
          file.path,
          {
            // The same file to a reviewer: same bytes, mode and manifest facts.
            identity: `${Buffer.from(file.bytes).toString("base64")} ${file.mode} ${manifest.get(file.path) ?? ""}`,
          },
        ]),
      ),
    };
  });
}

function changeOf(path: string, bundle: TarBundle, previous: readonly TarBundle[]): Change {
  const before = previous.find((entry) => entry.name === bundle.name)?.files.get(path);
  if (!before) return "added";
  return before.identity.split(" ").slice(0, 2).join(" ") ===
    (bundle.files.get(path)?.identity ?? "").split(" ").slice(0, 2).join(" ")
    ? "unchanged"
    : "changed";
}

function pageOf(site: Site, path: string): string {
  const found = site.pages.find((entry) => entry.path === path);
  if (!found) throw new Error(`no page ${path}`);
  return found.content as string;
}

/** The site path a link on the page at `from` points to (fragment dropped). */
function resolve(from: string, href: string): string {
  const parts = from.split("/").slice(0, -1);
  for (const segment of decodeURIComponent(href.split("#")[0] as string).split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== "") parts.push(segment);
  }
  return parts.join("/");
}

/** Checks every statement of the site about holders and changes against the tarballs. */
function checkFacts(
  site: Site,
  current: readonly TarBundle[],
  previous: readonly TarBundle[] | undefined,
): number {
  let checked = 0;
  const nodeCount = current.length - 1;
  const overview = pageOf(site, "index.html");
  const changes = /<h2 id="changes">[\s\S]*?<\/ul>/.exec(overview)?.[0] ?? "";
  for (const bundle of current) {
    const id = bundle.name === "admin" ? "admin" : `nodes/${bundle.name}`;
    const listing = pageOf(site, `${id}/index.html`);
    const fileChanges = new Map<string, Change>();
    // Without a previous generation nothing is marked changed or added.
    for (const path of bundle.files.keys())
      fileChanges.set(path, previous ? changeOf(path, bundle, previous) : "unchanged");
    const before = previous?.find((entry) => entry.name === bundle.name);
    const removed = before ? [...before.files.keys()].filter((path) => !bundle.files.has(path)) : [];
    // The overview's change list.
    const line = new RegExp(`<li><a href="${id}/index.html">${bundle.name}</a>(.*?)</li>`).exec(changes)?.[1];
    const counts = (change: Change): number =>
      [...fileChanges.values()].filter((value) => value === change).length;
    if (!previous) expect(line).toBeUndefined();
    else if (!before)
      expect(htmlText(line ?? "")).toBe(` added a new bundle: ${bundle.files.size} files, all added`);
    else if (counts("changed") + counts("added") + removed.length === 0)
      expect(line ?? "").not.toMatch(/changed|added/);
    else
      expect(htmlText(line ?? "")).toMatch(
        new RegExp(
          `${counts("changed")} changed, ${counts("added")} added, ${removed.length} removed files$`,
        ),
      );
    checked += 1;
    // Each file's entry on its bundle's page, and the page of a file several bundles share.
    for (const [path, { identity }] of bundle.files) {
      const holders = current.filter((other) => other.files.get(path)?.identity === identity);
      const item = new RegExp(
        `<li data-search="/?${path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} [^"]*"><a data-nav href="([^"]*)">.*?</li>`,
      ).exec(listing);
      if (!item) throw new Error(`${id} lists no ${path}`);
      const entry = item[0];
      const change = fileChanges.get(path);
      expect([entry, /badge (added|changed)">/.exec(entry)?.[1] ?? "unchanged"]).toEqual([entry, change]);
      const count = /same (?:in (\d+) bundles|on all (\d+) nodes)/.exec(entry);
      expect([id, path, Number(count?.[1] ?? count?.[2] ?? 1)]).toEqual([id, path, holders.length]);
      if (count?.[2] !== undefined) expect(holders.length).toBe(nodeCount);
      checked += 1;
      if (holders.length < 2) continue;
      const shared = pageOf(site, resolve(`${id}/index.html`, item[1] as string));
      const said = /in (?:every node's bundle \((\d+)\)|(\d+) bundles), shown once here/.exec(shared);
      expect(Number(said?.[1] ?? said?.[2])).toBe(holders.length);
      const listed = [
        ...(/<p class="holders">(.*?)<\/p>/.exec(shared)?.[1] ?? "").matchAll(
          /<a href="[^"]*">([^<]*)<\/a>(?: <span class="badge (added|changed)">)?/g,
        ),
      ].map((match) => [match[1], match[2]]);
      const changesOf = holders.map((holder) => (previous ? changeOf(path, holder, previous) : "unchanged"));
      expect(listed.map(([name]) => name)).toEqual(holders.map((holder) => holder.name));
      if (new Set(changesOf).size > 1) {
        expect(listed.map(([, badge]) => badge ?? "unchanged")).toEqual(changesOf);
        const sentence = htmlText(/<p class="changes">(.*?)<\/p>/.exec(shared)?.[1] ?? "");
        for (const change of ["changed", "added", "unchanged"] as const) {
          const n = changesOf.filter((value) => value === change).length;
          if (n > 0) expect(sentence).toContain(`${change} in ${n} bundle${n === 1 ? "" : "s"}`);
        }
      } else {
        const heading = /<h1>(.*?)<\/h1>/.exec(shared)?.[1] ?? "";
        expect(/badge (added|changed)">/.exec(heading)?.[1] ?? "unchanged").toBe(changesOf[0]);
      }
      checked += 1;
    }
  }
  for (const gone of (previous ?? []).filter(
    (entry) => !current.some((bundle) => bundle.name === entry.name),
  ))
    expect(changes).toContain(`<li>${gone.name} <span class="badge removed">removed</span>`);
  return checked;
}

type Step = { op: "add" } | { op: "remove"; pick: number } | { op: "change"; pick: number };

function apply(spec: ClusterSpec, step: Step, serial: number): ClusterSpec {
  const workers = spec.nodes.filter((node) => node.roles.length === 1 && node.roles[0] === "worker");
  switch (step.op) {
    case "add":
      return {
        ...spec,
        nodes: [
          ...spec.nodes,
          { name: `worker-x${serial}`, ip: `192.168.10.${100 + serial}`, roles: ["worker"], labels: {} },
        ],
      };
    case "remove": {
      const gone = workers[step.pick % Math.max(1, workers.length)];
      if (!gone || workers.length < 2) return spec;
      return { ...spec, nodes: spec.nodes.filter((node) => node !== gone) };
    }
    case "change": {
      const changed = spec.nodes[step.pick % spec.nodes.length];
      return {
        ...spec,
        nodes: spec.nodes.map((node) =>
          node === changed
            ? { ...node, labels: { ...node.labels, "example.com/step": String(serial) } }
            : node,
        ),
      };
    }
  }
}

describe("the site's facts", () => {
  it("first generation: no change is claimed, every pod range is allocated or pinned", async () => {
    const { spec } = fixtureSpec("minimal.yaml");
    const cluster = await generateCluster(spec, {
      now: FIXED_NOW,
      random: seededRandom("facts"),
      keys: premadeKeys(),
    });
    const site = renderSite({ cluster }, { now: FIXED_NOW });
    expect(checkFacts(site, tarBundles(cluster), undefined)).toBeGreaterThan(10);
    const overview = pageOf(site, "index.html");
    // Every pod range says where it comes from without claiming a previous generation.
    const notes = [...overview.matchAll(/\/24 <span class="why">([^<]*)<\/span>/g)].map((match) => match[1]);
    expect(notes).toEqual(cluster.plan.nodes.map(() => "allocated"));
    expect(overview).not.toContain('id="changes"');
  });

  it("every holder list, 'in N bundles' and change count is what the tarballs say", async () => {
    const steps = fc.array(
      fc.oneof(
        fc.constant<Step>({ op: "add" }),
        fc.nat(7).map((pick): Step => ({ op: "remove", pick })),
        fc.nat(7).map((pick): Step => ({ op: "change", pick })),
      ),
      { minLength: 1, maxLength: 3 },
    );
    await fc.assert(
      fc.asyncProperty(steps, async (sequence) => {
        let spec = fixtureSpec("minimal.yaml").spec;
        const options = { now: FIXED_NOW, random: seededRandom("facts"), keys: premadeKeys() };
        let before = await generateCluster(spec, options);
        for (const [serial, step] of sequence.entries()) {
          spec = apply(spec, step, serial);
          const after = await generateCluster(spec, {
            ...options,
            keys: premadeKeys(),
            previousState: before.state,
          });
          const previous = bundleCluster(before);
          const site = renderSite(
            { cluster: after },
            {
              now: FIXED_NOW,
              previous: {
                bundles: [
                  ...previous.nodes.map((bundle) => ({
                    name: bundle.fileName.replace(/\.tar\.gz$/, ""),
                    bytes: bundle.bytes,
                  })),
                  { name: "admin", bytes: previous.admin.bytes },
                ],
                podCIDRs: Object.fromEntries(before.plan.nodes.map((node) => [node.name, node.podCIDR])),
              },
            },
          );
          checkFacts(site, tarBundles(after), tarBundles(before));
          // Pod ranges: kept for a node the previous plan had with the same range, new otherwise.
          const overview = pageOf(site, "index.html");
          for (const node of after.plan.nodes) {
            const was = before.plan.nodes.find((entry) => entry.name === node.name)?.podCIDR;
            const note =
              was === undefined
                ? "newly allocated (a new node)"
                : was === node.podCIDR
                  ? "kept from the previous generation"
                  : `newly allocated (was ${was})`;
            expect(overview).toContain(`${node.podCIDR} <span class="why">${note}</span>`);
          }
          before = after;
        }
      }),
      { numRuns: 6 },
    );
  }, 300_000);
});
