// credentials.h - restreamer's "userlist" and per-resource "authentication": users with a plain or
// salted SHA-256 secret, and the HTTP Basic and Bearer checks against a resource's users.
#pragma once

#include <array>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config/secure_link.h"

// One user's secret. A plain password (restreamer's form) can also be sent, e.g. with notifications;
// a hash ("sha256:<salt hex>:<digest hex>", digest = SHA-256(salt || password)) can only be checked.
class UserCredential {
public:
    static UserCredential from_password(std::string password);
    // nullopt when `text` is not "sha256:" + an even number (at least 2) of hex digits + ":" + 64 hex digits.
    static std::optional<UserCredential> from_hash(std::string_view text);

    // Constant time in the content of `secret`: both sides are reduced to SHA-256 digests first.
    bool matches(std::string_view secret) const;
    bool has_plain_password() const { return password_.has_value(); }
    // The plain password; empty for a hashed credential.
    const std::string& password() const;

    friend bool operator==(const UserCredential& a, const UserCredential& b);

private:
    UserCredential() = default;

    std::optional<std::string> password_;
    std::string salt_;                  // empty for a plain password
    std::array<unsigned char, 32> digest_{};  // SHA-256(salt_ || password)
};
inline bool operator!=(const UserCredential& a, const UserCredential& b) { return !(a == b); }

using Userlist = std::map<std::string, UserCredential>;

// A resource's "authentication": `user` and `users` merged, in order, without repeats.
struct AuthPolicy {
    enum class Type { none, basic, bearer, securelink };
    Type type = Type::none;
    std::string realm;               // basic: sent in the challenge
    std::vector<std::string> users;  // the only users that may pass; none = nobody
    SecureLinkPolicy securelink;     // securelink: the link's hash and expiry decide, not a user
};
bool operator==(const AuthPolicy& a, const AuthPolicy& b);
inline bool operator!=(const AuthPolicy& a, const AuthPolicy& b) { return !(a == b); }
const char* to_string(AuthPolicy::Type type);

// allowed, or what to answer: challenge = 401 with WWW-Authenticate: challenge_header(policy)
// (basic), forbidden = 403 without a challenge (bearer, as restreamer does).
enum class AuthResult { allowed, challenge, forbidden };

// Checks the Authorization header (empty when absent) against the users of `policy`. Every listed
// user is compared, whoever the header names, so the time taken tells nothing about which names
// exist. On success *user_out (when given) is the user, empty for type none. A securelink policy
// is checked on the link (check_secure_link()), never here: this refuses it.
AuthResult authenticate(const AuthPolicy& policy, const Userlist& users, std::string_view authorization,
                        std::string* user_out = nullptr);

// The WWW-Authenticate value for a 401, restreamer's form: Basic realm="REALM" charset="UTF-8".
// Empty unless the policy is basic.
std::string challenge_header(const AuthPolicy& policy);

// The Authorization value to send as `user` ("Basic base64(user:password)" or "Bearer password").
// Empty for type none, an unknown user, or a user whose password is only stored hashed.
std::string authorization_for(AuthPolicy::Type type, const std::string& user, const Userlist& users);

// The user and password of an http(s) URL, from its userinfo ("user:password" before '@',
// percent-escaped as URLs write them); nullopt when the URL has none. "user@" has an empty password.
struct BasicCredentials {
    std::string user;
    std::string password;
};
std::optional<BasicCredentials> credentials_from_userinfo(std::string_view userinfo);
// Their Authorization value, "Basic base64(user:password)".
std::string basic_authorization(const BasicCredentials& credentials);

// A "sha256:..." string for the userlist, with a fresh 16-byte random salt; empty only if the
// system cannot supply random bytes.
std::string make_password_hash(std::string_view password);
