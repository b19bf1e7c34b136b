// secure_link.h - signed, expiring links as nginx's secure_link module checks them
// (`secure_link $arg_md5,$arg_expires; secure_link_md5 "EXPRESSION";`), and an HMAC-SHA256 form
// (query arguments `hmac` and `expires`). Pure: the caller passes the request's values and the time.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct SecureLinkPolicy {
    enum class Kind { md5, hmac };
    Kind kind = Kind::md5;
    std::string expression;  // md5: secure_link_md5 (secret included); hmac: the message
    std::string secret;      // hmac: the key; empty for md5
    unsigned lifetime_s = 86400;  // how long the links the playlist api signs stay valid
    bool operator==(const SecureLinkPolicy& o) const {
        return kind == o.kind && expression == o.expression && secret == o.secret && lifetime_s == o.lifetime_s;
    }
};

// What the expression's variables are made of.
struct SecureLinkRequest {
    std::string uri;          // $uri: the decoded, normalised path (nginx_uri())
    std::string remote_addr;  // $remote_addr: the client address the access rules see
    std::string args;         // the raw query string, without '?', as nginx's $args ($arg_NAME)
};

// The first variable of `expression` that expand() does not know, or why it is malformed ("$" at
// the end, "${" without "}"); empty when it is fine. Known: $secure_link_expires, $uri,
// $remote_addr, $args, $arg_NAME (names are case-insensitive, as nginx's).
std::string secure_link_expression_error(std::string_view expression);
// nginx's script expansion: $name (letters, digits, '_') or ${name} replaced by its value.
std::string expand_secure_link(std::string_view expression, const SecureLinkRequest& request, std::string_view expires);

// ngx_http_arg: the raw value of the first NAME=value in `args` (NAME case-insensitive); nullopt when absent.
std::optional<std::string_view> query_arg(std::string_view args, std::string_view name);
// $uri from an already percent-decoded path: slashes merged, "." and ".." segments resolved.
std::string nginx_uri(std::string_view decoded_path);

enum class SecureLinkVerdict { valid, expired, refused };
struct SecureLinkCheck {
    SecureLinkVerdict verdict = SecureLinkVerdict::refused;
    std::string reason;  // for the log: "missing md5", "wrong md5", "link expired", ...
};
// nginx's $secure_link: "1" valid, "0" expired (checked after the hash), "" refused. `now`: Unix seconds.
SecureLinkCheck check_secure_link(const SecureLinkPolicy& policy, const SecureLinkRequest& request, int64_t now);

// The query arguments that make `request` (its uri, remote_addr and own args) valid until
// `expires` (Unix seconds): "md5=HASH&expires=N" or "hmac=HASH&expires=N".
std::string secure_link_query(const SecureLinkPolicy& policy, const SecureLinkRequest& request, int64_t expires);
