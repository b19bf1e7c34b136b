// stream_test.cpp - Stream: newcomers start at the cached GOP, PAT and PMT first; viewers join and
// leave (before or after the reader admitted them) without being kept or counted twice; offline and
// outages close them; a prebuffer starts them at an older keyframe. The test thread plays the
// reader; threads that play viewers hand off explicitly.
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <thread>

#include "server/pipeline/stream.h"
#include "synthetic_program.h"

using namespace std::chrono;
using synthetic::Program;

namespace {
StreamSettings settings(bool fast_start = true) {
    StreamSettings s;
    s.path = "/tv.ts";
    s.fast_start = fast_start;
    return s;
}

// Everything queued for `viewer`, as bytes.
std::vector<uint8_t> take_bytes(Viewer& viewer) {
    std::vector<ChunkRef> batch;
    std::vector<uint8_t> bytes;
    while (viewer.next_batch(batch, 1, milliseconds(0)) == PacketQueue::PopResult::data)
        for (const ChunkRef& c : batch) bytes.insert(bytes.end(), c->bytes.begin(), c->bytes.end());
    return bytes;
}

// A stream whose upstream is connected and has sent PAT, PMT and a first GOP (K p).
struct LiveStream {
    Program program;
    Stream stream;
    explicit LiveStream(const StreamSettings& s = settings()) : stream(s) {
        stream.upstream_connected(false);
        stream.packets_received(program.gop(0, 2));
    }
};

uint64_t cc_errors(const std::vector<uint8_t>& bytes) {
    ContinuityChecker checker;
    for (std::size_t i = 0; i < bytes.size(); i += ts::kPacketSize) checker.check(bytes.data() + i);
    return checker.errors();
}
}  // namespace

TEST_CASE("Stream: a newcomer gets the preamble, PAT, PMT and the GOP from its keyframe, then live", "[stream]") {
    StreamSettings s = settings();
    auto preamble = std::make_shared<PacketChunk>();
    preamble->bytes.assign(10, 0x55);
    s.preamble = preamble;
    Stream stream(s);
    Program program;
    CHECK_FALSE(stream.attach("127.0.0.1:1"));  // not live yet
    stream.upstream_connected(false);
    stream.packets_received(program.gop(0, 3));  // PAT PMT K p p: the GOP starts at K
    std::shared_ptr<Viewer> viewer = stream.attach("127.0.0.1:1");
    REQUIRE(viewer);
    stream.packets_received(program.picture(false));  // admitted here, with the GOP up to this picture
    stream.packets_received(program.payload(1));      // live

    const std::vector<uint8_t> got = take_bytes(*viewer);
    REQUIRE(got.size() == 10 + 7 * ts::kPacketSize);  // preamble, PAT, PMT, K p p, P, p
    CHECK(std::vector<uint8_t>(got.begin(), got.begin() + 10) == preamble->bytes);
    const std::vector<uint8_t> packets(got.begin() + 10, got.end());
    CHECK(ts::PacketView(&packets[0]).pid() == ts::kPidPat);
    CHECK(ts::PacketView(&packets[ts::kPacketSize]).pid() == Program::kPmtPid);
    CHECK(ts::PacketView(&packets[2 * ts::kPacketSize]).pid() == Program::kVideoPid);
    CHECK(cc_errors(packets) == 0);
    CHECK(stream.stats().video_codec == "h264");
}

TEST_CASE("Stream: without fast start a newcomer gets the live chunks only", "[stream]") {
    Stream stream(settings(false));
    Program program;
    stream.upstream_connected(false);
    stream.packets_received(program.gop(0, 3));
    auto viewer = stream.attach("127.0.0.1:1");
    stream.packets_received(program.payload(2));  // admitted before nothing: gets the next chunk on
    stream.packets_received(program.payload(1));
    CHECK(take_bytes(*viewer).size() == ts::kPacketSize);
}

TEST_CASE("Stream: viewers that leave are neither kept nor counted twice, admitted or not", "[stream]") {
    LiveStream live;
    Stream& stream = live.stream;
    Program& program = live.program;
    auto stays = stream.attach("127.0.0.1:1");
    auto leaves = stream.attach("127.0.0.1:2");
    auto brief = stream.attach("127.0.0.1:3");
    CHECK(stream.stats().viewers.viewers == 3);
    stream.detach(brief, "client closed connection");  // before the reader admitted it
    std::weak_ptr<Viewer> brief_gone = brief;
    brief.reset();
    CHECK(brief_gone.expired());
    stream.packets_received(program.payload(1));  // admits the other two
    CHECK(stream.stats().viewers.viewers == 2);

    const std::size_t bytes = take_bytes(*leaves).size();
    leaves->count_sent(bytes);
    std::weak_ptr<Viewer> gone = leaves;
    stream.detach(leaves, "client closed connection");
    stream.detach(leaves, "client closed connection");  // a second end changes nothing
    leaves.reset();
    CHECK(stream.stats().viewers.viewers == 1);
    CHECK(stream.stats().viewers.bytes_sent == bytes);
    CHECK_FALSE(gone.expired());  // the reader still lists it...
    stream.packets_received(program.payload(1));
    CHECK(gone.expired());  // ...until it next fans out
    CHECK(stream.stats().viewers.bytes_sent == bytes);
    CHECK_FALSE(stays->is_disconnected());
}

TEST_CASE("Stream: offline refuses viewers and closes the present ones; an expired outage closes them too", "[stream]") {
    LiveStream live;
    Stream& stream = live.stream;
    Program& program = live.program;
    auto admitted = stream.attach("127.0.0.1:1");
    stream.packets_received(program.payload(1));
    auto pending = stream.attach("127.0.0.1:2");
    stream.set_offline(true);
    CHECK(admitted->is_disconnected());
    CHECK(pending->is_disconnected());
    CHECK(admitted->end_reason() == "stream set offline");
    CHECK_FALSE(stream.attach("127.0.0.1:3"));
    stream.set_offline(false);

    auto waiting = stream.attach("127.0.0.1:4");
    REQUIRE(waiting);
    stream.upstream_lost();
    CHECK_FALSE(stream.attach("127.0.0.1:5"));  // not while the upstream is away
    CHECK_FALSE(waiting->is_disconnected());      // it waits through the outage
    stream.outage_expired("upstream lost for 10 s");
    CHECK(waiting->end_reason() == "upstream lost for 10 s");
}

TEST_CASE("Stream: viewers joining and leaving on their own threads each get a gapless run", "[stream]") {
    // The reader (this thread) feeds payload packets while 8 viewer threads each attach, read 200
    // packets after their start, check their counters and detach; the reader stops once all are
    // done, or after more than they need, and then closes any that would still wait. The queues
    // hold all it may feed: nothing is dropped for a viewer thread that the scheduler held back.
    StreamSettings s = settings(false);
    s.viewer_limits.queue_chunks = 1 << 17;
    s.viewer_limits.queue_bytes = 256 << 20;
    Stream stream(s);
    Program program;
    stream.upstream_connected(false);
    constexpr int kViewers = 8;
    std::atomic<int> done{0}, gapless{0};
    std::vector<std::thread> viewers;
    for (int k = 0; k < kViewers; ++k)
        viewers.emplace_back([&, k] {
            std::shared_ptr<Viewer> viewer = stream.attach("127.0.0.1:" + std::to_string(k));
            std::vector<uint8_t> bytes;
            std::vector<ChunkRef> batch;
            while (viewer && bytes.size() < 200 * ts::kPacketSize &&
                   viewer->next_batch(batch, 1, milliseconds(1000)) != PacketQueue::PopResult::closed)
                for (const ChunkRef& c : batch) bytes.insert(bytes.end(), c->bytes.begin(), c->bytes.end());
            if (viewer && bytes.size() >= 200 * ts::kPacketSize && cc_errors(bytes) == 0) ++gapless;
            if (viewer) stream.detach(viewer, "client closed connection");
            ++done;
        });
    for (int fed = 0; done.load() < kViewers && fed < 100000; ++fed) stream.packets_received(program.payload(4));
    stream.outage_expired("test over");
    for (auto& t : viewers) t.join();
    CHECK(gapless.load() == kViewers);
    CHECK(stream.stats().viewers.viewers == 0);
}

TEST_CASE("Stream: an on-demand start is ready at the first keyframe after PAT and PMT, not before", "[stream]") {
    Stream stream(settings());
    Program program;
    stream.begin_start();
    CHECK_FALSE(stream.wait_for_start(steady_clock::now()).ready);  // open: nothing yet
    stream.upstream_connected(false);
    std::vector<uint8_t> head = program.pat();
    const std::vector<uint8_t> pmt = program.pmt();
    head.insert(head.end(), pmt.begin(), pmt.end());
    stream.packets_received(std::move(head));
    stream.packets_received(program.picture(false));  // PAT, PMT and a picture that is no keyframe
    Stream::StartOutcome outcome = stream.wait_for_start(steady_clock::now());
    CHECK_FALSE(outcome.ready);
    CHECK(outcome.reason.empty());  // still open

    // A waiter on another thread is woken by the keyframe, long before its deadline.
    std::atomic<bool> ready{false};
    std::thread waiter([&] { ready = stream.wait_for_start(steady_clock::now() + seconds(10)).ready; });
    stream.packets_received(program.picture(true));
    waiter.join();
    CHECK(ready);
    stream.upstream_unavailable("connection refused");  // once settled, later failures change nothing
    CHECK(stream.wait_for_start(steady_clock::now()).ready);
}

TEST_CASE("Stream: an on-demand start fails for every waiter, with the reason", "[stream]") {
    Stream stream(settings());
    stream.begin_start();
    std::vector<std::thread> waiters;
    std::vector<std::string> reasons(3);
    for (std::size_t i = 0; i < reasons.size(); ++i)
        waiters.emplace_back([&, i] { reasons[i] = stream.wait_for_start(steady_clock::now() + seconds(10)).reason; });
    stream.upstream_unavailable("connect to 10.0.0.1:80: Connection refused");
    for (auto& waiter : waiters) waiter.join();
    for (const auto& reason : reasons) CHECK(reason == "connect to 10.0.0.1:80: Connection refused");

    stream.begin_start();  // the next start is open again
    CHECK(stream.wait_for_start(steady_clock::now()).reason.empty());
    stream.disconnect_viewers("server shutting down");  // a shutdown wakes waiters too
    CHECK(stream.wait_for_start(steady_clock::now()).reason == "server shutting down");
}

TEST_CASE("Stream: idle_since is empty while anyone is attached and set when the last one leaves", "[stream]") {
    LiveStream live;
    CHECK(live.stream.idle_since());
    auto a = live.stream.attach("127.0.0.1:1");
    auto b = live.stream.attach("127.0.0.1:2");
    CHECK_FALSE(live.stream.idle_since());
    live.stream.detach(a, "gone");
    CHECK_FALSE(live.stream.idle_since());
    const auto before = steady_clock::now();
    live.stream.detach(b, "gone");
    REQUIRE(live.stream.idle_since());
    CHECK(*live.stream.idle_since() >= before);
}

TEST_CASE("Stream: a tap gets every chunk after the viewers, in order, and each upstream connect", "[stream]") {
    // The HLS output's feed: the same shared chunks (no copies), with the programme as of the read.
    struct RecordingTap : StreamTap {
        std::vector<ChunkRef> chunks;
        std::vector<bool> connects;
        uint16_t video_pid = 0;
        void chunk(const ChunkRef& c, const TsInspector& program) override {
            chunks.push_back(c);
            video_pid = program.video_pid();
        }
        void upstream_connected(bool splice) override { connects.push_back(splice); }
    };
    auto tap = std::make_shared<RecordingTap>();
    StreamSettings s = settings();
    s.tap = tap;
    Stream stream(s);
    Program program;
    stream.upstream_connected(false);
    stream.packets_received(program.gop(0, 2));
    std::shared_ptr<Viewer> viewer = stream.attach("127.0.0.1:1");
    stream.packets_received(program.gop(1, 2));
    stream.upstream_connected(true);
    CHECK(tap->connects == std::vector<bool>{false, true});
    CHECK(tap->video_pid == Program::kVideoPid);
    std::vector<uint8_t> tapped;
    for (const ChunkRef& c : tap->chunks) tapped.insert(tapped.end(), c->bytes.begin(), c->bytes.end());
    Program again;  // numbers the same packets as `program` did
    std::vector<uint8_t> sent = again.gop(0, 2);
    Program::append(sent, again.gop(1, 2));
    CHECK(tapped == sent);
    REQUIRE(tap->chunks.size() >= 2);
    CHECK(tap->chunks.back().use_count() >= 2);  // shared with the viewer's queue, not copied
}

TEST_CASE("Stream: with a prebuffer a newcomer starts at the oldest cached keyframe, with its PAT and PMT", "[stream]") {
    StreamSettings s = settings();
    s.prebuffer = hours(1);  // every GOP of the test is within it
    Stream stream(s);
    Program program;
    stream.upstream_connected(false);
    stream.packets_received(program.gop(1, 2));  // PAT PMT K p P p
    stream.packets_received(program.gop(0, 3));  // PAT PMT K p p: a second GOP
    auto viewer = stream.attach("127.0.0.1:1");
    stream.packets_received(program.payload(1));  // admitted here

    const std::vector<uint8_t> got = take_bytes(*viewer);
    // The first keyframe's PSI prefix, K p P p, the second read (PAT PMT K p p), the live packet.
    REQUIRE(got.size() == (2 + 4 + 5 + 1) * ts::kPacketSize);
    CHECK(ts::PacketView(&got[0]).pid() == ts::kPidPat);
    CHECK(ts::PacketView(&got[ts::kPacketSize]).pid() == Program::kPmtPid);
    CHECK(ts::PacketView(&got[2 * ts::kPacketSize]).random_access());
    CHECK(cc_errors(got) == 0);

    Stream plain(settings());  // without: the last keyframe, as before
    plain.upstream_connected(false);
    plain.packets_received(program.gop(1, 2));
    plain.packets_received(program.gop(0, 3));
    auto late = plain.attach("127.0.0.1:2");
    plain.packets_received(program.payload(1));
    CHECK(take_bytes(*late).size() == (2 + 3 + 1) * ts::kPacketSize);  // PSI, K p p, live
}
