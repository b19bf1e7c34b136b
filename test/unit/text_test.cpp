// text_test.cpp - UTF-8 validation and escaping (common/text.h), and the stderr log that uses it.
#include <catch2/catch.hpp>

#include <string>

#include "common/log.h"
#include "common/text.h"
#include "test/unit/stderr_capture.h"

namespace {
std::string escaped(const std::string& text) {
    std::string storage;
    return std::string(as_utf8(text, storage));
}
}  // namespace

TEST_CASE("is_utf8 and as_utf8: well-formed sequences are kept byte for byte", "[text]") {
    const std::string valid[] = {
        "",
        "/tv.ts?a=1&b=%20",
        std::string("nul \0 and del \x7f", 15),
        "\xc2\x80 \xc3\xa9 \xdf\xbf",                  // 2 bytes: U+0080, é, U+07FF
        "\xe0\xa0\x80 \xe2\x82\xac \xed\x9f\xbf \xef\xbf\xbf",  // 3 bytes: U+0800, €, U+D7FF, U+FFFF
        "\xf0\x90\x80\x80 \xf0\x9f\x98\x80 \xf4\x8f\xbf\xbf",   // 4 bytes: U+10000, 😀, U+10FFFF
    };
    for (const std::string& text : valid) {
        INFO(text);
        CHECK(is_utf8(text));
        std::string storage;
        const std::string_view out = as_utf8(text, storage);
        CHECK(out == text);
        CHECK(out.data() == text.data());  // no copy
    }
}

TEST_CASE("as_utf8: every byte outside a well-formed sequence becomes \\xHH, the rest stays", "[text]") {
    struct Case {
        const char* what;
        std::string in, out;
    };
    const Case cases[] = {
        {"bytes never in UTF-8", "/\xff\xfe", "/\\xff\\xfe"},
        {"F5 and above", "\xf5\x80\x80\x80", "\\xf5\\x80\\x80\\x80"},
        {"a lone continuation byte", "a\x80z", "a\\x80z"},
        {"overlong 2 bytes (C0 AF = '/')", "\xc0\xaf", "\\xc0\\xaf"},
        {"overlong 2 bytes (C1 BF)", "\xc1\xbf", "\\xc1\\xbf"},
        {"overlong 3 bytes (E0 80 AF = '/')", "\xe0\x80\xaf", "\\xe0\\x80\\xaf"},
        {"overlong 4 bytes (F0 80 80 AF = '/')", "\xf0\x80\x80\xaf", "\\xf0\\x80\\x80\\xaf"},
        {"a UTF-16 surrogate (ED A0 80 = U+D800)", "\xed\xa0\x80", "\\xed\\xa0\\x80"},
        {"past U+10FFFF (F4 90 80 80)", "\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},
        {"truncated at the end", "ok\xe2\x82", "ok\\xe2\\x82"},
        {"truncated before ASCII", "\xe2\x82" "A", "\\xe2\\x82A"},
        {"truncated 4-byte before a valid é", "\xf0\x9f\x98\xc3\xa9", "\\xf0\\x9f\\x98\xc3\xa9"},
        {"valid around invalid", "\xe2\x82\xac\xff\xe2\x82\xac", "\xe2\x82\xac\\xff\xe2\x82\xac"},
    };
    for (const Case& c : cases) {
        INFO(c.what);
        CHECK_FALSE(is_utf8(c.in));
        CHECK(escaped(c.in) == c.out);
        CHECK(is_utf8(escaped(c.in)));
    }
}

TEST_CASE("LogLine: a value that is not UTF-8 is logged with \\xHH escapes, quoted or not", "[text]") {
    StderrCapture captured;
    LogLine(LogLevel::warn, "utf8_probe").kv("path", "/\xff\xc3\xa9").kv("reason", "bad \xc0\xaf here");
    const auto lines = captured.lines_with("event=utf8_probe");
    REQUIRE(lines.size() == 1);
    CHECK(is_utf8(lines[0]));
    CHECK(lines[0].find("path=/\\xff\xc3\xa9 ") != std::string::npos);
    // Inside quotes a backslash is doubled, as for any value.
    CHECK(lines[0].find("reason=\"bad \\\\xc0\\\\xaf here\"") != std::string::npos);
}

TEST_CASE("LogLine: a control character in a value is escaped inside quotes, so one event stays one line", "[text]") {
    StderrCapture captured;
    LogLine(LogLevel::warn, "newline_probe").kv("path", "/a\nevent=forged").kv("ua", "x\ry\x7f");
    const auto lines = captured.lines_with("event=newline_probe");
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find("path=\"/a\\x0aevent=forged\"") != std::string::npos);
    CHECK(lines[0].find("ua=\"x\\x0dy\\x7f\"") != std::string::npos);
    CHECK(captured.lines_with("event=forged").size() == 1);  // only inside the one line
}

TEST_CASE("percent_encode: unreserved characters and '/' stay, the rest becomes %HH", "[text]") {
    CHECK(percent_encode("/tv.ts") == "/tv.ts");
    CHECK(percent_encode("/a b&c=d?e#f") == "/a%20b%26c%3Dd%3Fe%23f");
    CHECK(percent_encode("\xc3\xa4-_.~") == "%C3%A4-_.~");
}
