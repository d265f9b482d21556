#include "kernel/mountinfo.hpp"

#include <sstream>

namespace llh {
namespace {

std::string unescape_octal(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const auto octal = [&](std::size_t at, char high) { return text[at] >= '0' && text[at] <= high; };
        if (text[i] == '\\' && i + 3 < text.size() && octal(i + 1, '3') && octal(i + 2, '7') && octal(i + 3, '7')) {
            out += static_cast<char>(((text[i + 1] - '0') << 6) | ((text[i + 2] - '0') << 3) | (text[i + 3] - '0'));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

}  // namespace

std::vector<MountInfo> parse_mountinfo(std::string_view text) {
    // "36 35 98:0 /root /mnt opts [optional fields...] - ext3 /dev/root rw,errors=continue"
    std::vector<MountInfo> mounts;
    std::istringstream lines{std::string(text)};
    for (std::string line; std::getline(lines, line);) {
        // Blanks inside paths are escaped: the first " - " is the separator.
        const auto separator = line.find(" - ");
        if (separator == std::string::npos) continue;
        std::istringstream before(line.substr(0, separator));
        std::istringstream after(line.substr(separator + 3));
        std::string id, parent, device, root, mount_point;
        MountInfo mount;
        if (!(before >> id >> parent >> device >> root >> mount_point)) continue;
        if (!(after >> mount.fstype >> mount.source)) continue;
        after >> mount.super_options;
        mount.root = unescape_octal(root);
        mount.mount_point = unescape_octal(mount_point);
        mounts.push_back(std::move(mount));
    }
    return mounts;
}

}  // namespace llh
