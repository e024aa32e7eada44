/** Parses a size as redis.conf writes it (`512mb`, `1gb`, `100k`, `4096`), or undefined. */
export function parseMemorySize(text: string): number | undefined {
  const m = /^([0-9]+)(b|k|kb|m|mb|g|gb)?$/i.exec(text.trim());
  if (!m) return undefined;
  const unit = (m[2] ?? 'b').toLowerCase();
  const factor: Record<string, number> = {
    b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3,
  };
  const value = Number(m[1]) * factor[unit];
  return Number.isSafeInteger(value) ? value : undefined;
}
