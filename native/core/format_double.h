// Text of a double exactly as C's printf("%.17g") writes it: RedisAI's wire format for floating
// tensor values (glibc rounding, "inf", "-0"), which JS number formatting cannot reproduce.
#pragma once
#include <string>

namespace stormbreaker {
// The longest text FormatDouble writes ("-2.2250738585072014e-308").
constexpr size_t kMaxDoubleText = 24;
std::string FormatDouble(double value);
// The same text written at `out` (room for kMaxDoubleText chars); returns its length.
size_t FormatDoubleTo(double value, char* out);
}
