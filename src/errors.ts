/**
 * An error the user can act on: it names the file and the problem in one line.
 * The CLI prints it without a stack trace and exits with code 2.
 */
export class LlmprofError extends Error {
  constructor(
    readonly file: string | null,
    readonly problem: string,
  ) {
    super(file ? `${file}: ${problem}` : problem);
    this.name = "LlmprofError";
  }
}
