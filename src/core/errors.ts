/**
 * A problem with what the user gave us (flags, config, dataset path, field mapping).
 * The CLI prints the message on one line and exits 2; nothing has been written.
 */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A bad record in an input file: names the file, line and field. */
export class InputError extends UsageError {
  override name = 'InputError';
  readonly file: string;
  readonly line: number | undefined;
  readonly field: string | undefined;
  constructor(message: string, where: { file: string; line?: number; field?: string }, options?: ErrorOptions) {
    const position = where.line === undefined ? where.file : `${where.file}:${where.line}`;
    super(`${position}${where.field ? ` (${where.field})` : ''}: ${message}`, options);
    this.file = where.file;
    this.line = where.line;
    this.field = where.field;
  }
}
