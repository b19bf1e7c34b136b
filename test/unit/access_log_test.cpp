// access_log_test.cpp - the access log's JSON stays valid UTF-8 whatever the client sent.
#include <catch2/catch.hpp>

#include <rapidjson/document.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/text.h"
#include "server/http/access_log.h"
#include "test/unit/stderr_capture.h"

using namespace std::chrono;

namespace {

AccessEntry entry(const std::string& path) {
    AccessEntry e;
    e.start = system_clock::time_point{} + hours(24 * 365 * 56);
    e.client = "127.0.0.1:4000";
    e.method = "GET";
    e.path = path;
    e.status = 404;
    return e;
}

// Parses `json` as RapidJSON does when asked to check the encoding.
rapidjson::Document parse_strict(const std::string& json) {
    rapidjson::Document document;
    document.Parse<rapidjson::kParseValidateEncodingFlag>(json.c_str(), json.size());
    INFO(json);
    REQUIRE_FALSE(document.HasParseError());
    REQUIRE(document.IsObject());
    return document;
}

std::string member(const rapidjson::Document& document, const char* key) {
    INFO(key);
    REQUIRE(document.HasMember(key));
    return std::string(document[key].GetString(), document[key].GetStringLength());
}

}  // namespace

TEST_CASE("AccessLog::to_json: bytes that are not UTF-8 are escaped, the line parses as strict JSON", "[access_log]") {
    AccessEntry e = entry("/\xff\xfe/\xc0\xaf/\xe0\x80\xaf/\xed\xa0\x80/\xe2\x82");
    e.user = "\xf4\x90\x80\x80";
    e.forwarded_for = "10.0.0.1\x80";
    e.reason = "cut \xf0\x9f\x98";
    const std::string json = AccessLog::to_json(e);
    CHECK(is_utf8(json));
    const rapidjson::Document d = parse_strict(json);
    CHECK(member(d, "path") == "/\\xff\\xfe/\\xc0\\xaf/\\xe0\\x80\\xaf/\\xed\\xa0\\x80/\\xe2\\x82");
    CHECK(member(d, "user") == "\\xf4\\x90\\x80\\x80");
    CHECK(member(d, "forwarded_for") == "10.0.0.1\\x80");
    CHECK(member(d, "reason") == "cut \\xf0\\x9f\\x98");
    CHECK(d["status"].GetInt() == 404);
}

TEST_CASE("AccessLog::to_json: valid multibyte UTF-8 is written as it is", "[access_log]") {
    const std::string path = "/cha\xc3\xaene/\xe2\x82\xac/\xf0\x9f\x98\x80/\xf4\x8f\xbf\xbf";
    const std::string json = AccessLog::to_json(entry(path));
    CHECK(json.find(path) != std::string::npos);  // not \u escapes, not \x escapes
    CHECK(member(parse_strict(json), "path") == path);
}

