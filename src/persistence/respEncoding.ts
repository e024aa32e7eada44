/** A command as a RESP array of bulk strings, as chunks: headers are small new buffers, the
 * arguments themselves (tensor bytes, model blobs) are passed through uncopied. */
export function encodeCommand(argv: ReadonlyArray<Uint8Array | string>): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let header = `*${argv.length}\r\n`;
  for (const arg of argv) {
    if (typeof arg === 'string') {
      header += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
      continue;
    }
    chunks.push(Buffer.from(`${header}$${arg.byteLength}\r\n`, 'latin1'));
    chunks.push(arg);
    header = '\r\n';
  }
  chunks.push(Buffer.from(header, 'latin1'));
  return chunks;
}
