// hls_window_test.cpp - HlsWindow: sequence numbers, the slide, lookups of old and future segments,
// the discontinuity sequence and the bound on departed segments that readers still hold.
#include <catch2/catch.hpp>

#include "server/pipeline/hls_window.h"

namespace {
std::shared_ptr<HlsSegment> segment(bool discontinuity = false) {
    auto s = std::make_shared<HlsSegment>();
    s->discontinuity = discontinuity;
    return s;
}
const auto now = std::chrono::system_clock::now();
}  // namespace

TEST_CASE("HlsWindow: numbers segments from the first sequence and keeps the last `size`", "[hls_window]") {
    HlsWindow window(3, 1000);
    for (int i = 0; i < 5; ++i) window.add(segment(), now);
    HlsWindowView view = window.view();
    REQUIRE(view.segments.size() == 3);
    CHECK(view.segments.front()->sequence == 1002);
    CHECK(view.segments.back()->sequence == 1004);
    CHECK(window.find(1003) == view.segments[1]);
    CHECK_FALSE(window.find(1001));  // left the window
    CHECK_FALSE(window.find(1005));  // not made yet
    CHECK_FALSE(window.find(0));
}

TEST_CASE("HlsWindow: the discontinuity sequence counts discontinuities that left", "[hls_window]") {
    HlsWindow window(2, 0);
    window.add(segment(), now);
    window.add(segment(true), now);
    window.add(segment(), now);
    CHECK(window.view().discontinuity_sequence == 0);
    window.add(segment(), now);  // the discontinuity leaves
    CHECK(window.view().discontinuity_sequence == 1);
}

TEST_CASE("HlsWindow: readers may hold one more window of departed segments; older ones are revoked", "[hls_window]") {
    HlsWindow window(2, 0);
    std::vector<HlsSegmentRef> readers;
    for (int i = 0; i < 8; ++i) {
        window.add(segment(), now);
        readers.push_back(window.find(i));  // a reader that never finishes
    }
    // 6 departed, all held: the 4 oldest are revoked, 2 still allowed.
    CHECK(window.departed_held() == 2);
    for (int i = 0; i < 4; ++i) CHECK(readers[i]->revoked.load());
    for (int i = 4; i < 8; ++i) CHECK_FALSE(readers[i]->revoked.load());
    readers.clear();
    window.add(segment(), now);
    CHECK(window.departed_held() == 0);
}

TEST_CASE("HlsWindow: a first sequence from the wall clock is above the last run's", "[hls_window]") {
    const uint64_t a = first_sequence_now();
    CHECK(a > 1700000000000ull);  // milliseconds since 1970, after 2023
    CHECK(first_sequence_now() >= a);
}

TEST_CASE("HlsWindow: clear empties the window, numbers go on", "[hls_window]") {
    HlsWindow window(3, 10);
    window.add(segment(), now);
    window.add(segment(true), now);
    window.clear();
    CHECK(window.view().segments.empty());
    CHECK(window.view().discontinuity_sequence == 1);
    CHECK_FALSE(window.find(10));
    window.add(segment(), now);
    CHECK(window.view().segments.front()->sequence == 12);
}
