// Message sources; see message_source.h.
#include "message_source.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "message/mailbox.h"

namespace backstop::app {
namespace fs = std::filesystem;

namespace {

bool read_all(std::istream& in, std::string& out) {
  std::ostringstream ss;
  ss << in.rdbuf();
  out = std::move(ss).str();
  return !in.bad();
}

// An mbox is named so (".mbox", ".mbx", "mbox") or asked for: a single saved message also
// starts with a "From " line, and its body may hold unescaped "From " lines that a guess would
// take for separators.
bool is_mbox_name(const std::string& name) {
  std::string base = fs::path(name).filename().string();
  return base == "mbox" || base.ends_with(".mbox") || base.ends_with(".mbx");
}

// Returns false if the caller should stop.
bool visit_bytes(const std::string& name, std::string_view data, bool mbox,
                 const std::function<bool(const std::string&, std::string_view)>& visit) {
  if ((mbox || is_mbox_name(name)) && message::looks_like_mbox(data)) {
    auto msgs = message::split_mbox(data);
    if (msgs.size() > 1) {
      for (size_t i = 0; i < msgs.size(); ++i)
        if (!visit(name + "#" + std::to_string(i + 1), msgs[i])) return false;
      return true;
    }
  }
  return visit(name, data);
}

}  // namespace

bool for_each_message(const std::vector<std::string>& paths, bool mbox,
                      const std::function<bool(const std::string&, std::string_view)>& visit) {
  bool ok = true;
  std::string data;
  for (const auto& path : paths) {
    if (path == "-") {
      if (!read_all(std::cin, data)) {
        std::cerr << "backstop: cannot read standard input\n";
        ok = false;
        continue;
      }
      if (!visit_bytes("-", data, mbox, visit)) return ok;
      continue;
    }
    std::error_code ec;
    std::vector<fs::path> files;
    if (fs::is_directory(path, ec)) {
      for (auto it = fs::recursive_directory_iterator(path, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file(ec)) {
          // Maildir's tmp/ holds messages still being written (Maildir spec): skip them.
          if (it->path().parent_path().filename() == "tmp" &&
              fs::is_directory(it->path().parent_path().parent_path() / "cur", ec))
            continue;
          files.push_back(it->path());
        }
      }
      std::sort(files.begin(), files.end());
    } else if (fs::exists(path, ec)) {
      files.emplace_back(path);
    } else {
      std::cerr << "backstop: " << path << ": no such file or directory\n";
      ok = false;
      continue;
    }
    for (const auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      if (!in || !read_all(in, data)) {
        std::cerr << "backstop: " << f.string() << ": cannot read\n";
        ok = false;
        continue;
      }
      if (!visit_bytes(f.string(), data, mbox, visit)) return ok;
    }
  }
  return ok;
}

}  // namespace backstop::app
