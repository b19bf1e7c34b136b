// parsed.h - Parsed<T>, what every parser in common/ returns: a value, or one line saying why not.
// Truthy when it holds a value, like httplib's Result, so a caller writes `if (!p) ... p.error()`.
#pragma once

#include <optional>
#include <string>
#include <utility>

// A failed parse; converts to any Parsed<T>, so a parser can `return ParseError{"missing port"};`.
struct ParseError {
    std::string message;  // one line, no trailing period
};

template <typename T>
class Parsed {
public:
    Parsed(T value) : value_(std::move(value)) {}
    Parsed(ParseError error) : error_(std::move(error.message)) {}

    explicit operator bool() const { return value_.has_value(); }
    // Only when truthy, as with std::optional.
    T& operator*() & { return *value_; }
    const T& operator*() const& { return *value_; }
    T&& operator*() && { return std::move(*value_); }
    T* operator->() { return &*value_; }
    const T* operator->() const { return &*value_; }
    // Empty when there is a value.
    const std::string& error() const { return error_; }

private:
    std::optional<T> value_;
    std::string error_;
};
