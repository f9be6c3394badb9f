// mime_equivalence [options] DIR|FILELIST: parses every message with both MIME readers
// (message::parse_message, the hand-written one, and parse_message_gmime) and reports every
// difference in what the classifier reads: the ParsedMessage fields and the recovered original.
// The classifier is a function of the raw bytes and the ParsedMessage, so identical ParsedMessages
// mean identical classes, recipients and Message-IDs. Input files are trusted to be readable;
// their contents are untrusted and may be mutated (--mutations) to reach odd MIME.
//
// GMime reads a few malformed messages differently depending on where its 4 KiB read buffer
// happens to end (fast_mime.cpp, "What it mirrors"). A difference counts as such an artifact
// when shifting the message by a padding field makes GMime agree with the fast reader.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/text.h"
#include "message/mime.h"
#include "message/original.h"
#include "messages.h"

namespace {

namespace message = backstop::message;
namespace core = backstop::core;

struct Diff {
  bool any = false;
  bool relevant = false;  // anything but a filename, or whitespace in a text
  std::string what;
};

void note(Diff& d, bool relevant, std::string what) {
  if (d.any && (d.relevant || !relevant)) return;  // keep the first, or the first relevant one
  d.any = true;
  d.relevant = relevant;
  d.what = std::move(what);
}

std::string show(std::string_view s) {
  std::string out;
  for (char c : s.substr(0, 80)) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else if (static_cast<unsigned char>(c) < 32)
      out += '?';
    else
      out.push_back(c);
  }
  if (s.size() > 80) out += "...";
  return out;
}

// Where two strings first differ, for the report.
std::string first_difference(std::string_view a, std::string_view b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  size_t from = i > 20 ? i - 20 : 0;
  return std::string("at byte ") + std::to_string(i) + " (sizes " + std::to_string(a.size()) + "/" +
         std::to_string(b.size()) + "): fast [" + show(a.substr(from)) + "] gmime [" +
         show(b.substr(from)) + "]";
}

void compare_text(Diff& d, const std::string& where, std::string_view a, std::string_view b) {
  if (a == b) return;
  bool ws_only = core::collapse_space(a) == core::collapse_space(b);
  note(d, !ws_only, where + (ws_only ? " (whitespace only) " : " ") + first_difference(a, b));
}

void compare_headers(Diff& d, const std::string& where, const message::Headers& a,
                     const message::Headers& b) {
  if (a.size() != b.size()) {
    note(d, true,
         where + " header count " + std::to_string(a.size()) + " vs " + std::to_string(b.size()));
    return;
  }
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& x = a.fields()[i];
    const auto& y = b.fields()[i];
    if (x.name != y.name)
      note(d, true,
           where + " header " + std::to_string(i) + " name [" + show(x.name) + "] vs [" +
               show(y.name) + "]");
    compare_text(d, where + " header " + x.name, x.value, y.value);
  }
}

Diff compare(const message::ParsedMessage& a, const message::ParsedMessage& b) {
  Diff d;
  if (a.parsed != b.parsed) note(d, true, "parsed differs");
  if (a.limit_reached != b.limit_reached) note(d, true, "limit_reached differs");
  if (a.content_type != b.content_type)
    note(d, true, "content_type [" + a.content_type + "] vs [" + b.content_type + "]");
  if (a.report_type != b.report_type)
    note(d, true, "report_type [" + a.report_type + "] vs [" + b.report_type + "]");
  compare_headers(d, "top", a.headers, b.headers);
  if (a.parts.size() != b.parts.size()) {
    note(d, true,
         "part count " + std::to_string(a.parts.size()) + " vs " + std::to_string(b.parts.size()));
  } else {
    for (size_t i = 0; i < a.parts.size(); ++i) {
      const auto& x = a.parts[i];
      const auto& y = b.parts[i];
      std::string where = std::string("part ") + std::to_string(i) + " (" + y.type + ")";
      if (x.type != y.type) note(d, true, where + " type [" + x.type + "]");
      if (x.message_depth != y.message_depth) note(d, true, where + " message_depth");
      if (x.filename != y.filename)
        note(d, false,
             where + " filename [" + show(x.filename) + "] vs [" + show(y.filename) + "]");
      compare_text(d, where + " text", x.text, y.text);
    }
  }
  if (a.attached.size() != b.attached.size()) {
    note(d, true,
         "attached count " + std::to_string(a.attached.size()) + " vs " +
             std::to_string(b.attached.size()));
  } else {
    for (size_t i = 0; i < a.attached.size(); ++i) {
      const auto& x = a.attached[i];
      const auto& y = b.attached[i];
      std::string where = std::string("attached ") + std::to_string(i);
      if (x.headers_only != y.headers_only) note(d, true, where + " headers_only");
      if (x.depth != y.depth) note(d, true, where + " depth");
      compare_headers(d, where, x.headers, y.headers);
      compare_text(d, where + " body_text", x.body_text, y.body_text);
    }
  }
  // Implied by the above, but it is what the classifier reports: the recovered original.
  message::Original oa = message::recover_original(a), ob = message::recover_original(b);
  if (oa.found != ob.found || oa.message_id != ob.message_id || oa.from != ob.from ||
      oa.to != ob.to || oa.subject != ob.subject || oa.received != ob.received ||
      oa.origin_ip != ob.origin_ip || oa.urls != ob.urls || oa.headers_only != ob.headers_only)
    note(d, true,
         "recovered original differs (message_id [" + oa.message_id + "] vs [" + ob.message_id +
             "])");
  return d;
}

// Small edits that move a message toward the odd MIME seen in the wild: lost or duplicated
// lines, CRLF/LF mixes, truncation, stray delimiter lines, junk bytes.
std::string mutate(const std::string& raw, std::mt19937& rng) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start < raw.size()) {
    size_t nl = raw.find('\n', start);
    size_t end = nl == std::string::npos ? raw.size() : nl + 1;
    lines.push_back(raw.substr(start, end - start));
    start = end;
  }
  if (lines.empty()) lines.push_back("\n");
  auto pick = [&](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
  int edits = 1 + static_cast<int>(pick(3));
  for (int e = 0; e < edits && !lines.empty(); ++e) {
    size_t i = pick(lines.size());
    std::string& l = lines[i];
    switch (pick(12)) {
      case 0:
        lines.erase(lines.begin() + static_cast<long>(i));
        break;
      case 1:
        lines.insert(lines.begin() + static_cast<long>(i), l);
        break;
      case 2:  // LF to CRLF or back
        if (l.size() >= 2 && l[l.size() - 2] == '\r')
          l.erase(l.size() - 2, 1);
        else if (!l.empty() && l.back() == '\n')
          l.insert(l.end() - 1, '\r');
        break;
      case 3:
        lines.resize(i + 1);
        l = l.substr(0, pick(l.size() + 1));
        break;   // truncate
      case 4: {  // a copy of some delimiter-looking line elsewhere
        std::vector<size_t> dashes;
        for (size_t k = 0; k < lines.size(); ++k)
          if (lines[k].starts_with("--")) dashes.push_back(k);
        if (!dashes.empty())
          lines.insert(lines.begin() + static_cast<long>(i), lines[dashes[pick(dashes.size())]]);
        break;
      }
      case 5:
        if (!l.empty()) l[pick(l.size())] = static_cast<char>(pick(256));
        break;
      case 6:
        l = std::string(pick(2) ? " " : "\t") + l;
        break;  // folds into the line above
      case 7:
        if (l.size() > 1) l.erase(0, 1);
        break;
      case 8:
        if (!l.empty() && l.back() == '\n') l.pop_back();
        break;  // joins two lines
      case 9:
        l = std::string("--") + l;
        break;
      case 10:
        lines.insert(lines.begin() + static_cast<long>(i), "\n");
        break;
      default: {  // the whole message to CRLF
        for (auto& x : lines)
          if (!x.empty() && x.back() == '\n' && (x.size() < 2 || x[x.size() - 2] != '\r'))
            x.insert(x.end() - 1, '\r');
        break;
      }
    }
  }
  std::string out;
  for (const auto& l : lines) out += l;
  return out;
}

// Whether GMime agrees with the fast reader once the message is shifted by some padding.
bool gmime_alignment_artifact(const std::string& raw, const message::Limits& limits) {
  size_t at = raw.starts_with("From ") ? raw.find('\n') : 0;
  if (at == std::string::npos) return false;
  if (at > 0) ++at;
  for (size_t pad = 1; pad < 4200; pad += 97) {
    std::string shifted =
        raw.substr(0, at) + std::string("X-Pad: ") + std::string(pad, 'x') + "\n" + raw.substr(at);
    if (!compare(message::parse_message(shifted, limits),
                 message::parse_message_gmime(shifted, limits))
             .any)
      return true;
  }
  return false;
}

int usage() {
  std::fprintf(
      stderr,
      "usage: mime_equivalence [--mutations N] [--seed S] [--small-limits] [--show K]\n"
      "                        [--dump DIR] DIR|FILELIST\n"
      "  Parses each message with parse_message and parse_message_gmime and reports\n"
      "  the differences; --mutations adds N mutated copies of each message; --dump writes\n"
      "  each differing input to DIR/diff-N.eml.\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int mutations = 0;
  unsigned seed = 1;
  int show_max = 10;
  bool small = false;
  const char* input = nullptr;
  const char* dump = nullptr;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--mutations") && i + 1 < argc)
      mutations = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--seed") && i + 1 < argc)
      seed = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--show") && i + 1 < argc)
      show_max = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--dump") && i + 1 < argc)
      dump = argv[++i];
    else if (!std::strcmp(argv[i], "--small-limits"))
      small = true;
    else if (argv[i][0] == '-' || input)
      return usage();
    else
      input = argv[i];
  }
  if (!input) return usage();
  backstop::bench::MessageSet set = backstop::bench::load_dir_or_list(input);
  message::Limits limits;
  if (small) {  // reach every limit on ordinary messages
    limits.max_depth = 2;
    limits.max_parts = 3;
    limits.max_headers = 5;
    limits.max_line = 40;
    limits.max_part_text = 300;
  }
  std::mt19937 rng(seed);
  long checked = 0, relevant = 0, artifacts = 0, cosmetic = 0, shown = 0;
  for (size_t i = 0; i < set.size(); ++i) {
    for (int m = 0; m <= mutations; ++m) {
      std::string raw = m == 0 ? set.raw[i] : mutate(set.raw[i], rng);
      ++checked;
      Diff d =
          compare(message::parse_message(raw, limits), message::parse_message_gmime(raw, limits));
      if (!d.any) continue;
      bool artifact = d.relevant && gmime_alignment_artifact(raw, limits);
      (artifact ? artifacts : d.relevant ? relevant : cosmetic)++;
      long n = relevant + artifacts + cosmetic;
      if (dump)  // the differing input, to reproduce it
        std::ofstream(std::string(dump) + "/diff-" + std::to_string(n) + ".eml", std::ios::binary)
            << raw;
      if (shown++ < show_max)
        std::printf("%s%s: %s%s\n", set.paths[i].c_str(),
                    m ? (std::string(" (mutation ") + std::to_string(m) + ")").c_str() : "",
                    d.what.c_str(),
                    artifact     ? " [GMime's result depends on its buffer alignment]"
                    : d.relevant ? ""
                                 : " [not read by the classifier]");
    }
  }
  std::printf(
      "mime_equivalence: %ld messages (%zu files, %d mutations each%s): %ld identical, "
      "%ld differ in what the classifier reads, %ld only where GMime's own reading "
      "depends on its buffer alignment, %ld only in filenames or whitespace\n",
      checked, set.size(), mutations, small ? ", small limits" : "",
      checked - relevant - artifacts - cosmetic, relevant, artifacts, cosmetic);
  return relevant ? 1 : 0;
}
