// http_message.cpp - response head parser, chunked transfer decoder, absolute-form request targets.
#include "common/net/http_message.h"

#include "common/text.h"

#include <algorithm>
#include <cctype>

namespace {
std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
    return s;
}

constexpr std::size_t kMaxChunkLine = 1024;
}  // namespace

std::string HttpResponseHead::header(std::string_view name) const {
    for (const auto& [key, value] : headers)
        if (key == name) return value;
    return {};
}

bool HttpResponseHead::is_chunked() const { return to_lower(header("transfer-encoding")).find("chunked") != std::string::npos; }

Parsed<HttpResponseHead> parse_response_head(std::string_view head) {
    HttpResponseHead out;
    std::size_t eol = head.find('\n');
    std::string_view status_line = trim(head.substr(0, eol));
    if (status_line.substr(0, 7) != "HTTP/1." || status_line.size() < 12 || status_line[8] != ' ' ||
        !std::isdigit(static_cast<unsigned char>(status_line[9])) ||
        !std::isdigit(static_cast<unsigned char>(status_line[10])) ||
        !std::isdigit(static_cast<unsigned char>(status_line[11]))) {
        return ParseError{"not an HTTP response"};
    }
    out.status = std::stoi(std::string(status_line.substr(9, 3)));
    out.reason = std::string(trim(status_line.substr(12)));
    while (eol != std::string_view::npos) {
        std::size_t start = eol + 1;
        eol = head.find('\n', start);
        std::string_view line = trim(head.substr(start, eol == std::string_view::npos ? eol : eol - start));
        if (line.empty()) continue;
        std::size_t colon = line.find(':');
        if (colon == std::string_view::npos || colon == 0) return ParseError{"malformed header line"};
        out.headers.emplace_back(to_lower(line.substr(0, colon)), std::string(trim(line.substr(colon + 1))));
    }
    return out;
}

ChunkedDecoder::Status ChunkedDecoder::feed(const uint8_t* data, std::size_t len, std::vector<uint8_t>& out) {
    std::size_t i = 0;
    while (i < len && state_ != State::done && state_ != State::error) {
        switch (state_) {
        case State::size_line:
        case State::data_crlf:
        case State::trailer: {
            char c = static_cast<char>(data[i++]);
            if (c != '\n') {
                if (line_.size() >= kMaxChunkLine) {
                    error_ = "chunk header line too long";
                    state_ = State::error;
                    break;
                }
                line_ += c;
                break;
            }
            std::string line(trim(line_));
            line_.clear();
            if (state_ == State::data_crlf) {
                if (!line.empty()) error_ = "missing CRLF after chunk data", state_ = State::error;
                else state_ = State::size_line;
                break;
            }
            if (state_ == State::trailer) {
                if (line.empty()) state_ = State::done;
                break;
            }
            std::size_t digits = 0;
            uint64_t size = 0;
            while (digits < line.size() && std::isxdigit(static_cast<unsigned char>(line[digits]))) {
                if (digits >= 15) break;
                const char c = line[digits];
                size = size * 16 + static_cast<uint64_t>(std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : (std::tolower(c) - 'a' + 10));
                ++digits;
            }
            if (digits == 0 || (digits < line.size() && line[digits] != ';' && line[digits] != ' ')) {
                error_ = "bad chunk size line";
                state_ = State::error;
                break;
            }
            remaining_ = size;
            state_ = size == 0 ? State::trailer : State::data;
            break;
        }
        case State::data: {
            std::size_t take = static_cast<std::size_t>(std::min<uint64_t>(remaining_, len - i));
            out.insert(out.end(), data + i, data + i + take);
            i += take;
            remaining_ -= take;
            if (remaining_ == 0) state_ = State::data_crlf;
            break;
        }
        case State::done:
        case State::error: break;
        }
    }
    if (state_ == State::error) return Status::error;
    return state_ == State::done ? Status::done : Status::more;
}

std::optional<std::string_view> absolute_form_path(std::string_view target) {
    const std::size_t scheme_end = target.find("://");
    if (scheme_end == std::string_view::npos) return std::nullopt;
    const std::string scheme = to_lower(target.substr(0, scheme_end));
    if (scheme != "http" && scheme != "https") return std::nullopt;
    const std::string_view rest = target.substr(scheme_end + 3);
    // The authority ends where the path or the query starts (RFC 3986 section 3.2).
    const std::size_t authority_end = std::min(rest.find('/'), rest.find('?'));
    if (authority_end == 0 || rest.empty()) return std::nullopt;
    if (authority_end == std::string_view::npos || rest[authority_end] == '?') return std::string_view("/");
    const std::string_view path = rest.substr(authority_end);
    return path.substr(0, path.find('?'));
}
