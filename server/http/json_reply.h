// json_reply.h - the small pieces every JSON answer of the API is written with (RapidJSON's Writer,
// which escapes every string).
#pragma once

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cstdint>
#include <string>

#include "server/http/http_reply.h"

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

inline void put(JsonWriter& writer, const char* key, uint64_t value) {
    writer.Key(key);
    writer.Uint64(value);
}

inline void put(JsonWriter& writer, const char* key, const std::string& value) {
    writer.Key(key);
    writer.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

// A 200 application/json reply with what `buffer` holds.
inline HttpReply json_reply(const rapidjson::StringBuffer& buffer) {
    HttpReply reply;
    reply.content_type = "application/json";
    reply.body.assign(buffer.GetString(), buffer.GetSize());
    return reply;
}
