// credentials.cpp - SHA-256 and random salts from OpenSSL's libcrypto; every secret comparison is
// CRYPTO_memcmp over two digests, so neither the length nor the content of a guess shows in timing.
#include "common/config/credentials.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

#include "common/config/base64.h"
#include "common/net/url.h"
#include "common/text.h"

namespace {

using Digest = std::array<unsigned char, 32>;

constexpr std::string_view kHashScheme = "sha256:";
constexpr size_t kSaltBytes = 16;

// nullopt only when libcrypto cannot allocate a context; callers then refuse rather than guess.
std::optional<Digest> sha256(std::string_view first, std::string_view second = {}) {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    Digest digest{};
    unsigned int length = 0;
    const bool ok = context && EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) == 1 &&
                    EVP_DigestUpdate(context.get(), first.data(), first.size()) == 1 &&
                    EVP_DigestUpdate(context.get(), second.data(), second.size()) == 1 &&
                    EVP_DigestFinal_ex(context.get(), digest.data(), &length) == 1 && length == digest.size();
    if (!ok) return std::nullopt;
    return digest;
}

bool same_digest(const std::optional<Digest>& a, const Digest& b) {
    // Evaluated in full either way; a missing digest only happens when libcrypto is out of memory.
    const bool equal = CRYPTO_memcmp(a ? a->data() : b.data(), b.data(), b.size()) == 0;
    return a.has_value() && equal;
}

std::string to_hex(const unsigned char* bytes, size_t size) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (size_t i = 0; i < size; ++i) {
        out += kDigits[bytes[i] >> 4];
        out += kDigits[bytes[i] & 15];
    }
    return out;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::optional<std::string> from_hex(std::string_view text) {
    if (text.size() % 2 != 0) return std::nullopt;
    std::string out;
    out.reserve(text.size() / 2);
    for (size_t i = 0; i < text.size(); i += 2) {
        const int high = hex_value(text[i]);
        const int low = hex_value(text[i + 1]);
        if (high < 0 || low < 0) return std::nullopt;
        out += static_cast<char>(high << 4 | low);
    }
    return out;
}

// "Scheme credentials" with the scheme matched case-insensitively (RFC 7235); the credentials must
// be one token, as both base64 and bearer tokens are.
std::optional<std::string_view> credentials_for_scheme(std::string_view header, std::string_view scheme) {
    auto is_space = [](char c) { return c == ' ' || c == '\t'; };
    while (!header.empty() && is_space(header.front())) header.remove_prefix(1);
    while (!header.empty() && is_space(header.back())) header.remove_suffix(1);
    if (header.size() <= scheme.size() || to_lower(header.substr(0, scheme.size())) != scheme) return std::nullopt;
    std::string_view rest = header.substr(scheme.size());
    if (!is_space(rest.front())) return std::nullopt;
    while (!rest.empty() && is_space(rest.front())) rest.remove_prefix(1);
    for (char c : rest) {
        if (is_space(c)) return std::nullopt;
    }
    return rest;
}

}  // namespace

UserCredential UserCredential::from_password(std::string password) {
    UserCredential credential;
    credential.digest_ = sha256(password).value_or(Digest{});
    credential.password_ = std::move(password);
    return credential;
}

std::optional<UserCredential> UserCredential::from_hash(std::string_view text) {
    if (text.substr(0, kHashScheme.size()) != kHashScheme) return std::nullopt;
    text.remove_prefix(kHashScheme.size());
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos || colon == 0) return std::nullopt;
    std::optional<std::string> salt = from_hex(text.substr(0, colon));
    std::optional<std::string> digest = from_hex(text.substr(colon + 1));
    if (!salt || !digest || digest->size() != Digest().size()) return std::nullopt;
    UserCredential credential;
    credential.salt_ = std::move(*salt);
    std::copy(digest->begin(), digest->end(), credential.digest_.begin());
    return credential;
}

bool UserCredential::matches(std::string_view secret) const { return same_digest(sha256(salt_, secret), digest_); }

const std::string& UserCredential::password() const {
    static const std::string kNone;
    return password_ ? *password_ : kNone;
}

bool operator==(const UserCredential& a, const UserCredential& b) {
    return a.password_ == b.password_ && a.salt_ == b.salt_ && a.digest_ == b.digest_;
}

bool operator==(const AuthPolicy& a, const AuthPolicy& b) {
    return a.type == b.type && a.realm == b.realm && a.users == b.users && a.securelink == b.securelink;
}

const char* to_string(AuthPolicy::Type type) {
    switch (type) {
    case AuthPolicy::Type::none: return "none";
    case AuthPolicy::Type::basic: return "basic";
    case AuthPolicy::Type::bearer: return "bearer";
    case AuthPolicy::Type::securelink: return "securelink";
    }
    return "none";
}

AuthResult authenticate(const AuthPolicy& policy, const Userlist& users, std::string_view authorization,
                        std::string* user_out) {
    if (user_out) user_out->clear();
    if (policy.type == AuthPolicy::Type::none) return AuthResult::allowed;
    if (policy.type == AuthPolicy::Type::securelink) return AuthResult::forbidden;
    const bool basic = policy.type == AuthPolicy::Type::basic;
    const AuthResult refused = basic ? AuthResult::challenge : AuthResult::forbidden;

    std::optional<std::string_view> token = credentials_for_scheme(authorization, basic ? "basic" : "bearer");
    if (!token) return refused;
    std::string name;
    std::string secret;
    if (basic) {
        std::optional<std::string> decoded = base64_decode(*token);
        if (!decoded) return refused;
        const size_t colon = decoded->find(':');  // RFC 7617: a user-id never contains ':'
        if (colon == std::string::npos) return refused;
        name = decoded->substr(0, colon);
        secret = decoded->substr(colon + 1);
    } else {
        secret = std::string(*token);
    }

    // Bearer tokens name no user: the token alone decides, as in restreamer.
    const std::optional<Digest> name_digest = sha256(name);
    const std::string* who = nullptr;
    for (const std::string& allowed : policy.users) {
        auto it = users.find(allowed);
        if (it == users.end()) continue;  // the config parser refuses such lists; be safe anyway
        const bool secret_ok = it->second.matches(secret);
        const bool name_ok = !basic || same_digest(name_digest, sha256(allowed).value_or(Digest{}));
        if (secret_ok && name_ok && !who) who = &allowed;
    }
    if (!who) return refused;
    if (user_out) *user_out = *who;
    return AuthResult::allowed;
}

std::string challenge_header(const AuthPolicy& policy) {
    if (policy.type != AuthPolicy::Type::basic) return "";
    std::string realm;
    for (char c : policy.realm) {
        if (c == '"' || c == '\\') realm += '\\';  // keep the quoted-string intact
        realm += c;
    }
    return "Basic realm=\"" + realm + "\" charset=\"UTF-8\"";
}

std::string authorization_for(AuthPolicy::Type type, const std::string& user, const Userlist& users) {
    if (type == AuthPolicy::Type::none || type == AuthPolicy::Type::securelink) return "";
    auto it = users.find(user);
    if (it == users.end() || !it->second.has_plain_password()) return "";
    const std::string& password = it->second.password();
    if (type == AuthPolicy::Type::basic) return basic_authorization({user, password});
    return "Bearer " + password;
}

std::optional<BasicCredentials> credentials_from_userinfo(std::string_view userinfo) {
    if (userinfo.empty()) return std::nullopt;
    // The URL may escape ':' or '@' inside the credentials; they travel decoded. A malformed escape
    // is sent as written rather than dropped.
    auto decoded = [](std::string_view part) { return percent_decode(part).value_or(std::string(part)); };
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) return BasicCredentials{decoded(userinfo), ""};
    return BasicCredentials{decoded(userinfo.substr(0, colon)), decoded(userinfo.substr(colon + 1))};
}

std::string basic_authorization(const BasicCredentials& credentials) {
    return "Basic " + base64_encode(credentials.user + ":" + credentials.password);
}

std::string make_password_hash(std::string_view password) {
    unsigned char salt[kSaltBytes];
    if (RAND_bytes(salt, sizeof salt) != 1) return "";
    const std::string salt_bytes(reinterpret_cast<const char*>(salt), sizeof salt);
    std::optional<Digest> digest = sha256(salt_bytes, password);
    if (!digest) return "";
    return std::string(kHashScheme) + to_hex(salt, sizeof salt) + ":" + to_hex(digest->data(), digest->size());
}
