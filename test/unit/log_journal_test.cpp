// log_journal_test.cpp - the JOURNAL_STREAM check that decides whether log lines carry their own time.
#include <catch2/catch.hpp>

#include "common/log.h"

TEST_CASE("JOURNAL_STREAM names stderr's device and inode") {
    CHECK(journal_stream_matches("2049:131077", 2049, 131077));
    CHECK_FALSE(journal_stream_matches("2049:131077", 2049, 131078));
    CHECK_FALSE(journal_stream_matches("2048:131077", 2049, 131077));
    CHECK_FALSE(journal_stream_matches(nullptr, 2049, 131077));
    CHECK_FALSE(journal_stream_matches("", 2049, 131077));
    CHECK_FALSE(journal_stream_matches("2049:131077x", 2049, 131077));
    CHECK_FALSE(journal_stream_matches("2049", 2049, 0));
}
