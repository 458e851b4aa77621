import cliProgress from 'cli-progress';
import type { CliContext } from './context';

/** Progress of a long command: a bar with the current step on a terminal, plain lines otherwise. */
export interface Progress {
  /** `done` of `total` steps so far and what happens now; off a terminal `line` (default: the step) is printed once. */
  update(done: number, step: string, line?: string): void;
  /** Grows or shrinks the number of steps (e.g. once a list is known). */
  setTotal(total: number): void;
  /** Removes the bar (the last step stays on screen) so normal output follows. */
  stop(): void;
}

/** Whether sbx's progress goes to a terminal (a pseudo-terminal counts); `--json` output never gets a bar. */
export function progressOnTerminal(ctx: CliContext): boolean {
  return Boolean((ctx.stderr as NodeJS.WriteStream).isTTY);
}

/**
 * A progress display on stderr (stdout keeps the command's answer). On a
 * terminal: a cli-progress bar `title [####----] 2/4 step`, redrawn in place;
 * otherwise: one line per new step, so logs and CI output stay readable.
 */
export function createProgress(ctx: CliContext, { title, total }: { title: string; total: number }): Progress {
  if (!progressOnTerminal(ctx)) {
    let last = '';
    return {
      update(_done, step, line = step) {
        if (line === last) return;
        last = line;
        ctx.stderr.write(`${line}\n`);
      },
      setTotal: () => undefined,
      stop: () => undefined,
    };
  }
  const bar = new cliProgress.SingleBar(
    {
      stream: ctx.stderr as NodeJS.WriteStream,
      format: `${title} [{bar}] {value}/{total} {step}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      stopOnComplete: false,
      // Redraw on every update, not on a timer: a slow step still shows at once.
      fps: 10,
      noTTYOutput: false,
    },
    cliProgress.Presets.legacy,
  );
  bar.start(total, 0, { step: 'starting' });
  let stopped = false;
  return {
    update(done, step) {
      if (!stopped) bar.update(Math.min(done, bar.getTotal()), { step });
    },
    setTotal(next) {
      if (!stopped) bar.setTotal(next);
    },
    stop() {
      if (stopped) return;
      stopped = true;
      bar.stop();
    },
  };
}
