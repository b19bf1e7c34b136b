// argv.h - argument vectors for the tests of the command-line parsers.
#pragma once

#include <initializer_list>
#include <vector>

// {program, args...}; the pointers are to string literals, so the vector may outlive the call.
inline std::vector<const char*> argv_of(const char* program, std::initializer_list<const char*> args) {
    std::vector<const char*> argv{program};
    argv.insert(argv.end(), args);
    return argv;
}
