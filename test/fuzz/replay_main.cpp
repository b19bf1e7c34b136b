// replay_main.cpp - a main() for a fuzz target built without libFuzzer (g++, any SANITIZE): runs
// LLVMFuzzerTestOneInput once on each file named, or on each file in each directory named, so that
// `make test` replays the committed corpus. A broken invariant or a sanitizer error aborts the run.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size);

namespace fs = std::filesystem;

namespace {

bool run_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "cannot read %s\n", path.c_str());
        return false;
    }
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // Named before the run: after a crash the last line printed is the input that caused it.
    std::printf("%s\n", path.c_str());
    std::fflush(stdout);
    // An empty vector's data() may be null; libFuzzer passes a valid pointer even for empty inputs.
    static const uint8_t kEmpty = 0;
    const uint8_t* data = bytes.empty() ? &kEmpty : reinterpret_cast<const uint8_t*>(bytes.data());
    LLVMFuzzerTestOneInput(data, bytes.size());
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIRECTORY...\n", argv[0]);
        return 2;
    }
    std::size_t inputs = 0;
    bool ok = true;
    for (int i = 1; i < argc; ++i) {
        const fs::path arg(argv[i]);
        std::error_code error;
        if (!fs::is_directory(arg, error)) {
            ok = run_file(arg) && ok;
            ++inputs;
            continue;
        }
        // Sorted, so that a failing run names the same file every time.
        std::vector<fs::path> files;
        for (const auto& entry : fs::directory_iterator(arg, error)) {
            if (entry.is_regular_file()) files.push_back(entry.path());
        }
        if (error) {
            std::fprintf(stderr, "cannot list %s: %s\n", argv[i], error.message().c_str());
            ok = false;
        }
        std::sort(files.begin(), files.end());
        for (const fs::path& file : files) {
            ok = run_file(file) && ok;
            ++inputs;
        }
    }
    std::printf("%s: %zu inputs replayed\n", argv[0], inputs);
    return ok ? 0 : 1;
}
