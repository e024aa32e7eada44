// A structural check of the pickles inside a TorchScript archive (data.pkl, constants.pkl, the
// .debug_pkl files) before libtorch's unpickler reads them. That unpickler trusts its input: an
// opcode that pops more than the stack holds (one flipped bit turns EMPTY_TUPLE into MARK before a
// NEWOBJ) or a memo index past the memo corrupts the heap and kills the server (found by the
// blob fuzzer under ASan). Here the pickle's stack and marks are simulated, as counts, over the
// opcodes libtorch reads; anything else, or anything inconsistent, is refused.
#pragma once
#include <string>
#include <string_view>

namespace stormbreaker_torch {

// "" when `bytes` is a well-formed pickle of the opcodes libtorch's unpickler reads; else why not.
std::string CheckPickle(std::string_view bytes, const std::string& what);

}  // namespace stormbreaker_torch
