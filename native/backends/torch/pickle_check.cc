#include "pickle_check.h"

#include <cstdint>
#include <cstring>
#include <vector>

namespace stormbreaker_torch {
namespace {

// The memo indices a pickle may use: Python's pickler numbers its memo 0, 1, 2, … as it goes.
constexpr uint64_t kMaxMemo = 1 << 24;

class PickleReader {
 public:
  explicit PickleReader(std::string_view bytes) : s_(bytes) {}

  // The whole check; "" when fine.
  std::string Run() {
    while (at_ < s_.size()) {
      const unsigned char op = static_cast<unsigned char>(s_[at_++]);
      std::string why = Step(op);
      if (!why.empty()) return why + " at byte " + std::to_string(at_ - 1);
      if (stopped_) return "";
    }
    return "ends without STOP";
  }

 private:
  std::string Step(unsigned char op) {
    switch (op) {
      case 0x80: return Skip(1);                 // PROTO
      case '.':                                  // STOP
        if (stack_ != 1 || !marks_.empty()) return "STOP with " + std::to_string(stack_) + " objects and " + std::to_string(marks_.size()) + " marks";
        stopped_ = true;
        return "";
      case '(': marks_.push_back(stack_); return "";  // MARK
      case 'q': return Put(1);                   // BINPUT
      case 'r': return Put(4);                   // LONG_BINPUT
      case 'h': return Get(1);                   // BINGET
      case 'j': return Get(4);                   // LONG_BINGET
      case 'c': {                                // GLOBAL: module\nname\n
        for (int line = 0; line < 2; line++) {
          size_t end = s_.find('\n', at_);
          if (end == std::string_view::npos) return "GLOBAL without its two lines";
          at_ = end + 1;
        }
        return Push(1);
      }
      case 0x81: return PopPush(2, 1);           // NEWOBJ: class, args → object
      case 'R': return PopPush(2, 1);            // REDUCE: callable, args → result
      case 'b': return Need(2, [this] { stack_--; }); // BUILD: object, state → object
      case 'Q': return PopPush(1, 1);            // BINPERSID
      case ')': case ']': case '}': case 'N': case 0x88: case 0x89: return Push(1);  // empty tuple/list/dict, None, True, False
      case 't': case 'l': case 'd': return ToMark(false, 1);  // TUPLE, LIST, DICT
      case 0x85: return PopPush(1, 1);           // TUPLE1
      case 0x86: return PopPush(2, 1);           // TUPLE2
      case 0x87: return PopPush(3, 1);           // TUPLE3
      case 'e': return ToMark(false, 0, true);   // APPENDS: into the list below the mark
      case 'u': return ToMark(true, 0, true);    // SETITEMS: pairs into the dict below the mark
      case 'a': return Need(2, [this] { stack_--; });     // APPEND
      case 's': return Need(3, [this] { stack_ -= 2; });  // SETITEM
      case 'J': return SkipPush(4);              // BININT
      case 'K': return SkipPush(1);              // BININT1
      case 'M': return SkipPush(2);              // BININT2
      case 'G': return SkipPush(8);              // BINFLOAT
      case 0x8a: {                               // LONG1: n, then n bytes (libtorch reads at most 8)
        if (at_ >= s_.size()) return "LONG1 cut short";
        const unsigned n = static_cast<unsigned char>(s_[at_++]);
        if (n > 8) return "LONG1 of " + std::to_string(n) + " bytes";
        return SkipPush(n);
      }
      case 'X': {                                // BINUNICODE: 4-byte length, then the bytes
        uint64_t n = 0;
        if (!ReadLE(4, &n)) return "BINUNICODE cut short";
        return SkipPush(n);
      }
      default: return "opcode " + std::to_string(op) + " that TorchScript's unpickler does not read";
    }
  }

  bool ReadLE(size_t n, uint64_t* out) {
    if (n > s_.size() - at_) return false;
    uint64_t v = 0;
    for (size_t i = 0; i < n; i++) v |= static_cast<uint64_t>(static_cast<unsigned char>(s_[at_ + i])) << (8 * i);
    at_ += n;
    *out = v;
    return true;
  }
  std::string Skip(uint64_t n) {
    if (n > s_.size() - at_) return "cut short";
    at_ += n;
    return "";
  }
  std::string Push(size_t n) {
    stack_ += n;
    return "";
  }
  std::string SkipPush(uint64_t n) {
    std::string why = Skip(n);
    return why.empty() ? Push(1) : why;
  }
  // Objects above the last mark: what an opcode that does not look for a mark may take.
  size_t Frame() const { return stack_ - (marks_.empty() ? 0 : marks_.back()); }
  template <typename F>
  std::string Need(size_t n, F&& then) {
    if (Frame() < n) return "an opcode that needs " + std::to_string(n) + " objects where " + std::to_string(Frame()) + " are";
    then();
    return "";
  }
  std::string PopPush(size_t pop, size_t push) {
    return Need(pop, [&] { stack_ = stack_ - pop + push; });
  }
  // Pops back to the last mark; `pairs`: an even number; `into`: into the container below the mark.
  std::string ToMark(bool pairs, size_t push, bool into = false) {
    if (marks_.empty()) return "an opcode that needs a MARK where there is none";
    const size_t mark = marks_.back();
    marks_.pop_back();
    const size_t below = marks_.empty() ? 0 : marks_.back();
    if (pairs && (stack_ - mark) % 2 != 0) return "SETITEMS with a key and no value";
    if (into && mark <= below) return "APPENDS or SETITEMS with no container below the MARK";
    stack_ = mark + push;
    return "";
  }
  std::string Put(size_t width) {
    uint64_t index = 0;
    if (!ReadLE(width, &index)) return "BINPUT cut short";
    if (Frame() < 1) return "BINPUT with nothing to store";
    if (index > memo_.size() || index >= kMaxMemo) return "memo index " + std::to_string(index) + " out of order";
    if (index == memo_.size()) memo_.push_back(true);
    return "";
  }
  std::string Get(size_t width) {
    uint64_t index = 0;
    if (!ReadLE(width, &index)) return "BINGET cut short";
    if (index >= memo_.size()) return "memo index " + std::to_string(index) + " never stored";
    return Push(1);
  }

  std::string_view s_;
  size_t at_ = 0;
  size_t stack_ = 0;
  std::vector<size_t> marks_;
  std::vector<bool> memo_;
  bool stopped_ = false;
};

}  // namespace

std::string CheckPickle(std::string_view bytes, const std::string& what) {
  std::string why = PickleReader(bytes).Run();
  return why.empty() ? "" : what + " refused: a damaged pickle (" + why + ")";
}

}  // namespace stormbreaker_torch
