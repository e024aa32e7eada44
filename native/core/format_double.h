// Text of a double exactly as C's printf("%.17g") writes it: RedisAI's wire format for floating
// tensor values (glibc rounding, "inf", "-0"), which JS number formatting cannot reproduce.
#pragma once
#include <string>

namespace stormbreaker {
std::string FormatDouble(double value);
}
