// GMime walk producing ParsedMessage (parse_message_gmime, the reference for the reader in
// fast_mime.cpp that parse_message uses); see mime.h. GMime does the MIME work (RFC 2045-2049);
// this file only flattens its tree and enforces our limits, including one on GMime itself:
// the input is cut before the (max_parts+1)-th Content-Type field, which bounds the depth of
// GMime's own recursion on hostile nesting.
#include "message/mime.h"

#include <gmime/gmime.h>

#include <cstring>
#include <mutex>

#include "core/text.h"
#include "message/mime_fields.h"
#include "message/fast_mime.h"

namespace backstop::message {
namespace {

using mime_fields::is_headers_only_type;
using mime_fields::is_text_like;

struct Walk {
  const Limits& limits;
  ParsedMessage& out;
  int parts_seen = 0;
};

std::string type_of(GMimeObject* obj) {
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  if (!ct) return "text/plain";
  const char* t = g_mime_content_type_get_media_type(ct);
  const char* s = g_mime_content_type_get_media_subtype(ct);
  std::string type = core::to_lower(t ? t : "text");
  type.push_back('/');
  type += core::to_lower(s ? s : "plain");
  return type;
}

void copy_headers(GMimeObject* obj, const Limits& limits, Headers& headers) {
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  if (!list) return;
  int n = g_mime_header_list_get_count(list);
  for (int i = 0; i < n && i < limits.max_headers; ++i) {
    GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
    const char* name = g_mime_header_get_name(h);
    const char* raw = g_mime_header_get_raw_value(h);
    if (!name) continue;
    std::string_view value = raw ? std::string_view(raw) : std::string_view();
    if (value.size() > limits.max_line) value = value.substr(0, limits.max_line);
    headers.add(name, core::collapse_space(value));
  }
}

std::string decoded_content(GMimePart* part, size_t max) {
  GMimeDataWrapper* content = g_mime_part_get_content(part);
  if (!content) return {};
  GMimeStream* mem = g_mime_stream_mem_new();
  g_mime_data_wrapper_write_to_stream(content, mem);
  GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
  std::string text(reinterpret_cast<const char*>(bytes->data), std::min<size_t>(bytes->len, max));
  g_object_unref(mem);
  return text;
}

std::string part_text(GMimeObject* obj, std::string_view type, size_t max) {
  if (GMIME_IS_TEXT_PART(obj) && type != "text/rfc822-headers") {
    const char* charset = g_mime_text_part_get_charset(GMIME_TEXT_PART(obj));
    bool plain = !charset || core::iequals(charset, "us-ascii") || core::iequals(charset, "utf-8");
    if (!plain) {
      char* text = g_mime_text_part_get_text(GMIME_TEXT_PART(obj));
      if (text) {
        std::string out(text, strnlen(text, max));
        g_free(text);
        return out;
      }
    }
  }
  return decoded_content(GMIME_PART(obj), max);
}

void walk(Walk& w, GMimeObject* obj, int depth, int message_depth, AttachedMessage* owner);

void walk_message(Walk& w, GMimeMessage* msg, int depth, int message_depth) {
  AttachedMessage attached;
  attached.depth = message_depth;
  copy_headers(GMIME_OBJECT(msg), w.limits, attached.headers);
  GMimeObject* body = g_mime_message_get_mime_part(msg);
  attached.headers_only = body == nullptr;
  size_t index = w.out.attached.size();
  w.out.attached.push_back(std::move(attached));
  if (body) {
    AttachedMessage collected;
    walk(w, body, depth + 1, message_depth, &collected);
    auto& slot = w.out.attached[index];
    slot.body_text = std::move(collected.body_text);
    if (core::trim(slot.body_text).empty() && !GMIME_IS_MULTIPART(body)) slot.headers_only = true;
  }
}

void walk(Walk& w, GMimeObject* obj, int depth, int message_depth, AttachedMessage* owner) {
  if (!obj) return;
  if (depth > w.limits.max_depth || w.parts_seen >= w.limits.max_parts) {
    w.out.limit_reached = true;
    return;
  }
  ++w.parts_seen;
  if (GMIME_IS_MULTIPART(obj)) {
    GMimeMultipart* mp = GMIME_MULTIPART(obj);
    int n = g_mime_multipart_get_count(mp);
    if (n == 0) {
      // A multipart whose boundary was lost (an unfolded "boundary=" line is common in
      // hand-made NDRs): GMime keeps its content as the prologue. Read it as plain text.
      const char* prologue = g_mime_multipart_get_prologue(mp);
      if (prologue && *prologue) {
        Part part;
        part.type = "text/plain";
        part.message_depth = message_depth;
        part.text.assign(prologue, strnlen(prologue, w.limits.max_part_text));
        w.out.parts.push_back(std::move(part));
      }
      return;
    }
    for (int i = 0; i < n; ++i) walk(w, g_mime_multipart_get_part(mp, i), depth + 1, message_depth, owner);
    return;
  }
  std::string type = type_of(obj);
  if (GMIME_IS_MESSAGE_PART(obj)) {
    GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
    if (inner) walk_message(w, inner, depth + 1, message_depth + 1);
    return;
  }
  if (!GMIME_IS_PART(obj)) return;
  Part part;
  part.type = type;
  part.message_depth = message_depth;
  if (const char* fn = g_mime_part_get_filename(GMIME_PART(obj))) part.filename = fn;
  if (is_text_like(type)) {
    part.text = part_text(obj, type, w.limits.max_part_text);
    if (type == "text/html") part.text = html_to_text(part.text, w.limits.max_part_text);
  }
  if (is_headers_only_type(type)) {
    AttachedMessage attached;
    attached.headers_only = true;
    attached.depth = message_depth + 1;
    attached.headers = parse_header_block(part.text, w.limits.max_headers).headers;
    if (!attached.headers.empty()) w.out.attached.push_back(std::move(attached));
  } else if (owner && !part.text.empty() && type.starts_with("text/") &&
             owner->body_text.size() < w.limits.max_part_text) {
    owner->body_text.append(part.text, 0, w.limits.max_part_text - owner->body_text.size());
    owner->body_text.push_back('\n');
  }
  w.out.parts.push_back(std::move(part));
}

}  // namespace

void init_mime() {
  static std::once_flag once;
  std::call_once(once, [] { g_mime_init(); });
}

ParsedMessage parse_message(std::string_view raw, const Limits& limits) {
  return parse_message_fast(raw, limits);
}

ParsedMessage parse_message_gmime(std::string_view raw, const Limits& limits) {
  init_mime();
  ParsedMessage out;
  bool cut = false;
  raw = bound_message_input(raw, limits, cut);
  out.limit_reached = cut;
  GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
  GMimeParser* parser = g_mime_parser_new_with_stream(stream);
  g_mime_parser_set_format(parser, GMIME_FORMAT_MESSAGE);
  GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
  if (msg) {
    out.parsed = true;
    copy_headers(GMIME_OBJECT(msg), limits, out.headers);
    GMimeObject* body = g_mime_message_get_mime_part(msg);
    if (body) {
      out.content_type = type_of(body);
      if (out.content_type == "multipart/report") {
        const char* rt =
            g_mime_content_type_get_parameter(g_mime_object_get_content_type(body), "report-type");
        if (rt) out.report_type = core::to_lower(rt);
      }
      Walk w{limits, out};
      walk(w, body, 0, 0, nullptr);
    }
    g_object_unref(msg);
  }
  g_object_unref(parser);
  g_object_unref(stream);
  return out;
}

std::string html_to_text(std::string_view html, size_t max_bytes) {
  std::string out;
  out.reserve(std::min(html.size(), max_bytes));
  const size_t n = html.size();
  size_t i = 0;
  auto skip_block = [&](std::string_view close) {
    size_t end = core::ifind(html, close, i);
    i = end == std::string_view::npos ? n : end + close.size();
  };
  auto at = [&](std::string_view prefix) {
    return core::istarts_with(html.substr(i, prefix.size()), prefix);
  };
  while (i < n && out.size() < max_bytes) {
    size_t j = i;  // plain text runs to the next tag or entity: copied as it is
    while (j < n && html[j] != '<' && html[j] != '&') ++j;
    if (j > i) {
      out.append(html.data() + i, std::min(j - i, max_bytes - out.size()));
      i = j;
      continue;
    }
    if (html[i] == '<') {
      if (at("<style")) { skip_block("</style>"); continue; }
      if (at("<script")) { skip_block("</script>"); continue; }
      if (at("<!--")) { skip_block("-->"); continue; }
      bool block = false;
      switch (i + 1 < n ? core::ascii_lower(html[i + 1]) : '\0') {
        case 'b': block = at("<br"); break;
        case 'p': block = true; break;
        case 'd': block = at("<div"); break;
        case 't': block = at("<tr"); break;
        case 'l': block = at("<li"); break;
        case '/': block = at("</p") || at("</tr") || at("</h"); break;
        default: break;
      }
      size_t end = html.find('>', i);
      // An unterminated tag ends the text; only a closed tag's attributes are read.
      std::string_view tag = end == std::string_view::npos ? std::string_view() : html.substr(i, end - i);
      i = end == std::string_view::npos ? n : end + 1;
      out.push_back(block ? '\n' : ' ');
      // Keep link targets: what a message advertises is often only in an href.
      for (std::string_view attr : {"href=", "src="}) {
        size_t a = core::ifind(tag, attr);
        if (a == std::string_view::npos) continue;
        std::string_view v = tag.substr(a + attr.size());
        char quote = !v.empty() && (v[0] == '"' || v[0] == '\'') ? v[0] : 0;
        if (quote) v.remove_prefix(1);
        size_t stop = quote ? v.find(quote) : v.find_first_of(" \t\r\n");
        out.append(v.substr(0, std::min(stop, v.size())));
        out.push_back(' ');
      }
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&lt;", '<'}, {"&gt;", '>'}, {"&amp;", '&'}, {"&quot;", '"'}, {"&nbsp;", ' '},
        {"&#39;", '\''}, {"&#64;", '@'}};
    char decoded = '&';
    size_t used = 1;
    for (auto [name, ch] : kEntities) {
      if (at(name)) {
        decoded = ch;
        used = name.size();
        break;
      }
    }
    out.push_back(decoded);
    i += used;
  }
  return out;
}

}  // namespace backstop::message
