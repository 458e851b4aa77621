/**
 * The one way the bot turns values into a POSIX shell command line (every
 * command sent over SSH goes through `quoteArgv`). Single quotes make the
 * shell take every byte literally; the only byte that needs care is the single
 * quote itself, written as '\'' (close, escaped quote, reopen).
 */

/**
 * Words made only of these characters mean the same quoted or not, so they
 * stay readable in logs. `=`, `~`, `%` and reserved words are quoted because
 * unquoted they change meaning in some positions (assignment, home, job,
 * keyword).
 */
const plainWord = /^[A-Za-z0-9_@+:,./-]+$/;
const reservedWords = new Set([
  'case',
  'coproc',
  'do',
  'done',
  'elif',
  'else',
  'esac',
  'fi',
  'for',
  'function',
  'if',
  'in',
  'select',
  'then',
  'time',
  'until',
  'while',
]);

/** Quotes one argument so a POSIX shell reads it back as exactly this string. */
export function quoteArg(arg: string): string {
  if (arg.includes('\0')) throw new RangeError('shell argument contains a NUL byte, which no command line can carry');
  if (plainWord.test(arg) && !reservedWords.has(arg)) return arg;
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

/** Quotes every argument and joins them with spaces: the shell sees exactly `argv`, and runs nothing else. */
export function quoteArgv(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

const envName = /^[A-Z_][A-Z0-9_]*$/;

/** Throws unless `name` is a plain environment variable name (`[A-Z_][A-Z0-9_]*`). */
export function assertEnvName(name: string): void {
  if (!envName.test(name)) {
    throw new RangeError(
      `invalid environment variable name ${JSON.stringify(name)}: expected capitals, digits and underscores, not starting with a digit`,
    );
  }
}
