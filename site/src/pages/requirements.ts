// The guide's steps page: every step of the from-scratch guide, as this cluster's era reads it (what a
// current release's files do, or the guide's own 1.1/1.2 text), and how many files carry each out.
import { h } from "../html.js";
import { explanation, GUIDE_ERA, REQUIREMENTS } from "../requirements.js";
import { page, type Context, type SiteFile } from "./common.js";

export function requirementsPage(context: Context): SiteFile {
  const path = "requirements.html";
  const users = new Map<string, number>();
  for (const bundle of context.bundles)
    for (const file of bundle.files)
      for (const id of file.requirements) users.set(id, (users.get(id) ?? 0) + 1);
  let section = "";
  const parts: string[] = [];
  const profile = context.cluster.plan.profile;
  for (const requirement of REQUIREMENTS) {
    const shown = explanation(requirement, profile.era);
    const count = users.get(requirement.id) ?? 0;
    if (requirement.section !== section) {
      if (section !== "") parts.push("</dl>");
      section = requirement.section;
      parts.push(`<h2>${h(section)}</h2><dl class="facts">`);
    }
    parts.push(
      `<dt id="${h(requirement.id)}">Step ${requirement.step}</dt><dd><strong>${h(shown.title)}</strong>: ${h(shown.text)} <span class="why">(${count === 1 ? "1 file carries" : `${count} files carry`} it out; <a href="search.html?q=${h(requirement.id)}">search</a>)</span></dd>`,
    );
  }
  if (section !== "") parts.push("</dl>");
  const intro =
    profile.era === "legacy"
      ? `The ${REQUIREMENTS.length} steps of the from-scratch guide, in the guide's own words (it was written for ${GUIDE_ERA}; this cluster runs Kubernetes ${h(profile.version)}), and how many of this cluster's files carry each out.`
      : `The ${REQUIREMENTS.length} steps of the from-scratch guide, which was written for ${GUIDE_ERA}: for each, what this cluster's files (Kubernetes ${h(profile.version)}) do today, and how many files carry it out.`;
  const body = `<h1>The from-scratch guide's steps</h1><p>${intro}</p>${parts.join("\n")}`;
  return page(context, path, "Guide steps", body, { crumbs: [["Guide steps", undefined]] });
}
