// config_program_test.cpp - a stream's program and PID selection keys (program, strip, audio, pids):
// what they set, and their one-line errors.
#include <catch2/catch.hpp>

#include "test/unit/config_test_support.h"

using namespace config_test;

TEST_CASE("Config: program, strip, audio and pids fill the stream's selection", "[config][program]") {
    const Config config = parse_ok(with_stream(R"json("program": 101, "strip": ["teletext", "subtitles", "data", "scte35"],
        "audio": ["DEU", "eng"], "pids": {"deny": [288, 290]})json"));
    const ProgramSelection& s = config.resources[0].selection;
    CHECK(s.program == std::optional<uint16_t>(101));
    CHECK((s.strip_teletext && s.strip_subtitles && s.strip_data && s.strip_scte35));
    CHECK(s.audio_languages == std::vector<std::string>{"deu", "eng"});
    CHECK(s.deny_pids == std::vector<uint16_t>{288, 290});
    CHECK_FALSE(s.has_allow);
    CHECK(s.describe() == "program=101 strip=teletext,subtitles,data,scte35 audio=deu,eng deny=288,290");

    const Config allow = parse_ok(with_stream(R"json("pids": {"allow": [256]})json"));
    CHECK(allow.resources[0].selection.has_allow);
    CHECK(allow.resources[0].selection.allow_pids == std::vector<uint16_t>{256});
    CHECK(parse_ok(with_stream("")).resources[0].selection.passes_everything());
    // A changed selection is a changed resource: a reload restarts the stream.
    CHECK(parse_ok(with_stream(R"json("program": 1)json")).resources[0] != parse_ok(with_stream(R"json("program": 2)json")).resources[0]);
}

TEST_CASE("Config: bad program and strip settings are one-line errors", "[config][program]") {
    CHECK(error_of(with_stream(R"json("strip": ["teletext", "video"])json")) ==
          "server.json: resources[0].strip[1]: unknown strip rule \"video\" (expected teletext, subtitles, data, scte35)");
    CHECK(error_of(with_stream(R"json("program": 0)json")) == "server.json: resources[0].program: must be a program number from 1 to 65535");
    CHECK(error_of(with_stream(R"json("program": 70000)json")) == "server.json: resources[0].program: must be a program number from 1 to 65535");
    CHECK(error_of(with_stream(R"json("audio": ["english"])json")) ==
          "server.json: resources[0].audio[0]: expected a 3-letter ISO 639 language code such as \"eng\", not \"english\"");
    CHECK(error_of(with_stream(R"json("pids": {"deny": [8191]})json")) == "server.json: resources[0].pids.deny[0]: PID 8191 is not from 0 to 8190");
    CHECK(error_of(with_stream(R"json("pids": {"deny": [1], "allow": [2]})json")) ==
          "server.json: resources[0].pids: give \"allow\" or \"deny\", not both");
    CHECK(error_of(R"json({"resources": [{"type": "api", "api": "health", "serve": "/h", "program": 1}]})json") ==
          "server.json: resources[0]: only a stream or a relay selects programs and streams (program, strip, audio, pids)");
}
