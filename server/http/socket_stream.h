// socket_stream.h - httplib::Stream over one accepted TCP socket, used by that connection's thread only.
// One read buffer lives as long as the connection, so the bytes of a pipelined next request are kept;
// a write is one send when the socket has room, and fails once the socket has taken nothing for the
// write timeout.
#pragma once

#include <sys/uio.h>

#include <httplib.h>

#include <chrono>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

class SocketStream final : public httplib::Stream {
public:
    using Clock = std::chrono::steady_clock;
    enum class HeadResult { complete, closed, timed_out, too_large, stopped };

    // `stop_fd` (an eventfd, or -1) ends every wait for the peer once it is readable. `read_timeout`
    // bounds each wait of read(), which reads what follows a head (a request body); `write_timeout`
    // each wait of write() for room in the socket.
    SocketStream(int fd, int stop_fd, std::chrono::milliseconds read_timeout, std::chrono::milliseconds write_timeout);

    // Waits until the buffer holds one whole request head (up to its empty line) of at most `max_bytes`,
    // empty lines before it included; drops those lines (RFC 9112 section 2.2). Call between requests.
    HeadResult read_head(std::size_t max_bytes, Clock::time_point deadline);
    // Removes every field called `name` (lower case, e.g. "range") from the head read_head found;
    // returns the first one's value (trimmed), empty when there was none.
    std::string remove_field(std::string_view name);
    // The head read_head found, request line first.
    std::string_view head() const { return std::string_view(buffer_.data() + begin_, head_bytes_); }
    // Bytes received and not read yet: after a failed read_head, a part of a head.
    std::size_t buffered() const { return end_ - begin_; }
    // Bytes have arrived that nobody has read (in the buffer or still in the socket).
    bool has_unread_input() const;
    // Half-closes and discards what the peer still sends until it closes, `deadline` or `max_bytes`:
    // closing with unread input would reset the connection, and the peer could lose our last reply
    // before reading it (RFC 9112 section 9.6).
    void linger(Clock::time_point deadline, std::size_t max_bytes);
    // Why a write failed: EAGAIN when the write timeout passed, ECANCELED when stopped, else the
    // send's errno (EPIPE, ECONNRESET: the peer has gone); 0 while none has.
    int write_error() const { return write_error_; }

    bool is_readable() const override;
    // No system call: write() itself waits for room, and a failed write ends the stream.
    bool is_writable() const override { return write_error_ == 0; }
    ssize_t read(char* ptr, std::size_t size) override;
    ssize_t write(const char* ptr, std::size_t size) override;
    // Like write(), for several buffers in one sendmsg: a viewer's batch of shared chunks goes out
    // without being copied together first. Advances `iov` past what was sent; true when all was.
    bool write_vectored(iovec* iov, std::size_t count);

    // The stream that HttpServer serves on this thread, or null (not a connection's thread).
    // httplib's DataSink takes one buffer per write; a viewer's session writes its batch here.
    static SocketStream* of_this_thread();
    // HttpServer, around serving one connection.
    static void set_of_this_thread(SocketStream* stream);
    void get_remote_ip_and_port(std::string& ip, int& port) const override;
    void get_local_ip_and_port(std::string& ip, int& port) const override;
    socket_t socket() const override { return fd_; }

private:
    enum class Fill { data, closed, timed_out, stopped, failed };
    // One recv into the buffer's free end, waiting for data until `deadline`.
    Fill fill(Clock::time_point deadline);
    void compact();
    ssize_t fail_write(int error);

    const int fd_;
    const int stop_fd_;
    const std::chrono::milliseconds read_timeout_;
    const std::chrono::milliseconds write_timeout_;
    std::vector<char> buffer_;
    std::size_t begin_ = 0;  // unread bytes are [begin_, end_)
    std::size_t end_ = 0;
    std::size_t head_bytes_ = 0;  // of the head at begin_, once read_head has found it whole
    int write_error_ = 0;
    // The peer and the local address, asked once: httplib asks for them on every request.
    mutable std::string remote_ip_, local_ip_;
    mutable int remote_port_ = -1, local_port_ = -1;
};
