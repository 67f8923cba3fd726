#pragma once
// Terminal-safe output. Names, summaries, paths and messages come from indexes, manifests,
// archives, MCP servers and files nxp does not control; printed raw, a byte such as ESC
// would let them recolour, move the cursor, rewrite earlier lines, set the window title or
// worse. Every byte nxp prints for people goes through terminal_safe(), at one place: a
// filter installed on std::cout and std::cerr (install_output_filter), so that no command
// can forget it. JSON documents bypass the filter (write_json_stdout); JSON escaping already
// makes them safe.
#include <string>
#include <string_view>

#include "formats/redact.hpp"

namespace nxp::cli {

// `text` with control characters escaped: \e, \r, \a, \b, \f, \v, \0 and \xNN for the other
// C0 bytes and DEL, \u0080-\u009f for C1 controls, \u202a-\u202e and \u2066-\u2069 for the
// bidirectional overrides (text that reads differently from what it is), and \xNN for each
// byte that is not valid UTF-8. Valid UTF-8 is kept. Newlines and tabs are kept unless
// `one_line` (a table cell, a progress line), where they become \n and \t. The colour
// sequences made by style() — and only those — become real SGR sequences.
std::string terminal_safe(std::string_view text, bool one_line = false);

// `text` in the colour `sgr` ("31", "1;33", …) when printed through the filter. The escape
// sequence carries a per-process random key, so that a name cannot forge one: a colour
// code inside hostile text reaches the terminal as "\e[31m", never as a colour.
std::string style(std::string_view text, std::string_view sgr);

// Puts the terminal_safe filter in front of std::cout and std::cerr (once; idempotent).
void install_output_filter();

// A serialised JSON document with the characters JSON allows raw but a terminal may act on
// (DEL, C1 controls, bidirectional overrides; they only occur inside strings) written as
// \uXXXX escapes: the same document, printable.
std::string json_terminal_safe(std::string_view json_text);

// Writes a JSON document (already escaped by the JSON serialiser) to stdout after whatever
// human text is pending, bypassing the filter but through json_terminal_safe.
void write_json_stdout(std::string_view text);

// For history, the audit log and output (formats/redact.hpp).
using formats::redact_url_credentials;

}  // namespace nxp::cli
