// The end every benchmark script shares: run it, say why it failed if it did, stop every server
// and load generator it started (also after an error), and exit 0 or 1.
import { stopAll } from './processes';
import { ServerStartError } from './servers';

export function runBench(main: () => Promise<void>): void {
  main()
    .then(() => 0, (err: unknown) => {
      const message = err instanceof Error ? err.message : String(err);
      console.error(err instanceof ServerStartError ? `server failed to start: ${message}` : `benchmark failed: ${message}`);
      return 1;
    })
    .then(async (code) => {
      await stopAll();
      process.exit(code);
    });
}
