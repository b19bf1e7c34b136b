// channel_settings_test.cpp - ChannelSettings::from_config: a stream resource's prebuffer reaches the
// stream, and the viewer's queue grows with it so that the head (the cached GOPs) fits in half of
// its bytes and in its slots.
#include <catch2/catch.hpp>

#include "server/pipeline/channel.h"
#include "test/unit/config_test_support.h"

using namespace std::chrono;

namespace {
ChannelSettings settings_of(const std::string& stream_members, const std::string& top_level = "") {
    const Config config = config_test::parse_ok("{" + top_level + R"json("resources": [{"type": "stream", "serve": "/a.ts",
        "remote": "http://h/a.ts")json" + stream_members + "}]}");
    return ChannelSettings::from_config(config.resources[0], config);
}
}  // namespace

TEST_CASE("ChannelSettings: the queue holds the prebuffer plus a GOP at 8 Mbit/s", "[channel]") {
    const StreamSettings plain = settings_of("").stream;
    CHECK(plain.prebuffer == milliseconds(0));
    CHECK(plain.viewer_limits.queue_bytes == 4u << 20);  // as without a prebuffer
    CHECK(plain.viewer_limits.queue_chunks == 1024);

    const StreamSettings three = settings_of(R"json(, "prebuffer": 3)json").stream;
    CHECK(three.prebuffer == milliseconds(3000));
    // The GOP cache gets half the queue: 3 s and a 2 s GOP at 8 Mbit/s (1 MB/s) must fit there.
    CHECK(three.viewer_limits.queue_bytes / 2 >= 5 * 1000 * 1000);
    CHECK(three.viewer_limits.queue_bytes == 10u << 20);
    // Pictures too large to gather into runs are a slot each: 5 s at 60 frames a second fit.
    CHECK(three.viewer_limits.queue_chunks >= 5 * 60);
    CHECK(three.viewer_limits.queue_chunks == 1024 + 3 * 64);

    CHECK(settings_of(R"json(, "prebuffer": 0.5)json").stream.viewer_limits.queue_bytes == 5u << 20);
    // outputbuffer stays a lower bound of its own.
    CHECK(settings_of(R"json(, "prebuffer": 1)json", R"json("outputbuffer": 100000, )json").stream.viewer_limits.queue_bytes ==
          100000u * ts::kPacketSize);
}

TEST_CASE("ChannelSettings: pid_timeout reaches the stream's TR 101 290 monitor", "[channel]") {
    CHECK(settings_of("").stream.tr101290.pid_timeout == milliseconds(5000));
    CHECK(settings_of(R"json(, "pid_timeout": 2)json").stream.tr101290.pid_timeout == milliseconds(2000));
}
