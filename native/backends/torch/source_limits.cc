#include "source_limits.h"

#include <cctype>
#include <cstring>
#include <vector>

namespace stormbreaker_torch {
namespace {

bool IsNameChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

std::string Refuse(const std::string& what, int line, const std::string& reason) {
  return what + " refused: " + reason + " at line " + std::to_string(line);
}

}  // namespace

// A small lexer, enough to know what is code: strings (single, triple, escaped) and comments do
// not count; a newline inside brackets or after a backslash does not end a statement.
std::string CheckSourceLimits(std::string_view s, const std::string& what) {
  const size_t n = s.size();
  int line = 1;
  // Nesting: every open bracket and every unary operator still waiting for its operand is a
  // level the compiler recurses through. `opened` keeps, per open bracket, the level outside it.
  std::vector<int> opened;
  int level = 0;              // of the operand being read, before its pending unary operators
  int unary = 0;              // prefix operators in a row, not yet followed by an operand
  int operators = 0;          // in the current statement
  int elifs = 0;
  bool expectOperand = true;  // a '-' here is unary
  bool lineStart = true;
  std::vector<size_t> indents{0};

  auto operand = [&] { unary = 0; expectOperand = false; };
  auto binary = [&]() -> std::string {
    if (++operators > kMaxOperatorsPerStatement) {
      return Refuse(what, line, "more than " + std::to_string(kMaxOperatorsPerStatement) + " operators in one statement");
    }
    expectOperand = true;
    return "";
  };
  auto prefix = [&]() -> std::string {
    if (level + ++unary > kMaxNesting) {
      return Refuse(what, line, "brackets and unary operators nested more than " + std::to_string(kMaxNesting) + " deep");
    }
    return "";
  };
  auto endStatement = [&] { operators = 0; unary = 0; expectOperand = true; };

  for (size_t i = 0; i < n;) {
    char c = s[i];
    if (lineStart && opened.empty()) {
      // Indentation of a logical line that holds code (blank and comment-only lines do not count).
      size_t col = 0, j = i;
      while (j < n && (s[j] == ' ' || s[j] == '\t')) col += (s[j++] == '\t') ? 8 - col % 8 : 1;
      lineStart = false;
      if (j < n && s[j] != '\n' && s[j] != '\r' && s[j] != '#') {
        while (col < indents.back()) indents.pop_back();
        if (col > indents.back()) indents.push_back(col);
        if (static_cast<int>(indents.size()) - 1 > kMaxIndentLevels) {
          return Refuse(what, line, "more than " + std::to_string(kMaxIndentLevels) + " levels of indentation");
        }
      }
      i = j;
      continue;
    }
    if (c == '\n') {
      line++;
      i++;
      if (opened.empty()) {
        endStatement();
        lineStart = true;
      }
      continue;
    }
    if (c == '\\' && i + 1 < n && (s[i + 1] == '\n' || s[i + 1] == '\r')) {  // continuation
      i += (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n') ? 3 : 2;
      line++;
      continue;
    }
    if (c == '#') {
      while (i < n && s[i] != '\n') i++;
      continue;
    }
    if (c == '\'' || c == '"') {
      const bool triple = i + 2 < n && s[i + 1] == c && s[i + 2] == c;
      const size_t quote = triple ? 3 : 1;
      i += quote;
      while (i < n) {
        if (s[i] == '\\') { i += 2; continue; }
        if (s[i] == '\n') {
          line++;
          if (!triple) break;  // an unterminated string: libtorch reports it
        }
        if (s[i] == c && (!triple || (i + 2 < n && s[i + 1] == c && s[i + 2] == c))) { i += quote; break; }
        i++;
      }
      operand();
      continue;
    }
    if (c == '(' || c == '[' || c == '{') {
      // After an operand this is a call or subscript: an operator on what came before.
      if (!expectOperand) {
        std::string e = binary();
        if (!e.empty()) return e;
      }
      opened.push_back(level);
      level += unary + 1;
      unary = 0;
      if (level > kMaxNesting) {
        return Refuse(what, line, "brackets and unary operators nested more than " + std::to_string(kMaxNesting) + " deep");
      }
      expectOperand = true;
      i++;
      continue;
    }
    if (c == ')' || c == ']' || c == '}') {
      if (!opened.empty()) {
        level = opened.back();
        opened.pop_back();
      }
      operand();
      i++;
      continue;
    }
    if (IsNameChar(c)) {
      size_t j = i;
      while (j < n && (IsNameChar(s[j]) || (std::isdigit(static_cast<unsigned char>(s[i])) && s[j] == '.'))) j++;
      std::string_view word = s.substr(i, j - i);
      i = j;
      if (word == "not") {
        std::string e = expectOperand ? prefix() : binary();  // `not` prefix, or `not in`
        if (!e.empty()) return e;
      } else if (word == "and" || word == "or" || word == "in" || word == "is" || word == "if" || word == "else") {
        std::string e = binary();
        if (!e.empty()) return e;
      } else if (word == "elif") {
        if (++elifs > kMaxElifs) return Refuse(what, line, "more than " + std::to_string(kMaxElifs) + " elif branches");
        expectOperand = true;
      } else if (word == "return" || word == "yield" || word == "assert" || word == "raise" || word == "del" ||
                 word == "while" || word == "for" || word == "with" || word == "def" || word == "class") {
        expectOperand = true;
      } else {
        operand();
      }
      continue;
    }
    if (c == ',' || c == ':' || c == ';') {
      if (c == ';' && opened.empty()) endStatement();
      expectOperand = true;
      unary = 0;
      i++;
      continue;
    }
    if (std::isspace(static_cast<unsigned char>(c))) {
      i++;
      continue;
    }
    // An operator character: '-', '+' and '~' where an operand is expected are unary.
    if (expectOperand && (c == '-' || c == '+' || c == '~')) {
      std::string e = prefix();
      if (!e.empty()) return e;
      i++;
      continue;
    }
    // Any other operator: a run like '**', '//=', '==', '->' or '-=' is one.
    i++;
    if (c != '.') {
      while (i < n && std::strchr("=<>*/&|^%@!", s[i]) != nullptr) i++;
    }
    std::string e = binary();
    if (!e.empty()) return e;
  }
  return "";
}

std::string CheckClassAttributes(std::string_view s, const std::string& what) {
  bool inClass = false;
  size_t classIndent = 0;  // of the class's body, set by its first indented line
  int line = 0;
  for (size_t start = 0; start < s.size();) {
    size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    std::string_view text = s.substr(start, end - start);
    start = end + 1;
    line++;
    size_t indent = text.find_first_not_of(" \t");
    if (indent == std::string_view::npos || text[indent] == '#') continue;
    if (indent == 0) {
      inClass = text.rfind("class ", 0) == 0;
      classIndent = 0;
      continue;
    }
    if (!inClass) continue;
    if (classIndent == 0) classIndent = indent;
    if (indent != classIndent) continue;  // inside a method
    std::string_view body = text.substr(indent);
    if (body.rfind("def ", 0) == 0 || body[0] == '@') continue;
    size_t eq = body.find('=');
    if (eq == std::string_view::npos || (eq + 1 < body.size() && body[eq + 1] == '=')) continue;
    std::string_view lhs = body.substr(0, eq);
    if (lhs.find(':') != std::string_view::npos) continue;  // annotated: name : T = value
    while (!lhs.empty() && (lhs.back() == ' ' || lhs.back() == '\t')) lhs.remove_suffix(1);
    if (lhs == "__parameters__" || lhs == "__buffers__" || lhs == "__forward_pre_hooks__" || lhs == "__forward_hooks__") continue;
    // `__annotations__["0"] = T`: how TorchScript writes an attribute whose name is no identifier
    // (a ModuleList's or Sequential's children); libtorch reads it as annotated (and refuses any
    // other subscript with an error, not a crash).
    if (lhs.rfind("__annotations__[", 0) == 0) continue;
    return what + " refused: class attribute '" + std::string(lhs) + "' at line " + std::to_string(line) +
           " has a value but no type (a damaged model archive)";
  }
  return "";
}

}  // namespace stormbreaker_torch
