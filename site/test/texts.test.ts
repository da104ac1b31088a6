// What the site says about why a file exists, per era: a current release's file is explained by what
// it does today, never by the 1.2 guide's hyperkube, ports and basic auth; a 1.1/1.2 bundle quotes the
// guide, labelled as the guide's. And the pages speak the reader's language, not the project's ids.
import { generateCluster } from "@kubescratch/core";
import { explanation, guideStep, REQUIREMENTS, requirementById } from "../src/requirements.js";
import { renderSite, type Site } from "../src/index.js";
import { fixtureSpec, premadeKeys, seededRandom } from "../../packages/core/test/pki-helpers.js";
import { FIXED_NOW, generateFixture, htmlText, shownFile } from "./helpers.js";

/** What the 1.2 guide says and a current release's files do not: flags, ports, files of that era. */
const GUIDE_ERA_ONLY =
  /hyperkube|8080|\b443\b|\b80\b|basic_auth|--basic-auth-file|--api-servers|--master=|10251|10252|4001|7001|\/srv\/kubernetes|docker load|--configure-cbr0|kube2sky|\bS\d+\b/;

describe("the guide's steps", () => {
  it("every step has a title, the guide's text and a current text free of the guide's era", () => {
    expect(REQUIREMENTS.map((entry) => entry.id)).toEqual(REQUIREMENTS.map((_, index) => `S${index + 1}`));
    for (const entry of REQUIREMENTS) {
      expect(entry.step).toBe(Number(entry.id.slice(1)));
      expect(entry.title).toMatch(/^[A-Z][a-z]/);
      expect(entry.title.length).toBeLessThan(45);
      expect(entry.text.length).toBeGreaterThan(20);
      expect(entry.current.length).toBeGreaterThan(20);
      expect([entry.id, entry.current]).toEqual([entry.id, expect.not.stringMatching(GUIDE_ERA_ONLY)]);
    }
  });

  it("explains a step by the guide's text, labelled, only for the guide's era", () => {
    const step = requirementById("S26");
    if (!step) throw new Error("no S26");
    expect(guideStep(step)).toBe("step 26 of the from-scratch guide");
    const legacy = explanation(step, "legacy");
    expect(legacy).toEqual({
      title: "Run the API server",
      text: step.text,
      source: "guide",
      note: "what the from-scratch guide, written for Kubernetes 1.1 and 1.2, says in its step 26",
    });
    expect(legacy.text).toContain("8080");
    const current = explanation(step, "current");
    expect(current.source).toBe("current");
    expect(current.text).toBe(step.current);
    expect(`${current.note} ${current.text}`).not.toMatch(GUIDE_ERA_ONLY);
  });
});

/** A page's own words: its text without file contents and without the generator's why-texts. */
function ownText(html: string): string {
  return htmlText(
    html
      .replace(/<pre[\s\S]*?<\/pre>/g, "")
      .replace(/<div class="why">[^<]*<\/div>/g, "")
      .replace(/<dt>Why<\/dt><dd>[^<]*<\/dd>/g, "")
      .replace(/<title>[\s\S]*?<\/title>/g, ""),
  );
}

function pageOf(site: Site, path: string): string {
  const page = site.pages.find((entry) => entry.path === path);
  if (!page) throw new Error(`no page ${path}`);
  return page.content as string;
}

describe("the site's explanations", () => {
  let current: Site;
  let legacy: Site;

  beforeAll(async () => {
    // current-ha on 1.36: the release of the report.
    const { spec } = fixtureSpec("current-ha.yaml");
    const cluster = await generateCluster(
      { ...spec, kubernetesVersion: "1.36" },
      { now: FIXED_NOW, random: seededRandom("site:texts"), keys: premadeKeys() },
    );
    current = renderSite({ cluster }, { now: FIXED_NOW });
    legacy = renderSite({ cluster: await generateFixture("seed-https.yaml") }, { now: FIXED_NOW });
  }, 120_000);

  it("a 1.36 apiserver manifest says what it does today, not the 1.2 guide's text", () => {
    const file = shownFile(current, "nodes/cp-1", "etc/kubernetes/manifests/kube-apiserver.yaml");
    const explained = ownText(file.section);
    expect(explained).toContain("Run the API server");
    expect(explained).toContain(requirementById("S26")?.current);
    expect(explained).not.toMatch(/hyperkube|8080|basic.auth|\b443\b/i);
    expect(explained).not.toContain("written for Kubernetes 1.1 and 1.2");
  });

  it("a 1.2 apiserver manifest quotes the guide, labelled as the guide's 1.2-era text", () => {
    const file = shownFile(legacy, "nodes/master", "etc/kubernetes/manifests/kube-apiserver.json");
    const explained = ownText(file.section);
    expect(explained).toContain(
      "Run the API server (what the from-scratch guide, written for Kubernetes 1.1 and 1.2, says in its step 26):",
    );
    expect(explained).toContain(requirementById("S26")?.text);
  });

  it.each([
    ["current", () => current],
    ["legacy", () => legacy],
  ])("%s: no page shows the project's ids (S5) or speaks of seed requirements", (_, site) => {
    const found: string[] = [];
    for (const page of site().pages) {
      const text = ownText(page.content as string);
      for (const match of text.matchAll(/\bS\d{1,2}\b|seed requirements?|S-number/gi))
        found.push(
          `${page.path}: ${text.slice(Math.max(0, (match.index ?? 0) - 40), (match.index ?? 0) + 40)}`,
        );
    }
    expect(found.slice(0, 10)).toEqual([]);
  });

  it("the requirements page explains each step for the cluster's era", () => {
    const currentPage = ownText(pageOf(current, "requirements.html"));
    expect(currentPage).toContain("Run the API server");
    expect(currentPage).toContain(requirementById("S26")?.current);
    expect(currentPage).not.toMatch(/hyperkube|--basic-auth-file|127\.0\.0\.1:8080/);
    const legacyPage = ownText(pageOf(legacy, "requirements.html"));
    expect(legacyPage).toContain(requirementById("S26")?.text);
    expect(legacyPage).toContain("Kubernetes 1.1 and 1.2");
  });
});
