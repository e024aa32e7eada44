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

/** Exact powers of ten: every 10^k up to 10^22 is a double. */
const POW10 = Array.from({ length: 23 }, (_, k) => 10 ** k);

/**
 * A decimal written plainly (`[+-]digits[.digits]`, at most 15 digits) read straight from its
 * bytes, or undefined for anything else, which then takes parseDouble's text path. Its value is
 * strtod's: a 15-digit integer and 10^k are exact doubles, so one division rounds correctly.
 * (Tensor VALUES are nearly always such numbers; the text path's regular expressions were most
 * of their cost.)
 */
export function plainDecimal(bytes: Uint8Array): number | undefined {
  const n = bytes.length;
  if (n === 0 || n > 17) return undefined;
  let i = 0;
  let negative = false;
  if (bytes[0] === 45 /* - */ || bytes[0] === 43 /* + */) {
    negative = bytes[0] === 45;
    i = 1;
  }
  let mantissa = 0;
  let digits = 0;
  let scale = -1; // digits after the point; -1 before it
  for (; i < n; i++) {
    const c = bytes[i];
    if (c >= 48 && c <= 57) {
      mantissa = mantissa * 10 + (c - 48);
      digits++;
      if (scale >= 0) scale++;
    } else if (c === 46 /* . */ && scale < 0) {
      scale = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || digits > 15) return undefined;
  const value = scale > 0 ? mantissa / POW10[scale] : mantissa;
  return negative ? -value : value;
}

/**
 * A strict integer (string2ll's rules: `0` or `[-]` and no leading zero, here at most 15 digits)
 * read straight from its bytes, or undefined for anything else (the caller takes the text path).
 */
export function plainInteger(bytes: Uint8Array): number | undefined {
  const n = bytes.length;
  const negative = n > 1 && bytes[0] === 45;
  const first = negative ? 1 : 0;
  if (n - first === 0 || n - first > 15) return undefined;
  if (bytes[first] === 48) return n === 1 ? 0 : undefined; // "0" only: "-0" and "01" are the text path's to refuse
  let value = 0;
  for (let i = first; i < n; i++) {
    const d = bytes[i] - 48;
    if (d < 0 || d > 9) return undefined;
    value = value * 10 + d;
  }
  return negative ? -value : value;
}
