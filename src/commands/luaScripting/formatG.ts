// C's printf("%.<precision>g") for a double, digit for digit as glibc prints it: from the
// double's exact decimal expansion (always finite), rounded half to even. JS's toPrecision rounds
// ties away from zero (12345678901234.5 → ...235 where glibc gives ...234), hence this.

const view = new DataView(new ArrayBuffer(8));

/** The exact value of finite, positive `x` as digits × 10^exponent. */
function exactDecimal(x: number): { digits: string; exponent: number } {
  view.setFloat64(0, x);
  const high = view.getUint32(0);
  const biased = (high >>> 20) & 0x7ff;
  let mantissa = (BigInt(high & 0xfffff) << 32n) | BigInt(view.getUint32(4));
  let power = biased - 1075;
  if (biased === 0) power = -1074; // subnormal
  else mantissa |= 1n << 52n;
  if (power >= 0) return { digits: (mantissa << BigInt(power)).toString(), exponent: 0 };
  // m / 2^k = m × 5^k / 10^k
  return { digits: (mantissa * 5n ** BigInt(-power)).toString(), exponent: power };
}

export function formatG(x: number, precision: number): string {
  if (Number.isNaN(x)) return Object.is(x, NaN) ? 'nan' : '-nan';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a === Infinity) return `${sign}inf`;
  if (a === 0) return `${sign}0`;
  const p = precision === 0 ? 1 : precision;
  let { digits, exponent } = exactDecimal(a);
  // Leading position: the value is digits × 10^exponent; its decimal exponent is X.
  let X = digits.length - 1 + exponent;
  if (digits.length > p) {
    const kept = digits.slice(0, p);
    const rest = digits.slice(p);
    const first = rest.charCodeAt(0) - 48;
    const beyond = /[1-9]/.test(rest.slice(1));
    const lastOdd = (kept.charCodeAt(p - 1) - 48) % 2 === 1;
    const up = first > 5 || (first === 5 && (beyond || lastOdd));
    let rounded = up ? (BigInt(kept) + 1n).toString() : kept;
    if (rounded.length > p) {
      rounded = rounded.slice(0, p);
      X += 1;
    }
    digits = rounded;
  }
  if (X < -4 || X >= p) {
    const mantissa = digits.replace(/0+$/, '');
    const body = mantissa.length > 1 ? `${mantissa[0]}.${mantissa.slice(1)}` : mantissa;
    return `${sign}${body}e${X < 0 ? '-' : '+'}${String(Math.abs(X)).padStart(2, '0')}`;
  }
  let text: string;
  if (X >= 0) {
    const whole = digits.padEnd(X + 1, '0');
    text = `${whole.slice(0, X + 1)}.${whole.slice(X + 1)}`;
  } else {
    text = `0.${'0'.repeat(-X - 1)}${digits}`;
  }
  text = text.replace(/0+$/, '').replace(/\.$/, '');
  return sign + text;
}
