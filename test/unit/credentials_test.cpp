// credentials_test.cpp - UserCredential (plain and hashed), authenticate() for Basic and Bearer,
// the 401 challenge, the headers for outgoing requests and make_password_hash().
#include <catch2/catch.hpp>

#include <cctype>
#include <set>
#include <string>
#include <vector>

#include "common/config/base64.h"
#include "common/config/credentials.h"

namespace {

// "sha256:" + hex(salt "salt") + ":" + hex(SHA-256("salt" "secret")), computed with
//   printf 'saltsecret' | sha256sum
const std::string kSecretHash = "sha256:73616c74:bede90386d450cea8b77b822f8887065e4e5abf132c2f9dccfcc7fbd4cba5e35";

Userlist users() {
    Userlist list;
    list.emplace("alice", UserCredential::from_password("secret"));
    list.emplace("bob", UserCredential::from_password("hunter2"));
    list.emplace("carol", *UserCredential::from_hash(kSecretHash));
    list.emplace("mallory", UserCredential::from_password("evil"));
    return list;
}

AuthPolicy policy(AuthPolicy::Type type, std::vector<std::string> allowed) {
    AuthPolicy p;
    p.type = type;
    p.realm = "tv";
    p.users = std::move(allowed);
    return p;
}

std::string basic(const std::string& user_colon_password) { return "Basic " + base64_encode(user_colon_password); }

}  // namespace

TEST_CASE("UserCredential: a plain password matches itself only", "[credentials]") {
    const UserCredential credential = UserCredential::from_password("secret");
    CHECK(credential.has_plain_password());
    CHECK(credential.password() == "secret");
    CHECK(credential.matches("secret"));
    // Neither a prefix, nor an extension, nor the same length with one byte changed: the
    // comparison is over digests, so no length or prefix is special.
    for (const char* wrong : {"", "s", "secre", "secret ", "secrets", "Secret", "secreT"}) {
        INFO(wrong);
        CHECK_FALSE(credential.matches(wrong));
    }
    CHECK_FALSE(credential.matches(std::string("secret\0", 7)));
}

TEST_CASE("UserCredential: a hash matches the password it was made from", "[credentials]") {
    auto credential = UserCredential::from_hash(kSecretHash);
    REQUIRE(credential);
    CHECK_FALSE(credential->has_plain_password());
    CHECK(credential->password().empty());
    CHECK(credential->matches("secret"));
    CHECK_FALSE(credential->matches("saltsecret"));
    CHECK_FALSE(credential->matches("secret2"));
    CHECK_FALSE(credential->matches(""));
    // Hex digits in either case.
    std::string upper = kSecretHash;
    for (size_t i = 7; i < upper.size(); ++i) upper[i] = static_cast<char>(std::toupper(static_cast<unsigned char>(upper[i])));
    REQUIRE(UserCredential::from_hash(upper));
    CHECK(UserCredential::from_hash(upper)->matches("secret"));
}

TEST_CASE("UserCredential: malformed hashes are refused", "[credentials]") {
    const std::string digest = "bede90386d450cea8b77b822f8887065e4e5abf132c2f9dccfcc7fbd4cba5e35";
    const std::vector<std::string> texts = {
        "",
        "secret",
        "sha256:" + digest,                     // no salt
        "sha256::" + digest,                    // empty salt
        "sha1:73616c74:" + digest,              // another algorithm
        "SHA256:73616c74:" + digest,            // the scheme is lower case
        "sha256:7361gc74:" + digest,            // not hex
        "sha256:73616c7:" + digest,             // odd salt length
        "sha256:73616c74:" + digest.substr(2),  // digest too short
        "sha256:73616c74:" + digest + "00",     // digest too long
        "sha256:73616c74:" + digest + ":",      // trailing field
        " sha256:73616c74:" + digest,           // leading space
    };
    for (const std::string& text : texts) {
        INFO(text);
        CHECK_FALSE(UserCredential::from_hash(text));
    }
}

TEST_CASE("make_password_hash: salted, random, and accepted by from_hash", "[credentials]") {
    const std::string hash = make_password_hash("correct horse");
    REQUIRE(hash.size() == 7 + 32 + 1 + 64);
    CHECK(hash.compare(0, 7, "sha256:") == 0);
    CHECK(hash[39] == ':');
    auto credential = UserCredential::from_hash(hash);
    REQUIRE(credential);
    CHECK(credential->matches("correct horse"));
    CHECK_FALSE(credential->matches("correct horse "));
    // A fresh salt each time: the same password never gives the same string.
    std::set<std::string> seen;
    for (int i = 0; i < 20; ++i) seen.insert(make_password_hash("same"));
    CHECK(seen.size() == 20);
    CHECK(UserCredential::from_hash(make_password_hash(""))->matches(""));
}

TEST_CASE("UserCredential: equality follows the secret", "[credentials]") {
    CHECK(UserCredential::from_password("a") == UserCredential::from_password("a"));
    CHECK(UserCredential::from_password("a") != UserCredential::from_password("b"));
    CHECK(*UserCredential::from_hash(kSecretHash) == *UserCredential::from_hash(kSecretHash));
    CHECK(*UserCredential::from_hash(kSecretHash) != UserCredential::from_password("secret"));
}

TEST_CASE("authenticate: no policy lets everyone in", "[credentials]") {
    std::string user = "stale";
    CHECK(authenticate(AuthPolicy{}, users(), "", &user) == AuthResult::allowed);
    CHECK(user.empty());
    CHECK(authenticate(AuthPolicy{}, users(), "Basic garbage") == AuthResult::allowed);
}

TEST_CASE("authenticate: basic success names the user", "[credentials]") {
    const AuthPolicy p = policy(AuthPolicy::Type::basic, {"alice", "bob", "carol"});
    std::string user;
    CHECK(authenticate(p, users(), basic("alice:secret"), &user) == AuthResult::allowed);
    CHECK(user == "alice");
    CHECK(authenticate(p, users(), basic("bob:hunter2"), &user) == AuthResult::allowed);
    CHECK(user == "bob");
    // A hashed password is checked the same way.
    CHECK(authenticate(p, users(), basic("carol:secret"), &user) == AuthResult::allowed);
    CHECK(user == "carol");
    // RFC 7235: the scheme is case-insensitive; extra blanks around the token are tolerated.
    CHECK(authenticate(p, users(), "basic " + base64_encode("alice:secret")) == AuthResult::allowed);
    CHECK(authenticate(p, users(), "BASIC   " + base64_encode("alice:secret") + " ") == AuthResult::allowed);
    // Only the first ':' separates: the password may contain more.
    Userlist with_colon;
    with_colon.emplace("dave", UserCredential::from_password("a:b"));
    CHECK(authenticate(policy(AuthPolicy::Type::basic, {"dave"}), with_colon, basic("dave:a:b")) == AuthResult::allowed);
}

TEST_CASE("authenticate: basic failures ask for credentials again", "[credentials]") {
    const AuthPolicy p = policy(AuthPolicy::Type::basic, {"alice", "carol"});
    const Userlist list = users();
    std::string user = "stale";
    CHECK(authenticate(p, list, "", &user) == AuthResult::challenge);  // no header
    CHECK(user.empty());
    CHECK(authenticate(p, list, basic("alice:wrong"), &user) == AuthResult::challenge);
    CHECK(user.empty());
    CHECK(authenticate(p, list, basic("alice:"), &user) == AuthResult::challenge);
    CHECK(authenticate(p, list, basic("carol:wrong")) == AuthResult::challenge);  // hashed, wrong
    CHECK(authenticate(p, list, basic("carol:" + kSecretHash)) == AuthResult::challenge);  // the hash is no password
    CHECK(authenticate(p, list, basic("nobody:secret")) == AuthResult::challenge);          // unknown user
    CHECK(authenticate(p, list, basic("mallory:evil")) == AuthResult::challenge);           // known, but not listed
    CHECK(authenticate(p, list, basic("bob:hunter2")) == AuthResult::challenge);            // known, but not listed
    CHECK(authenticate(p, list, basic("Alice:secret")) == AuthResult::challenge);           // names are case-sensitive
    CHECK(authenticate(p, list, basic(":secret")) == AuthResult::challenge);
    CHECK(authenticate(p, list, basic("alicesecret")) == AuthResult::challenge);            // no ':'
    // Another user's password does not open this account.
    CHECK(authenticate(policy(AuthPolicy::Type::basic, {"alice", "bob"}), list, basic("alice:hunter2")) ==
          AuthResult::challenge);
}

TEST_CASE("authenticate: malformed basic headers are refused", "[credentials]") {
    const AuthPolicy p = policy(AuthPolicy::Type::basic, {"alice"});
    const Userlist list = users();
    const std::string token = base64_encode("alice:secret");  // YWxpY2U6c2VjcmV0
    const std::vector<std::string> headers = {
        "Basic",
        "Basic ",
        "Basic" + token,                                          // no blank after the scheme
        "Bearer " + token,                                        // wrong scheme
        "Digest " + token,
        "Basic " + token.substr(0, token.size() - 1),             // not a multiple of 4
        "Basic " + token + "=",
        "Basic " + token + "====",
        "Basic YWxpY2U6c2VjcmV0!",                                // outside the alphabet
        "Basic YWxp Y2U6c2VjcmV0",                                // two tokens
        "Basic ====",
        "Basic " + base64_encode("alice:secret").insert(4, "="),  // padding in the middle
        token,                                                    // no scheme at all
    };
    for (const std::string& header : headers) {
        INFO(header);
        CHECK(authenticate(p, list, header) == AuthResult::challenge);
    }
}

TEST_CASE("authenticate: bearer tokens are the password; failures are 403", "[credentials]") {
    const AuthPolicy p = policy(AuthPolicy::Type::bearer, {"alice", "carol"});
    const Userlist list = users();
    std::string user;
    CHECK(authenticate(p, list, "Bearer secret", &user) == AuthResult::allowed);
    CHECK(user == "alice");  // the first listed user whose secret it is
    CHECK(authenticate(policy(AuthPolicy::Type::bearer, {"carol"}), list, "Bearer secret", &user) == AuthResult::allowed);
    CHECK(user == "carol");  // hashed
    CHECK(authenticate(p, list, "bearer secret") == AuthResult::allowed);

    CHECK(authenticate(p, list, "", &user) == AuthResult::forbidden);
    CHECK(user.empty());
    CHECK(authenticate(p, list, "Bearer wrong") == AuthResult::forbidden);
    CHECK(authenticate(p, list, "Bearer hunter2") == AuthResult::forbidden);  // bob is not listed
    CHECK(authenticate(p, list, "Bearer evil") == AuthResult::forbidden);     // nor is mallory
    CHECK(authenticate(p, list, "Bearer") == AuthResult::forbidden);
    CHECK(authenticate(p, list, "Bearer ") == AuthResult::forbidden);
    CHECK(authenticate(p, list, "Bearer secret extra") == AuthResult::forbidden);
    CHECK(authenticate(p, list, "Basic " + base64_encode("alice:secret")) == AuthResult::forbidden);
    CHECK(authenticate(p, list, "secret") == AuthResult::forbidden);
}

TEST_CASE("authenticate: an empty user list refuses everyone", "[credentials]") {
    const Userlist list = users();
    CHECK(authenticate(policy(AuthPolicy::Type::basic, {}), list, basic("alice:secret")) == AuthResult::challenge);
    CHECK(authenticate(policy(AuthPolicy::Type::bearer, {}), list, "Bearer secret") == AuthResult::forbidden);
    // A listed name missing from the userlist is skipped, never matched.
    CHECK(authenticate(policy(AuthPolicy::Type::basic, {"ghost"}), list, basic("ghost:")) == AuthResult::challenge);
}

TEST_CASE("challenge_header: restreamer's form, for basic only", "[credentials]") {
    CHECK(challenge_header(policy(AuthPolicy::Type::basic, {})) == "Basic realm=\"tv\" charset=\"UTF-8\"");
    AuthPolicy quoting = policy(AuthPolicy::Type::basic, {});
    quoting.realm = R"(say "hi" \o/)";
    CHECK(challenge_header(quoting) == R"(Basic realm="say \"hi\" \\o/" charset="UTF-8")");
    quoting.realm.clear();
    CHECK(challenge_header(quoting) == "Basic realm=\"\" charset=\"UTF-8\"");
    CHECK(challenge_header(policy(AuthPolicy::Type::bearer, {})).empty());
    CHECK(challenge_header(AuthPolicy{}).empty());
}

TEST_CASE("authorization_for: what a notification sends", "[credentials]") {
    const Userlist list = users();
    CHECK(authorization_for(AuthPolicy::Type::basic, "alice", list) == "Basic YWxpY2U6c2VjcmV0");
    CHECK(authorization_for(AuthPolicy::Type::bearer, "alice", list) == "Bearer secret");
    CHECK(authorization_for(AuthPolicy::Type::none, "alice", list).empty());
    CHECK(authorization_for(AuthPolicy::Type::basic, "nobody", list).empty());
    CHECK(authorization_for(AuthPolicy::Type::basic, "carol", list).empty());  // only a hash is known
    // What we send, we accept.
    CHECK(authenticate(policy(AuthPolicy::Type::basic, {"alice"}), list,
                       authorization_for(AuthPolicy::Type::basic, "alice", list)) == AuthResult::allowed);
    CHECK(authenticate(policy(AuthPolicy::Type::bearer, {"bob"}), list,
                       authorization_for(AuthPolicy::Type::bearer, "bob", list)) == AuthResult::allowed);
}

TEST_CASE("credentials_from_userinfo: an upstream URL's user and password, sent as Basic", "[credentials]") {
    auto header = [](std::string_view userinfo) {
        auto credentials = credentials_from_userinfo(userinfo);
        return credentials ? basic_authorization(*credentials) : std::string("none");
    };
    CHECK(header("") == "none");
    CHECK(header("alice:secret") == basic("alice:secret"));
    // Escapes are decoded: the user "al@ce", the password "p@ss:1".
    CHECK(header("al%40ce:p%40ss%3A1") == basic("al@ce:p@ss:1"));
    CHECK(credentials_from_userinfo("al%40ce:p%40ss%3A1")->user == "al@ce");
    CHECK(credentials_from_userinfo("al%40ce:p%40ss%3A1")->password == "p@ss:1");
    // No colon is an empty password, and RFC 7617 still wants the colon.
    CHECK(header("token") == basic("token:"));
    // A malformed escape is sent as written rather than dropped.
    CHECK(header("alice:50%") == basic("alice:50%"));
    CHECK(authenticate(policy(AuthPolicy::Type::basic, {"alice"}), users(), header("alice:secret")) == AuthResult::allowed);
}

TEST_CASE("AuthPolicy: equality and names", "[credentials]") {
    CHECK(policy(AuthPolicy::Type::basic, {"a"}) == policy(AuthPolicy::Type::basic, {"a"}));
    CHECK(policy(AuthPolicy::Type::basic, {"a"}) != policy(AuthPolicy::Type::bearer, {"a"}));
    CHECK(policy(AuthPolicy::Type::basic, {"a"}) != policy(AuthPolicy::Type::basic, {"a", "b"}));
    AuthPolicy other_realm = policy(AuthPolicy::Type::basic, {"a"});
    other_realm.realm = "radio";
    CHECK(other_realm != policy(AuthPolicy::Type::basic, {"a"}));
    CHECK(std::string(to_string(AuthPolicy::Type::none)) == "none");
    CHECK(std::string(to_string(AuthPolicy::Type::basic)) == "basic");
    CHECK(std::string(to_string(AuthPolicy::Type::bearer)) == "bearer");
}
