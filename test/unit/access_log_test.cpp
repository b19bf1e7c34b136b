// access_log_test.cpp - the access log's JSON stays valid UTF-8 whatever the client sent, and a write
// that fails (a full device, a file size limit) is counted, reported at most once a minute, leaves no
// torn line, and is followed by a recovery line once writing works again.
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

// The clock that paces the stderr reports; tests move it by hand.
struct FakeClock {
    steady_clock::time_point now = steady_clock::time_point{} + hours(1);
    AccessLog::ClockFunction function() {
        return [this] { return now; };
    }
};

// A file in /tmp, removed at the end of the test.
struct TempFile {
    std::string path;
    TempFile() {
        char name[] = "/tmp/access_log_test_XXXXXX";
        close(mkstemp(name));
        path = name;
    }
    ~TempFile() { unlink(path.c_str()); }
    std::vector<std::string> lines() const {
        std::ifstream in(path);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) out.push_back(line);
        return out;
    }
    std::string text() const {
        std::ifstream in(path);
        std::ostringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

// Limits the size of every file this process writes (RLIMIT_FSIZE), as a full disk would; a write
// that crosses the limit is cut short, the next one fails with EFBIG.
class FileSizeLimit {
public:
    explicit FileSizeLimit(rlim_t bytes) {
        getrlimit(RLIMIT_FSIZE, &saved_);
        saved_handler_ = signal(SIGXFSZ, SIG_IGN);  // else the process is killed
        rlimit limit = saved_;
        limit.rlim_cur = bytes;
        setrlimit(RLIMIT_FSIZE, &limit);
    }
    ~FileSizeLimit() {
        setrlimit(RLIMIT_FSIZE, &saved_);
        signal(SIGXFSZ, saved_handler_);
    }

private:
    rlimit saved_{};
    sighandler_t saved_handler_;
};

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

TEST_CASE("AccessLog: failed writes are counted, and logged once a minute with the count since the last line",
          "[access_log]") {
    FakeClock clock;
    std::string error;
    auto log = AccessLog::open("/dev/full", error, nullptr, clock.function());  // every write: ENOSPC
    REQUIRE(log);
    StderrCapture captured;
    for (int i = 0; i < 3; ++i) log->write(entry("/a"));
    CHECK(log->write_failures() == 3);
    auto warnings = captured.lines_with("event=access_log_write_failed");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find(" warn ") != std::string::npos);
    CHECK(warnings[0].find("file=/dev/full lost_lines=1 total_lost=1 reason=\"No space left on device\"") !=
          std::string::npos);

    clock.now += seconds(59);
    log->write(entry("/a"));
    CHECK(captured.lines_with("event=access_log_write_failed").size() == 1);
    clock.now += seconds(1);
    log->write(entry("/a"));
    warnings = captured.lines_with("event=access_log_write_failed");
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[1].find("lost_lines=4 total_lost=5") != std::string::npos);
    CHECK(log->write_failures() == 5);
    CHECK(captured.lines_with("event=access_log_recovered").empty());
}

TEST_CASE("AccessLog: a line cut short is removed again; the next line that fits logs the recovery", "[access_log]") {
    TempFile file;
    std::string error;
    auto log = AccessLog::open(file.path, error);
    REQUIRE(log);
    // Long lines, so that the warning logged meanwhile (to a file, StderrCapture's) is well below the limit.
    const std::string path = "/" + std::string(400, 'a');
    const std::size_t line_size = AccessLog::to_json(entry(path)).size() + 1;
    StderrCapture captured;
    {
        FileSizeLimit limit(2 * line_size + line_size / 2);
        for (int i = 0; i < 4; ++i) log->write(entry(path));  // 2 fit, the 3rd is cut short, the 4th fails
    }
    CHECK(log->write_failures() == 2);
    CHECK(file.text().size() == 2 * line_size);  // no torn third line
    auto warnings = captured.lines_with("event=access_log_write_failed");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("lost_lines=1 total_lost=1 reason=\"File too large\"") != std::string::npos);

    log->write(entry("/b"));
    const auto recovered = captured.lines_with("event=access_log_recovered");
    REQUIRE(recovered.size() == 1);
    CHECK(recovered[0].find(" info ") != std::string::npos);
    CHECK(recovered[0].find("lost_lines=2 total_lost=2") != std::string::npos);
    const auto lines = file.lines();
    REQUIRE(lines.size() == 3);
    for (const std::string& line : lines) parse_strict(line);
    CHECK(member(parse_strict(lines[2]), "path") == "/b");
    log->write(entry("/c"));
    CHECK(captured.lines_with("event=access_log_recovered").size() == 1);  // once per outage
}

TEST_CASE("AccessLog: the log a reload opens keeps the count, the pacing and the outage of the one it replaces",
          "[access_log]") {
    FakeClock clock;
    TempFile file;
    std::string error;
    auto full = AccessLog::open("/dev/full", error, nullptr, clock.function());
    REQUIRE(full);
    StderrCapture captured;
    full->write(entry("/a"));
    full->write(entry("/a"));
    auto next = AccessLog::open(file.path, error, full.get());
    REQUIRE(next);
    CHECK(next->write_failures() == 2);
    full->write(entry("/a"));  // a session of the old site ending during the outage
    CHECK(next->write_failures() == 3);
    CHECK(captured.lines_with("event=access_log_write_failed").size() == 1);  // not once per log
    next->write(entry("/b"));
    const auto recovered = captured.lines_with("event=access_log_recovered");
    REQUIRE(recovered.size() == 1);
    CHECK(recovered[0].find("file=" + file.path + " lost_lines=3 total_lost=3") != std::string::npos);
}

TEST_CASE("AccessLog: an outage that no warning announced (within a minute of the last) ends silently; the next "
          "warning counts its lines", "[access_log]") {
    FakeClock clock;
    TempFile file;
    std::string error;
    auto full = AccessLog::open("/dev/full", error, nullptr, clock.function());
    auto good = AccessLog::open(file.path, error, full.get());
    REQUIRE(full);
    REQUIRE(good);
    StderrCapture captured;
    full->write(entry("/a"));  // warned
    good->write(entry("/b"));  // recovered
    clock.now += seconds(10);
    full->write(entry("/a"));  // within the minute: silent
    full->write(entry("/a"));
    good->write(entry("/b"));  // no recovery line for an outage nobody was told of
    CHECK(captured.lines_with("event=access_log_recovered").size() == 1);
    clock.now += seconds(60);
    full->write(entry("/a"));
    const auto warnings = captured.lines_with("event=access_log_write_failed");
    REQUIRE(warnings.size() == 2);
    CHECK(warnings[1].find("lost_lines=3 total_lost=4") != std::string::npos);
}
