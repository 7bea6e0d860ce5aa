/**
 * A child that dies with its parent. Node has no `prctl(PR_SET_PDEATHSIG)`,
 * so a process that a sweep or the DDP launcher starts is told its parent's
 * pid in `CLASSIFIER_TRAINING_PARENT_PID` and polls `process.ppid`: once the
 * parent is gone (killed with SIGKILL, say) the child is re-parented and the
 * pid differs. The child then stops as on SIGTERM (a Trainer saves its
 * checkpoint after the current step, through atomic writes), and is ended
 * after a grace period if it has not exited by then: an orphan must not go
 * on writing into a run dir that its parent no longer owns.
 *
 * @example
 * spawn(process.execPath, [bin, 'train'], { env: { ...process.env, ...parentEnv() } }); // in the parent
 * watchParent(process.env);                                                            // early in the child
 */

/** The variable that names the parent a child must not outlive. */
export const PARENT_PID_ENV = 'CLASSIFIER_TRAINING_PARENT_PID';

/** How often the child looks at its parent pid: one getppid() call, cheap. */
const POLL_MS = 200;

/** Options for `watchParent`. */
export interface ParentWatchOptions {
  /** How long a child may take to stop after its parent died before it is ended (default 10 s). */
  graceMs?: number;
}

/**
 * The environment that ties a child to this process.
 *
 * @example
 * spawn(cmd, args, { env: { ...process.env, ...parentEnv() } });
 */
export function parentEnv(): Record<string, string> {
  return { [PARENT_PID_ENV]: String(process.pid) };
}

/**
 * When `env` names a parent, stops this process once that parent is gone;
 * returns a function that stops watching. Without the variable it does nothing.
 *
 * @example
 * const stop = watchParent(process.env); // ... stop();
 */
export function watchParent(env: NodeJS.ProcessEnv, options: ParentWatchOptions = {}): () => void {
  const expected = Number(env[PARENT_PID_ENV]);
  if (!Number.isInteger(expected) || expected <= 1) return () => undefined;
  const graceMs = options.graceMs ?? 10_000;
  const orphaned = (): void => {
    clearInterval(timer);
    process.stderr.write(`process ${process.pid}: its parent ${expected} is gone; stopping\n`);
    // A Trainer's SignalGuard turns SIGTERM into a stop after the step and a checkpoint; without one SIGTERM ends us.
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(143), graceMs).unref();
  };
  const timer = setInterval(() => {
    if (process.ppid !== expected) orphaned();
  }, POLL_MS);
  // The watch must never keep a finished process alive.
  timer.unref();
  // The parent may have died before this child got here.
  if (process.ppid !== expected) orphaned();
  return () => clearInterval(timer);
}
