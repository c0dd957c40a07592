import { createIncrementalTypeCheck, IncrementalCheckResult } from './incremental-type-check';

/*
 * The child process of the watch mode's persistent type check (persistent-type-check.ts), started
 * with `<root> <project>`: one in-memory checker; every message asks for a check of the sources as
 * they are now and gets one answer, in order. Loaded only this way, from build/synth/ (transpiled).
 */

/** A request and its answer. */
export interface TypeCheckRequest {
  readonly id: number;
}
export type TypeCheckReply = { readonly id: number } & ({ readonly result: IncrementalCheckResult } | { readonly error: string });

if (require.main === module && process.send) {
  const [root, project] = process.argv.slice(2);
  let checker: ReturnType<typeof createIncrementalTypeCheck> | undefined;
  process.on('message', (req: TypeCheckRequest) => {
    let reply: TypeCheckReply;
    try {
      checker ??= createIncrementalTypeCheck(root, project);
      reply = { id: req.id, result: checker.check() };
    } catch (e) {
      reply = { id: req.id, error: (e as Error)?.stack ?? String(e) };
    }
    process.send!(reply);
  });
  // the watch process is gone (Ctrl-C, a crash): nobody will ask again
  process.on('disconnect', () => process.exit(0));
}
