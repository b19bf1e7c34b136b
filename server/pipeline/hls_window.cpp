// hls_window.cpp - numbering, the window's slide and the bound on departed segments.
#include "server/pipeline/hls_window.h"

#include <algorithm>

using namespace std::chrono;

HlsWindow::HlsWindow(std::size_t size, uint64_t first_sequence) : size_(std::max<std::size_t>(size, 1)), next_sequence_(first_sequence) {}

void HlsWindow::add(std::shared_ptr<HlsSegment> segment, system_clock::time_point program_date_time) {
    segment->sequence = next_sequence_;
    segment->program_date_time = program_date_time;
    std::lock_guard<std::mutex> lock(mutex_);
    ++next_sequence_;
    segments_.push_back(std::move(segment));
    while (segments_.size() > size_) {
        // RFC 8216 section 6.2.2: the count of discontinuity tags that have left the playlist.
        if (segments_.front()->discontinuity) ++discontinuity_sequence_;
        departed_.push_back(segments_.front());
        segments_.pop_front();
    }
    bound_departed();
}

void HlsWindow::bound_departed() {
    departed_.erase(std::remove_if(departed_.begin(), departed_.end(), [](const auto& weak) { return weak.expired(); }),
                    departed_.end());
    while (departed_.size() > size_) {
        if (HlsSegmentRef held = departed_.front().lock()) held->revoked.store(true, std::memory_order_relaxed);
        departed_.pop_front();
    }
}

void HlsWindow::clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (HlsSegmentRef& segment : segments_) {
        if (segment->discontinuity) ++discontinuity_sequence_;
        departed_.push_back(std::move(segment));
    }
    segments_.clear();
    bound_departed();
}

HlsWindowView HlsWindow::view() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return HlsWindowView{std::vector<HlsSegmentRef>(segments_.begin(), segments_.end()), discontinuity_sequence_};
}

HlsSegmentRef HlsWindow::find(uint64_t sequence) const {
    std::lock_guard<std::mutex> lock(mutex_);
    if (segments_.empty() || sequence < segments_.front()->sequence) return nullptr;
    const uint64_t index = sequence - segments_.front()->sequence;
    return index < segments_.size() ? segments_[index] : nullptr;
}

std::size_t HlsWindow::departed_held() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return std::count_if(departed_.begin(), departed_.end(), [](const auto& weak) { return !weak.expired(); });
}

uint64_t first_sequence_now() {
    return static_cast<uint64_t>(duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count());
}
