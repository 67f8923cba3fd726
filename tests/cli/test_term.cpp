// terminal_safe and the output filter (cli/term.hpp): no byte from outside reaches a
// terminal as a control sequence, valid UTF-8 stays readable, only style()'s colours pass.
#include <catch2/catch.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>

#include "cli/term.hpp"

using nxp::cli::json_terminal_safe;
using nxp::cli::redact_url_credentials;
using nxp::cli::style;
using nxp::cli::terminal_safe;

namespace {

// Whether a terminal could act on anything in `s` other than printing it: C0 controls
// (newline and tab allowed unless one_line), DEL, C1 controls (raw or UTF-8 encoded),
// bidi overrides, or bytes that are not UTF-8.
bool printable_only(const std::string& s, bool one_line) {
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == '\n' || c == '\t') {
            if (one_line) return false;
            continue;
        }
        if (c < 0x20 || c == 0x7f) return false;
        if (c < 0x80) continue;
        int len = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
        if (len == 0 || c > 0xf4 || i + len > s.size()) return false;
        std::uint32_t cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
        for (int k = 1; k < len; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d & 0xc0) != 0x80) return false;
            cp = (cp << 6) | (d & 0x3f);
        }
        if (cp <= 0x9f || (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069))
            return false;
        if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
            (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
            return false;
        i += len - 1;
    }
    return true;
}

}  // namespace

TEST_CASE("control characters are escaped visibly, UTF-8 is kept", "[term]") {
    CHECK(terminal_safe("plain text, ünïcödé ✓ 日本") == "plain text, ünïcödé ✓ 日本");
    CHECK(terminal_safe("a\x1b[31mred\x1b[0m") == "a\\e[31mred\\e[0m");
    CHECK(terminal_safe("\x1b]0;pwned\x07") == "\\e]0;pwned\\a");
    CHECK(terminal_safe("over\rwrite") == "over\\rwrite");
    CHECK(terminal_safe("back\bspace\x7f") == "back\\bspace\\x7f");
    CHECK(terminal_safe(std::string("nul\0byte", 8)) == "nul\\x00byte");
    CHECK(terminal_safe("two\nlines\ttab") == "two\nlines\ttab");
    CHECK(terminal_safe("two\nlines\ttab", true) == "two\\nlines\\ttab");
    CHECK(terminal_safe("c1 \xc2\x9b"
                        "2J") == "c1 \\u009b2J");  // CSI as UTF-8
    CHECK(terminal_safe("raw \x9b"
                        "2J") == "raw \\x9b2J");  // CSI as a lone byte
    CHECK(terminal_safe("bidi \xe2\x80\xae"
                        "txt.exe") == "bidi \\u202etxt.exe");
    CHECK(terminal_safe("isolate \xe2\x81\xa6") == "isolate \\u2066");
    CHECK(terminal_safe("overlong \xc0\xaf") == "overlong \\xc0\\xaf");
    CHECK(terminal_safe("surrogate \xed\xa0\x80") == "surrogate \\xed\\xa0\\x80");
    CHECK(terminal_safe("cut \xe2\x9c") == "cut \\xe2\\x9c");
    CHECK(terminal_safe("big \xf4\x90\x80\x80") == "big \\xf4\\x90\\x80\\x80");
}

TEST_CASE("only colours made by style() reach the terminal as escape sequences", "[term]") {
    const std::string painted = style("error", "1;31");
    CHECK(terminal_safe(painted) == "\x1b[1;31merror\x1b[0m");
    // Hostile text inside a painted string stays escaped.
    CHECK(terminal_safe(style("x\x1b]0;t\x07", "33")) == "\x1b[33mx\\e]0;t\\a\x1b[0m");
    // A forged marker without the key is just an escaped ESC.
    CHECK(terminal_safe("\x1b"
                        "deadbeef31m") == "\\edeadbeef31m");
    // style() refuses anything but an SGR parameter list.
    CHECK(style("x", "2J\x1b") == "x");
    // Printing a painted string twice through the filter (a table of painted cells) leaves
    // the already-made sequence escaped, not doubled into a live one from text.
    CHECK(printable_only(terminal_safe(terminal_safe(painted)), false));
}

TEST_CASE("random bytes never come out as control sequences", "[term]") {
    std::mt19937 rng(1234);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 2000; ++round) {
        std::string s;
        const int n = 1 + round % 64;
        for (int i = 0; i < n; ++i) s += static_cast<char>(byte(rng));
        INFO("round " << round);
        CHECK(printable_only(terminal_safe(s), false));
        CHECK(printable_only(terminal_safe(s, true), true));
        // Escaping is stable: what is already safe is left alone.
        CHECK(terminal_safe(terminal_safe(s)) == terminal_safe(s));
    }
}

TEST_CASE("the output filter escapes everything written to std::cout and std::cerr", "[term]") {
    // Capture what the filter writes by putting a string buffer under it.
    std::stringstream out_sink, err_sink;
    auto* old_out = std::cout.rdbuf(out_sink.rdbuf());
    auto* old_err = std::cerr.rdbuf(err_sink.rdbuf());
    nxp::cli::install_output_filter();
    std::cout << "name: evil\x1b[2J";
    std::cout << "\xe2\x9c";  // a UTF-8 sequence split across two writes
    std::cout << "\x93 ok\n" << std::flush;
    std::cerr << "nxp: " << style("bad", "31") << " \x1b]0;title\x07\n";
    nxp::cli::write_json_stdout("{\"json\": \"\\u001b\"}\n");
    std::cout.flush();
    std::cerr.flush();
    std::cout.rdbuf(old_out);  // the sinks die with this scope; Catch2 reports on std::cout
    std::cerr.rdbuf(old_err);
    const std::string out = out_sink.str(), err = err_sink.str();
    CHECK(out == "name: evil\\e[2J✓ ok\n{\"json\": \"\\u001b\"}\n");
    CHECK(err == "nxp: \x1b[31mbad\x1b[0m \\e]0;title\\a\n");
}

TEST_CASE("credentials in URLs are redacted", "[term]") {
    CHECK(redact_url_credentials("https://alice:s3cret@example.org/repo") ==
          "https://alice:••••@example.org/repo");
    CHECK(redact_url_credentials("https://ghp_TOKEN@github.com/x") == "https://••••@github.com/x");
    CHECK(redact_url_credentials("https://example.org/a@b") == "https://example.org/a@b");
    CHECK(redact_url_credentials("ssh -o x http://u:p@h1/ and ftp://v:q@h2") ==
          "ssh -o x http://u:••••@h1/ and ftp://v:••••@h2");
    CHECK(redact_url_credentials("https://u:p@ss@host/") == "https://u:••••@host/");
    CHECK(redact_url_credentials("no url here") == "no url here");
}

TEST_CASE("JSON output: the same document, with nothing a terminal acts on", "[term]") {
    CHECK(json_terminal_safe("{\"s\": \"a\x7f\xc2\x9b\xe2\x80\xae é\"}") ==
          "{\"s\": \"a\\u007f\\u009b\\u202e é\"}");
    std::mt19937 rng(99);
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 1000; ++round) {
        std::string s;
        for (int i = 0; i < 1 + round % 40; ++i) s += static_cast<char>(byte(rng));
        const nlohmann::json doc{{"name", s}, {"list", {s, "ok"}}};
        const std::string text = doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
        const std::string safe = json_terminal_safe(text);
        INFO("round " << round);
        CHECK(printable_only(safe, false));
        CHECK(nlohmann::json::parse(safe) == nlohmann::json::parse(text));
    }
}
