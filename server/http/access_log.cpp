// access_log.cpp - JSON lines for the access log, written with RapidJSON.
#include "server/http/access_log.h"

#include <fcntl.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/text.h"
#include "common/utc_time.h"

std::shared_ptr<AccessLog> AccessLog::open(const std::string& path, std::string& error) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        error = "cannot open access log " + path + ": " + std::strerror(errno);
        return nullptr;
    }
    return std::shared_ptr<AccessLog>(new AccessLog(fd));
}

AccessLog::~AccessLog() { ::close(fd_); }

std::string AccessLog::to_json(const AccessEntry& e) {
    rapidjson::StringBuffer buffer;
    rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
    std::string escaped;
    // Paths and headers are the client's bytes: JSON must be UTF-8, so anything else is escaped.
    auto str = [&w, &escaped](const char* key, const std::string& value) {
        const std::string_view text = as_utf8(value, escaped);
        w.Key(key);
        w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
    };
    w.StartObject();
    str("time", iso8601_utc(e.start));
    str("client", e.client);
    if (!e.forwarded_for.empty()) str("forwarded_for", e.forwarded_for);
    str("method", e.method);
    str("path", e.path);
    w.Key("status");
    w.Int(e.status);
    if (!e.user.empty()) str("user", e.user);
    w.Key("duration_s");
    w.Double(e.duration_s);
    w.Key("bytes");
    w.Uint64(e.bytes);
    w.Key("dropped_packets");
    w.Uint64(e.dropped_packets);
    if (!e.reason.empty()) str("reason", e.reason);
    w.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

void AccessLog::write(const AccessEntry& entry) {
    const std::string line = to_json(entry) + "\n";
    // A full disk must not stop streaming: a failed or short write loses this line only.
    if (::write(fd_, line.data(), line.size()) < 0) return;
}
