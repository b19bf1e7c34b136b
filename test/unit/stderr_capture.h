// stderr_capture.h - catches what the code under test logs: fd 2 goes to a temporary file while a
// StderrCapture lives.
#pragma once

#include <unistd.h>

#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

class StderrCapture {
public:
    StderrCapture() {
        char path[] = "/tmp/unit_tests_stderr_XXXXXX";
        fd_ = mkstemp(path);
        unlink(path);
        saved_ = dup(STDERR_FILENO);
        dup2(fd_, STDERR_FILENO);
    }
    ~StderrCapture() {
        dup2(saved_, STDERR_FILENO);
        close(saved_);
        close(fd_);
    }
    StderrCapture(const StderrCapture&) = delete;
    StderrCapture& operator=(const StderrCapture&) = delete;

    std::string text() const {
        std::string out;
        char buffer[4096];
        ssize_t n;
        for (off_t at = 0; (n = pread(fd_, buffer, sizeof buffer, at)) > 0; at += n) out.append(buffer, n);
        return out;
    }
    // The lines that contain `needle`.
    std::vector<std::string> lines_with(const std::string& needle) const {
        std::vector<std::string> found;
        std::istringstream lines(text());
        for (std::string line; std::getline(lines, line);)
            if (line.find(needle) != std::string::npos) found.push_back(line);
        return found;
    }

private:
    int fd_ = -1;
    int saved_ = -1;
};
