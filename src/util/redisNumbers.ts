// Number parsing with Redis's exact acceptance rules (string2ll and string2d in Redis's util.c),
// which differ from JS's Number(): no "+", no leading zeros, no spaces, "inf" yes, "nan" no.

const INTEGER = /^(?:0|-?[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** A strict signed 64-bit integer, or undefined. Values beyond 2^53 come back as bigint. */
export function parseInt64(text: string): number | bigint | undefined {
  if (!INTEGER.test(text)) return undefined;
  if (text.length <= 15) return Number(text);
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/** A strict integer that also fits a JS number exactly (counts, dims, indices), or undefined. */
export function parseSafeInteger(text: string): number | undefined {
  const v = parseInt64(text);
  return typeof v === 'number' ? v : undefined;
}

const DECIMAL = /^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$/;
const INFINITY = /^[+-]?(?:inf|infinity)$/i;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?[0-9]+))?$/;

/**
 * A double as strtod reads it, with Redis's extra rules: the whole text must be consumed, no
 * leading space, NaN refused, and overflow (or underflow to zero) refused. Returns undefined when
 * refused.
 */
export function parseDouble(text: string): number | undefined {
  if (DECIMAL.test(text)) {
    const v = Number(text);
    if (!Number.isFinite(v)) return undefined; // ERANGE overflow
    if (v === 0 && /[1-9]/.test(text.replace(/[eE].*$/, ''))) return undefined; // underflow to zero
    return v;
  }
  if (INFINITY.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const hex = HEX.exec(text);
  if (hex) {
    const [, sign, digits, exponent] = hex;
    const [whole, fraction = ''] = digits.split('.');
    const mantissa = parseInt((whole || '0') + fraction, 16);
    const v = mantissa * Math.pow(2, Number(exponent ?? 0) - 4 * fraction.length);
    if (!Number.isFinite(v)) return undefined;
    return sign === '-' ? -v : v;
  }
  return undefined;
}
