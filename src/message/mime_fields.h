// MIME field values and part contents as GMime 3.2 hands them to its objects, for the reader in
// fast_mime.cpp: header values, Content-Type and Content-Disposition with their parameters
// (RFC 2045 5.1, RFC 2183), transfer encodings (RFC 2045 6) and text in other charsets.
// Input is untrusted field and part bytes; every scan is bounded by them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace backstop::message::mime_fields {

// Character classes as GMime defines them (gen-table.c).
constexpr bool is_ctrl(unsigned char c) {
  return c < 32 || c == 127;
}
constexpr bool is_blank(unsigned char c) {
  return c == ' ' || c == '\t';
}
constexpr bool is_lwsp(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

// s up to its first NUL byte, where GMime's C strings end.
std::string_view cut_at_nul(std::string_view s);

// core::collapse_space(raw), the value of a header field as ParsedMessage keeps it.
std::string collapse(std::string_view raw);

// "type/subtype" at i as g_mime_parse_content_type reads it (comments and whitespace around the
// tokens; the type may be empty, the subtype may not). On success i is past the subtype.
bool parse_media_type(std::string_view s, size_t& i, std::string_view& type,
                      std::string_view& subtype);

// The parameters ParsedMessage needs, first occurrence of each, as GMime's loose parser finds
// them (a parameter without a value ends the list).
struct Params {
  std::optional<std::string> boundary, charset, report_type, name, filename;
  void set(std::string_view key, std::string value);
};

// The content type of a MIME object: from its last Content-Type field (its raw value), or when
// it has none, the type the parser chose.
struct ObjectType {
  std::string type;     // lower-case "type/subtype"; "application/octet-stream" if unreadable
  bool digest = false;  // multipart/digest: its parts default to message/rfc822
  Params params;
};
ObjectType object_type(std::string_view parser_type, std::string_view parser_subtype,
                       const std::string_view* field);

// g_mime_part_get_filename: the Content-Disposition filename, else the Content-Type name.
std::string filename(const std::string_view* disposition, const ObjectType& type);

// Whether a message/rfc822 part with this raw Content-Transfer-Encoding value is opaque to GMime
// (base64, quoted-printable or uuencode).
bool opaque_message(std::string_view transfer_encoding);

// A part's content decoded as its last Content-Transfer-Encoding field (raw value) says.
std::string decode(std::string_view content, const std::string_view* transfer_encoding);

// What g_mime_text_part_get_text makes of text in charset: converted to UTF-8 when iconv knows
// the charset (invalid bytes dropped one at a time, an incomplete sequence at the end dropped).
std::string to_utf8(std::string_view text, const std::string& charset);

// Parts whose decoded text the classifier reads (text/*, delivery and feedback reports).
bool is_text_like(std::string_view type);
// Parts that quote only a message's header (RFC 6522 text/rfc822-headers and its variants).
bool is_headers_only_type(std::string_view type);

}  // namespace backstop::message::mime_fields
