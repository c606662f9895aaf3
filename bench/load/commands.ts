/**
 * The command loop of the bench's child processes (the load generator, the tracker-overhead
 * prober): one JSON command per stdin line, answered with one JSON line on stdout carrying its
 * `id`, one command at a time and in order, so measurements never overlap; the process exits
 * once stdin closes and the last command is answered.
 * @module
 */
import { createInterface } from 'node:readline';

/** What a command's answer says: its result, or why it failed. */
export type CommandReply<R> = { id: number } & ({ ok: true; result?: R } | { ok: false; error: string });

/** Answers each command on stdin with `execute`'s result (or error). */
export function serveCommands<C extends { id: number }, R>(execute: (command: C) => Promise<R | undefined>): void {
  const reply = (message: CommandReply<R>) => process.stdout.write(`${JSON.stringify(message)}\n`);
  let queue = Promise.resolve();
  const input = createInterface({ input: process.stdin });
  input.on('close', () => void queue.then(() => process.exit(0)));
  input.on('line', (line) => {
    queue = queue.then(async () => {
      let command: C;
      try {
        command = JSON.parse(line) as C;
      } catch {
        reply({ id: -1, ok: false, error: `not a JSON command: ${line.slice(0, 80)}` });
        return;
      }
      try {
        reply({ id: command.id, ok: true, result: await execute(command) });
      } catch (error) {
        reply({ id: command.id, ok: false, error: error instanceof Error ? error.message : String(error) });
      }
    });
  });
}
