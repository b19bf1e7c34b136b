// socket_clock.h - when the kernel received the bytes a recv() returns (SO_TIMESTAMPNS), for the
// bench's readers: the load viewers and the live-edge probe. Stateless; any thread.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>

// CLOCK_REALTIME in ns, the clock the kernel stamps received data with.
int64_t realtime_ns();
// Asks the kernel to stamp what this socket receives; false when it refuses.
bool enable_receive_timestamps(int fd);
// recv() that also returns the stamp of the data (0 when there was none): for TCP, that of the last
// segment the read took, so the time is never earlier than the data's.
ssize_t recv_stamped(int fd, uint8_t* buf, std::size_t len, int64_t& received_ns);
