// A throw-away directory per test: unit and kernel fixtures alike.
#pragma once

#include <string>
#include <string_view>

namespace llh::test {

// A fresh directory /tmp/<prefix>-XXXXXX, removed with everything in it when the test ends.
// Held as a fixture member rather than made in SetUp(): it is cleaned up even when SetUp() skips.
class TempTree {
public:
    explicit TempTree(std::string_view prefix = "llh-kernel");
    ~TempTree();
    TempTree(const TempTree&) = delete;
    TempTree& operator=(const TempTree&) = delete;

    const std::string& root() const { return root_; }
    std::string path(std::string_view relative) const { return root_ + "/" + std::string(relative); }
    std::string make_dir(std::string_view relative) const;
    std::string make_file(std::string_view relative, std::string_view content = "content\n") const;

private:
    std::string root_;
};

}  // namespace llh::test
