// mbox splitting; see mailbox.h. RFC 4155: a message starts at a line beginning "From " that
// follows an empty line (or starts the file).
#include "message/mailbox.h"

namespace backstop::message {

bool looks_like_mbox(std::string_view data) {
  if (!data.starts_with("From ")) return false;
  std::string_view line = data.substr(0, data.find('\n'));
  // "From sender date": at least three fields, and no colon right after "From" (a header).
  int fields = 0;
  bool in_field = false;
  for (char c : line) {
    bool space = c == ' ' || c == '\t' || c == '\r';
    if (!space && !in_field) ++fields;
    in_field = !space;
  }
  return fields >= 3;
}

std::vector<std::string_view> split_mbox(std::string_view data) {
  std::vector<std::string_view> out;
  size_t start = std::string_view::npos;
  size_t pos = 0;
  bool prev_blank = true;
  while (pos < data.size()) {
    size_t nl = data.find('\n', pos);
    size_t end = nl == std::string_view::npos ? data.size() : nl + 1;
    std::string_view line = data.substr(pos, end - pos);
    if (prev_blank && line.starts_with("From ")) {
      if (start != std::string_view::npos) out.push_back(data.substr(start, pos - start));
      start = end;
    }
    prev_blank = line == "\n" || line == "\r\n";
    pos = end;
  }
  if (start != std::string_view::npos && start <= data.size())
    out.push_back(data.substr(start));
  return out;
}

}  // namespace backstop::message
