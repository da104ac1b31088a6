// Units, scripts and config files live as files of their own language in packages/core/templates/
// (embedded by `pnpm gen`, since the core reads no file at run time). Handlebars templates (.hbs)
// are logic-less: the components decide, the templates only lay out the values they are given.
import Handlebars from "handlebars/dist/cjs/handlebars.js";
import { TEMPLATES, type TemplateName } from "./generated/templates.js";

export type { TemplateName };

type HandlebarsTemplateName = Extract<TemplateName, `${string}.hbs`>;
type TextTemplateName = Exclude<TemplateName, HandlebarsTemplateName>;

const compiled = new Map<HandlebarsTemplateName, HandlebarsTemplateDelegate<unknown>>();

/**
 * Renders the handlebars template `name` with `data`. Output is not HTML-escaped (these are config
 * files), and a missing value is an error rather than an empty string, so a typo in a template
 * cannot go unnoticed.
 */
export function renderTemplate(name: HandlebarsTemplateName, data: unknown): string {
  let template = compiled.get(name);
  if (template === undefined) {
    template = Handlebars.compile(TEMPLATES[name], { noEscape: true, strict: true });
    compiled.set(name, template);
  }
  return template(data);
}

/** The text of a template that is used as it stands (a script body, a fixed config). */
export function templateText(name: TextTemplateName): string {
  return TEMPLATES[name];
}
