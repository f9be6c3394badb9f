// MIME field values and part contents as GMime 3.2 hands them to its objects; see
// mime_fields.h. Untrusted bytes: every scan is bounded by its input. Encoded words, RFC 2231
// and 8-bit parameters, the transfer-encoding decoders and charset conversion stay GMime's.
#include "message/mime_fields.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <iconv.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <array>
#include <cstring>
#include <utility>
#include <vector>

#include "core/text.h"

namespace backstop::message::mime_fields {
namespace {

using core::iequals;
constexpr size_t npos = std::string_view::npos;

// RFC 2045 token characters as GMime has them (gen-table.c): 8-bit bytes are token characters.
constexpr std::array<bool, 256> kTspecials = [] {
  std::array<bool, 256> t{};
  for (char c : std::string_view("()<>@,;:\\\"/[]?=")) t[static_cast<unsigned char>(c)] = true;
  return t;
}();
constexpr bool is_ttoken(unsigned char c) {
  return !is_ctrl(c) && !is_lwsp(c) && !kTspecials[c];
}

constexpr bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// Where, at or after i, a run of whitespace starts that is not a single space (a tab, CR or LF,
// or a space before more whitespace); s.size() if none. 16 bytes at a time.
size_t next_irregular_space(std::string_view s, size_t i) {
  const size_t n = s.size();
#if defined(__SSE2__)
  auto ctl = [](__m128i v) {
    return _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\t')),
                        _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\r')),
                                     _mm_cmpeq_epi8(v, _mm_set1_epi8('\n'))));
  };
  for (; i + 17 <= n; i += 16) {
    __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i + 1));
    __m128i sp = _mm_set1_epi8(' ');
    __m128i next_space = _mm_or_si128(ctl(next), _mm_cmpeq_epi8(next, sp));
    __m128i irregular = _mm_or_si128(ctl(v), _mm_and_si128(_mm_cmpeq_epi8(v, sp), next_space));
    if (unsigned m = static_cast<unsigned>(_mm_movemask_epi8(irregular)))
      return i + static_cast<size_t>(__builtin_ctz(m));
  }
#endif
  for (; i < n; ++i) {
    char c = s[i];
    if (c == '\t' || c == '\r' || c == '\n' || (c == ' ' && i + 1 < n && is_space(s[i + 1])))
      return i;
  }
  return n;
}

// CFWS (RFC 5322 3.2.2): whitespace and nested comments. Like GMime, leaves i untouched when a
// comment is not closed.
bool skip_cfws(std::string_view s, size_t& i) {
  size_t p = i;
  while (p < s.size() && is_lwsp(s[p])) ++p;
  while (p < s.size() && s[p] == '(') {
    int depth = 1;
    for (++p; p < s.size() && depth > 0; ++p) {
      if (s[p] == '\\' && p + 1 < s.size())
        ++p;
      else if (s[p] == '(')
        ++depth;
      else if (s[p] == ')')
        --depth;
    }
    if (depth > 0) return false;
    while (p < s.size() && is_lwsp(s[p])) ++p;
  }
  i = p;
  return true;
}

// g_mime_content_encoding_from_string: a known name followed by the end or whitespace.
GMimeContentEncoding encoding_of(std::string_view s) {
  size_t i = 0;
  while (i < s.size() && is_lwsp(s[i])) ++i;
  s.remove_prefix(i);
  auto is = [&](std::string_view name) {
    return s.size() >= name.size() && iequals(s.substr(0, name.size()), name) &&
           (s.size() == name.size() || is_lwsp(s[name.size()]));
  };
  if (is("7bit") || is("7-bit")) return GMIME_CONTENT_ENCODING_7BIT;
  if (is("8bit") || is("8-bit")) return GMIME_CONTENT_ENCODING_8BIT;
  if (is("binary")) return GMIME_CONTENT_ENCODING_BINARY;
  if (is("base64")) return GMIME_CONTENT_ENCODING_BASE64;
  if (is("quoted-printable")) return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
  if (is("uuencode") || is("x-uuencode") || is("x-uue")) return GMIME_CONTENT_ENCODING_UUENCODE;
  return GMIME_CONTENT_ENCODING_DEFAULT;
}

// A field's value as GMime hands it to a MIME object: unfolded (RFC 5322 2.2.3; surrounding
// whitespace trimmed, CR and LF dropped), then RFC 2047 words and 8-bit text decoded by GMime.
// gmime, if given, is set when the value has those or a '*' (RFC 2231): its parameters are
// then left to GMime's parser too.
std::string field_value(std::string_view raw, bool* gmime = nullptr) {
  size_t a = 0, b = raw.size();
  while (a < b && is_lwsp(raw[a])) ++a;
  while (b > a && is_lwsp(raw[b - 1])) --b;
  std::string out(b - a, '\0');
  size_t o = 0;
  bool high = false, word = false, asterisk = false;  // one pass: what needs GMime, too
  for (size_t k = a; k < b; ++k) {
    char c = raw[k];
    if (c == '\r' || c == '\n') continue;
    high |= static_cast<unsigned char>(c) >= 0x80;
    word |= c == '?' && o > 0 && out[o - 1] == '=';
    asterisk |= c == '*';
    out[o++] = c;
  }
  out.resize(o);
  if (high || word) {
    if (char* d = g_mime_utils_header_decode_text(nullptr, out.c_str())) {
      out = d;
      g_free(d);
    }
  }
  if (gmime) *gmime = asterisk || high || word;
  return out;
}

std::optional<std::string> quoted_value(std::string_view v, size_t& p) {
  size_t start = p++;
  bool unescape = false;
  while (p < v.size() && v[p] != '"') {
    if (v[p++] == '\\' && p < v.size()) {
      unescape = true;
      ++p;
    }
  }
  std::string out;
  if (p < v.size()) {
    out.assign(v.substr(start + 1, p - start - 1));
    ++p;
  } else {
    out.assign(v.substr(start, p - start));  // not closed: GMime keeps the opening quote
  }
  if (unescape) {
    size_t w = 0;
    for (size_t r = 0; r < out.size();) {
      if (out[r] == '\\') ++r;
      if (r < out.size()) out[w++] = out[r++];
    }
    out.resize(w);
  }
  return out;
}

// A value in GMime's loose mode: a quoted string, else everything up to ';' (trimmed).
std::optional<std::string> param_value(std::string_view v, size_t& p) {
  skip_cfws(v, p);
  if (p < v.size() && v[p] == '"') return quoted_value(v, p);
  size_t q = p;
  skip_cfws(v, q);
  size_t start = q;
  while (q < v.size() && v[q] != ';') ++q;
  while (q > start && is_lwsp(v[q - 1])) --q;
  if (q == start) return std::nullopt;
  p = q;
  return std::string(v.substr(start, q - start));
}

// GMime's decode_param_list for the plain case (no RFC 2231 '*', encoded word or 8-bit byte,
// which GMime reads itself; see field_value): a parameter without a
// value ends the list.
void read_params(std::string_view v, size_t i, Params& out) {
  do {
    skip_cfws(v, i);
    if (i >= v.size()) break;
    size_t p = i;
    std::string_view name;
    {
      size_t q = p;
      skip_cfws(v, q);
      size_t start = q;
      while (q < v.size() && is_ttoken(v[q]) && v[q] != '*') ++q;
      if (q > start) {
        name = v.substr(start, q - start);
        skip_cfws(v, q);
        p = q;
      }
    }
    std::optional<std::string> value;
    if (p < v.size() && v[p] == '=') {
      ++p;
      value = param_value(v, p);
    }
    if (name.empty() || !value) {
      skip_cfws(v, i);
      if (i < v.size() && v[i] == ';') continue;
      break;
    }
    i = p;
    out.set(name, std::move(*value));
    skip_cfws(v, i);
  } while (i < v.size() && v[i++] == ';');
}

void params_from_gmime(GMimeParamList* list, Params& out) {
  if (!list) return;
  int n = g_mime_param_list_length(list);
  for (int k = 0; k < n; ++k) {
    GMimeParam* p = g_mime_param_list_get_parameter_at(list, k);
    const char* name = g_mime_param_get_name(p);
    const char* value = g_mime_param_get_value(p);
    if (name && value) out.set(name, value);
  }
}

// "type/subtype" in lower case.
std::string lower_type(std::string_view type, std::string_view subtype) {
  std::string out(type.size() + 1 + subtype.size(), '/');
  for (size_t k = 0; k < type.size(); ++k) out[k] = core::ascii_lower(type[k]);
  for (size_t k = 0; k < subtype.size(); ++k)
    out[type.size() + 1 + k] = core::ascii_lower(subtype[k]);
  return out;
}

std::string decode_as(std::string_view content, GMimeContentEncoding encoding) {
  switch (encoding) {
    case GMIME_CONTENT_ENCODING_BASE64:
    case GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE: {
      GMimeEncoding state;
      g_mime_encoding_init_decode(&state, encoding);
      std::string out(g_mime_encoding_outlen(&state, content.size()) + 3, '\0');
      size_t n = g_mime_encoding_step(&state, content.data(), content.size(), out.data());
      n += g_mime_encoding_flush(&state, content.data() + content.size(), 0, out.data() + n);
      out.resize(n);
      return out;
    }
    case GMIME_CONTENT_ENCODING_UUENCODE: {
      // GMime's filter looks for the "begin" line block by block; let it do exactly that.
      GMimeStream* src = g_mime_stream_mem_new_with_buffer(content.data(), content.size());
      GMimeDataWrapper* wrapper = g_mime_data_wrapper_new_with_stream(src, encoding);
      GMimeStream* dst = g_mime_stream_mem_new();
      g_mime_data_wrapper_write_to_stream(wrapper, dst);
      GByteArray* bytes = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(dst));
      std::string out(reinterpret_cast<const char*>(bytes->data), bytes->len);
      g_object_unref(dst);
      g_object_unref(wrapper);
      g_object_unref(src);
      return out;
    }
    default:
      return std::string(content);
  }
}

// What GMime's charset filter (g_mime_text_part_get_text) makes of text in charset: invalid
// bytes are dropped one at a time, an incomplete sequence at the end is dropped.
// Converters to UTF-8 opened by g_mime_iconv_open, kept per thread (GMime 3.2 opens one per
// part; the open was as dear as the conversion). Reset to the initial state before each use.
class Converters {
 public:
  ~Converters() {
    for (auto& [name, cd] : open_)
      if (cd != (iconv_t)-1) g_mime_iconv_close(cd);
  }
  iconv_t get(const std::string& charset) {
    for (auto& [name, cd] : open_) {
      if (name != charset) continue;
      if (cd != (iconv_t)-1) iconv(cd, nullptr, nullptr, nullptr, nullptr);
      return cd;
    }
    iconv_t cd = g_mime_iconv_open("utf-8", charset.c_str());
    if (open_.size() < kMax)
      open_.emplace_back(charset, cd);
    else
      owned_ = cd;  // past kMax: closed after this use
    return cd;
  }
  void release(iconv_t cd) {
    if (cd == owned_ && cd != (iconv_t)-1) g_mime_iconv_close(cd);
    owned_ = (iconv_t)-1;
  }

 private:
  static constexpr size_t kMax = 16;
  std::vector<std::pair<std::string, iconv_t>> open_;
  iconv_t owned_ = (iconv_t)-1;
};

thread_local Converters t_converters;

}  // namespace

void Params::set(std::string_view key, std::string value) {
  std::optional<std::string>* slot = nullptr;
  if (iequals(key, "boundary"))
    slot = &boundary;
  else if (iequals(key, "charset"))
    slot = &charset;
  else if (iequals(key, "report-type"))
    slot = &report_type;
  else if (iequals(key, "name"))
    slot = &name;
  else if (iequals(key, "filename"))
    slot = &filename;
  if (slot && !*slot) *slot = std::move(value);
}

std::string_view cut_at_nul(std::string_view s) {
  size_t z = s.find('\0');
  return z == npos ? s : s.substr(0, z);
}

// core::collapse_space, same result: runs of whitespace become one space, none at the ends.
// Most values need only their ends trimmed and folded ones a few runs replaced; byte by byte,
// this was a quarter of the reader's time.
std::string collapse(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && is_space(s[a])) ++a;
  while (b > a && is_space(s[b - 1])) --b;
  s = s.substr(a, b - a);
  size_t run = next_irregular_space(s, 0);
  if (run == s.size()) return std::string(s);
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (true) {  // single-spaced stretches as they are, each other run as one space
    out.append(s.data() + i, run - i);
    if (run == s.size()) break;
    i = run;
    while (is_space(s[i])) ++i;  // the trimmed end is no space: the run ends inside s
    out.push_back(' ');
    run = next_irregular_space(s, i);
  }
  return out;
}

// "type/subtype" at i (RFC 2045 5.1), as g_mime_parse_content_type reads it: the type may be
// empty, the subtype may not. On success i is just past the subtype.
bool parse_media_type(std::string_view s, size_t& i, std::string_view& type,
                      std::string_view& subtype) {
  size_t p = i;
  skip_cfws(s, p);
  size_t start = p;
  while (p < s.size() && is_ttoken(s[p])) ++p;
  type = s.substr(start, p - start);
  skip_cfws(s, p);
  if (p >= s.size() || s[p] != '/') return false;
  ++p;
  skip_cfws(s, p);
  start = p;
  while (p < s.size() && is_ttoken(s[p])) ++p;
  if (p == start) return false;
  subtype = s.substr(start, p - start);
  i = p;
  return true;
}

ObjectType object_type(std::string_view parser_type, std::string_view parser_subtype,
                       const std::string_view* field) {
  ObjectType o;
  if (!field) {  // no field: the parser's default, as g_mime_content_type_new makes it
    o.type = lower_type(parser_type, parser_subtype);
    return o;
  }
  bool gmime = false;
  std::string value = field_value(*field, &gmime);
  if (gmime) {  // RFC 2231 parameters, encoded words or 8-bit bytes: GMime's own parser
    GMimeContentType* ct = g_mime_content_type_parse(nullptr, value.c_str());
    const char* t = g_mime_content_type_get_media_type(ct);
    const char* s = g_mime_content_type_get_media_subtype(ct);
    o.type = lower_type(t ? t : "text", s ? s : "plain");
    o.digest = g_mime_content_type_is_type(ct, "multipart", "digest");
    params_from_gmime(g_mime_content_type_get_parameters(ct), o.params);
    g_object_unref(ct);
    return o;
  }
  size_t i = 0;
  std::string_view type, subtype;
  if (!parse_media_type(value, i, type, subtype)) {
    o.type = "application/octet-stream";
    return o;
  }
  o.type = lower_type(type, subtype);
  o.digest = iequals(type, "multipart") && iequals(subtype, "digest");
  skip_cfws(value, i);
  while (i < value.size() && value[i] != ';') ++i;
  if (i + 1 < value.size()) read_params(value, i + 1, o.params);
  return o;
}

// g_mime_part_get_filename: Content-Disposition's filename, else Content-Type's name.
std::string filename(const std::string_view* disposition, const ObjectType& type) {
  if (disposition) {
    bool gmime = false;
    std::string value = field_value(*disposition, &gmime);
    Params params;
    if (gmime) {
      GMimeContentDisposition* d = g_mime_content_disposition_parse(nullptr, value.c_str());
      params_from_gmime(g_mime_content_disposition_get_parameters(d), params);
      g_object_unref(d);
    } else {
      size_t i = value.find(';');
      if (i != npos && i + 1 < value.size()) read_params(value, i + 1, params);
    }
    if (params.filename) return *params.filename;
  }
  return type.params.name ? *type.params.name : std::string();
}

std::string to_utf8(std::string_view in, const std::string& charset) {
  iconv_t cd = t_converters.get(charset);
  if (cd == (iconv_t)-1) return std::string(in);
  std::string out(in.size() * 2 + 16, '\0');
  char* inp = const_cast<char*>(in.data());
  size_t inleft = in.size();
  size_t used = 0;
  auto grow = [&] { out.resize(out.size() * 2); };
  bool raw = false;
  while (inleft > 0) {
    char* outp = out.data() + used;
    size_t outleft = out.size() - used;
    size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
    used = out.size() - outleft;
    if (r != (size_t)-1) continue;
    if (errno == E2BIG)
      grow();
    else if (errno == EILSEQ)
      ++inp, --inleft;
    else if (errno == EINVAL)
      break;
    else {
      raw = true;
      break;
    }
  }
  while (true) {
    char* outp = out.data() + used;
    size_t outleft = out.size() - used;
    size_t r = iconv(cd, nullptr, nullptr, &outp, &outleft);
    used = out.size() - outleft;
    if (r != (size_t)-1 || errno != E2BIG) break;
    grow();
  }
  t_converters.release(cd);
  if (raw) return std::string(in);
  out.resize(used);
  return out;
}

bool opaque_message(std::string_view transfer_encoding) {
  GMimeContentEncoding e = encoding_of(transfer_encoding);
  return e == GMIME_CONTENT_ENCODING_BASE64 || e == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
         e == GMIME_CONTENT_ENCODING_UUENCODE;
}

std::string decode(std::string_view content, const std::string_view* transfer_encoding) {
  return decode_as(content, transfer_encoding ? encoding_of(field_value(*transfer_encoding))
                                              : GMIME_CONTENT_ENCODING_DEFAULT);
}

bool is_text_like(std::string_view type) {
  return type.starts_with("text/") || type == "message/delivery-status" ||
         type == "message/global-delivery-status" || type == "message/feedback-report" ||
         type == "message/disposition-notification" ||
         type == "message/global-disposition-notification" || type == "message/global-headers";
}

bool is_headers_only_type(std::string_view type) {
  return type == "text/rfc822-headers" || type == "message/global-headers" ||
         type == "text/rfc822-header";
}

}  // namespace backstop::message::mime_fields
