#include "format_double.h"

#include <cmath>
#include <cstdio>

namespace stormbreaker {

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";  // glibc may write "-nan"; one spelling is clearer
  char text[32];
  int n = std::snprintf(text, sizeof(text), "%.17g", value);
  return std::string(text, n);
}

}  // namespace stormbreaker
