/**
 * Errors about options. The library names the options of its own API (`resume`, `outDir`,
 * `emaDecay`); each entry point names them the way its user set them: the CLI as flags
 * (`--resume`, `--out`), a notebook as the option names. An {@link OptionError} keeps its
 * message as a template with `{option}` slots, so whoever catches it can render those names.
 *
 * @module
 */

/** An error caused by the value of one or more named options. */
export class OptionError extends Error {
  /** The message with `{option}` slots where option names go. */
  readonly template: string;

  /**
   * Creates the error from a template such as `"{resume}: no checkpoint at x"`; its `message`
   * names each option as it is spelt in the library's API (`resume: no checkpoint at x`).
   */
  constructor(template: string) {
    super(fill(template, (option) => option));
    this.name = "OptionError";
    this.template = template;
  }

  /** The options the message names, in order of appearance. */
  get options(): string[] {
    return [...this.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  }

  /** The message with each option written as `name(option)` (a CLI passes its flag names). */
  render(name: (option: string) => string): string {
    return fill(this.template, name);
  }
}

function fill(template: string, name: (option: string) => string): string {
  return template.replace(/\{(\w+)\}/g, (_, option: string) => name(option));
}
