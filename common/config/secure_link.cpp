// secure_link.cpp - nginx's secure_link check, step by step as ngx_http_secure_link_variable does it
// (so that a link nginx accepts we accept, and one it refuses we refuse), and the signer. MD5 and
// HMAC-SHA256 from libcrypto; the hashes are compared with CRYPTO_memcmp.
#include "common/config/secure_link.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <limits>
#include <vector>

#include "common/config/base64.h"
#include "common/text.h"

namespace {

bool is_name_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// Calls on_text(text) and on_variable(lower-cased name) in order; false with `error` when malformed.
template <typename Text, typename Variable>
bool walk(std::string_view expression, Text on_text, Variable on_variable, std::string* error = nullptr) {
    size_t i = 0;
    while (i < expression.size()) {
        const size_t dollar = expression.find('$', i);
        on_text(expression.substr(i, dollar == std::string_view::npos ? std::string_view::npos : dollar - i));
        if (dollar == std::string_view::npos) break;
        size_t start = dollar + 1;
        size_t end = start;
        const bool braced = start < expression.size() && expression[start] == '{';
        if (braced) end = ++start;
        while (end < expression.size() && is_name_char(expression[end])) ++end;
        if (end == start || (braced && (end >= expression.size() || expression[end] != '}'))) {
            if (error) *error = "invalid variable name at " + quoted(expression.substr(dollar, 12));
            return false;
        }
        on_variable(to_lower(expression.substr(start, end - start)));
        i = braced ? end + 1 : end;
    }
    return true;
}

bool known_variable(const std::string& name) {
    return name == "secure_link_expires" || name == "uri" || name == "remote_addr" || name == "args" ||
           (name.size() > 4 && name.compare(0, 4, "arg_") == 0);
}

// ngx_atotm: decimal digits only, at least one, no overflow; -1 otherwise.
int64_t parse_time(std::string_view text) {
    if (text.empty()) return -1;
    int64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return -1;
        if (value > (std::numeric_limits<int64_t>::max() - (c - '0')) / 10) return -1;
        value = value * 10 + (c - '0');
    }
    return value;
}

std::string md5(std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_md5(), nullptr) != 1) return "";
    return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string hmac_sha256(std::string_view key, std::string_view text) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(text.data()),
              text.size(), digest, &length))
        return "";
    return std::string(reinterpret_cast<const char*>(digest), length);
}

// The hash the policy wants for `request` with the expires text as the link carries it.
std::string expected_hash(const SecureLinkPolicy& policy, const SecureLinkRequest& request, std::string_view expires) {
    const std::string text = expand_secure_link(policy.expression, request, expires);
    return policy.kind == SecureLinkPolicy::Kind::md5 ? md5(text) : hmac_sha256(policy.secret, text);
}

SecureLinkCheck refused(std::string reason) { return {SecureLinkVerdict::refused, std::move(reason)}; }

}  // namespace

std::string secure_link_expression_error(std::string_view expression) {
    std::string error;
    walk(expression, [](std::string_view) {}, [&error](const std::string& name) {
            if (error.empty() && !known_variable(name)) error = "unknown variable \"$" + name + "\"";
        }, &error);
    return error;
}

std::string expand_secure_link(std::string_view expression, const SecureLinkRequest& request, std::string_view expires) {
    std::string out;
    walk(expression, [&out](std::string_view text) { out += text; }, [&](const std::string& name) {
        if (name == "secure_link_expires") out += expires;
        else if (name == "uri") out += request.uri;
        else if (name == "remote_addr") out += request.remote_addr;
        else if (name == "args") out += request.args;
        else if (name.compare(0, 4, "arg_") == 0) out += query_arg(request.args, name.substr(4)).value_or("");
    });
    return out;
}

std::optional<std::string_view> query_arg(std::string_view args, std::string_view name) {
    for (size_t p = 0; p + name.size() < args.size(); ++p) {
        if ((p != 0 && args[p - 1] != '&') || args[p + name.size()] != '=') continue;
        if (to_lower(args.substr(p, name.size())) != to_lower(name)) continue;
        const size_t value = p + name.size() + 1;
        const size_t amp = args.find('&', value);
        return args.substr(value, amp == std::string_view::npos ? std::string_view::npos : amp - value);
    }
    return std::nullopt;
}

std::string nginx_uri(std::string_view decoded_path) {
    std::vector<std::string_view> segments;
    bool trailing = false;
    size_t i = decoded_path.empty() || decoded_path.front() != '/' ? 0 : 1;
    while (i <= decoded_path.size()) {
        size_t slash = decoded_path.find('/', i);
        if (slash == std::string_view::npos) slash = decoded_path.size();
        const std::string_view segment = decoded_path.substr(i, slash - i);
        i = slash + 1;
        trailing = segment.empty() || segment == "." || segment == "..";
        if (segment == ".." && !segments.empty()) segments.pop_back();
        if (!trailing) segments.push_back(segment);
    }
    std::string uri;
    for (std::string_view segment : segments) uri.append("/").append(segment);
    if (uri.empty() || trailing) uri += '/';
    return uri;
}

SecureLinkCheck check_secure_link(const SecureLinkPolicy& policy, const SecureLinkRequest& request, int64_t now) {
    const bool md5_kind = policy.kind == SecureLinkPolicy::Kind::md5;
    const char* hash_name = md5_kind ? "md5" : "hmac";
    const std::optional<std::string_view> hash_arg = query_arg(request.args, hash_name);
    const std::optional<std::string_view> expires_arg = query_arg(request.args, "expires");
    if (!hash_arg) return refused(std::string("missing ") + hash_name);
    if (!expires_arg) return refused("missing expires");
    std::string hash_text(*hash_arg);
    std::string expires_text(*expires_arg);
    if (md5_kind) {
        // nginx evaluates "$arg_md5,$arg_expires" and splits it at the first comma.
        const std::string value = hash_text + "," + expires_text;
        const size_t comma = value.find(',');
        hash_text = value.substr(0, comma);
        expires_text = value.substr(comma + 1);
    }
    const int64_t expires = parse_time(expires_text);
    if (expires <= 0) return refused("invalid expires");
    const size_t digest_size = md5_kind ? 16 : 32;
    if (md5_kind && hash_text.size() > 24) return refused("malformed md5");
    const std::optional<std::string> given = base64url_decode_lenient(hash_text);
    if (!given || given->size() != digest_size) return refused(std::string("malformed ") + hash_name);
    const std::string wanted = expected_hash(policy, request, expires_text);
    if (wanted.size() != digest_size || CRYPTO_memcmp(given->data(), wanted.data(), digest_size) != 0)
        return refused(std::string("wrong ") + hash_name);
    if (expires < now) return {SecureLinkVerdict::expired, "link expired " + std::to_string(now - expires) + " s ago"};
    return {SecureLinkVerdict::valid, ""};
}

std::string secure_link_query(const SecureLinkPolicy& policy, const SecureLinkRequest& request, int64_t expires) {
    const std::string expires_text = std::to_string(expires);
    const char* hash_name = policy.kind == SecureLinkPolicy::Kind::md5 ? "md5=" : "hmac=";
    return hash_name + base64url_encode(expected_hash(policy, request, expires_text)) + "&expires=" + expires_text;
}
