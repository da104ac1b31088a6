// Text templates for units, scripts and INI-style files: logic-less handlebars (decisions are made
// in the components; templates only lay out text). Each template is compiled once, then cached.
import Handlebars from "handlebars/dist/cjs/handlebars.js";

const compiled = new Map<string, HandlebarsTemplateDelegate<unknown>>();

/**
 * Renders `source` with `data`. Output is not HTML-escaped (these are config files), and a missing
 * value is an error rather than an empty string, so a typo in a template cannot go unnoticed.
 */
export function renderTemplate(source: string, data: unknown): string {
  let template = compiled.get(source);
  if (template === undefined) {
    template = Handlebars.compile(source, { noEscape: true, strict: true });
    compiled.set(source, template);
  }
  return template(data);
}
