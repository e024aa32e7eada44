// Whatever a test opens (clients, in-process servers, server processes) is closed when its file
// ends, even if the test threw before closing it: a leaked reconnecting client or a live server
// would otherwise keep the worker, and so the run, from ever finishing. test/helpers/jestSetup.ts
// runs closeEverything after each test file.
const open = new Set<() => unknown>();

/** Registers `close` to run when the file ends; returns a function that unregisters it (call it once closed). */
export function closeAfterFile(close: () => unknown): () => void {
  open.add(close);
  return () => open.delete(close);
}

/** Closes everything still registered, in reverse order of opening (clients before their servers). */
export async function closeEverything(): Promise<void> {
  const pending = [...open].reverse();
  open.clear();
  for (const close of pending) {
    try {
      await close();
    } catch {
      // already closed or broken: nothing more to release
    }
  }
}
