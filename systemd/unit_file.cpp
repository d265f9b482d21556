#include "systemd/unit_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "libpolicy/unique_fd.hpp"

namespace llh::sd {
namespace {

constexpr std::string_view kWhitespace = " \t\n\r";

std::string_view strip(std::string_view text) {
    const std::size_t first = text.find_first_not_of(kWhitespace);
    if (first == std::string_view::npos) return {};
    const std::size_t last = text.find_last_not_of(kWhitespace);
    return text.substr(first, last - first + 1);
}

// A line continues on the next when its last byte is a backslash that is not itself escaped.
bool ends_in_escape(std::string_view line) {
    bool escaped = false;
    for (char c : line) escaped = escaped ? false : c == '\\';
    return escaped;
}

class Reader {
public:
    Reader(std::string path, const UnitLimits& limits) : limits_(limits) { unit_.path = std::move(path); }

    Result<UnitFile> run(std::string_view text) {
        if (text.size() > limits_.max_file_bytes) {
            return fail(unit_.path + ": the file is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                            std::to_string(limits_.max_file_bytes),
                        "a unit file this large is not a unit file; split it into drop-ins");
        }
        if (const std::size_t nul = text.find('\0'); nul != std::string_view::npos) {
            return fail(unit_.path + ": a NUL byte at byte " + std::to_string(nul), "a unit file is text");
        }
        if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // a UTF-8 BOM, as systemd skips it

        std::size_t number = 0;
        std::size_t start = 0;
        while (start < text.size()) {
            std::size_t end = text.find('\n', start);
            if (end == std::string_view::npos) end = text.size();
            const std::string_view raw = text.substr(start, end - start);
            start = end + 1;
            ++number;
            if (auto added = add_line(raw, number); !added) return tl::unexpected(std::move(added.error()));
        }
        if (continuing_) finish_logical_line();  // a file ending in '\': systemd takes what it has
        return std::move(unit_);
    }

private:
    Result<void> add_line(std::string_view raw, std::size_t number) {
        const std::string_view trimmed = strip(raw);
        // Comment lines are dropped even inside a continuation (systemd.syntax(7)).
        if (!trimmed.empty() && (trimmed.front() == '#' || trimmed.front() == ';')) return {};
        if (!continuing_) {
            logical_.clear();
            first_line_ = number;
        }
        if (logical_.size() + raw.size() > limits_.max_line_bytes) {
            return fail(unit_.path + ":" + std::to_string(first_line_) + ": the line is longer than " +
                            std::to_string(limits_.max_line_bytes) + " bytes",
                        "systemd refuses such lines too; shorten it or split it into several assignments");
        }
        logical_.append(raw);
        if (ends_in_escape(raw)) {
            logical_.back() = ' ';  // the backslash becomes a space, as in systemd
            continuing_ = true;
            return {};
        }
        continuing_ = false;
        finish_logical_line();
        return {};
    }

    void finish_logical_line() {
        continuing_ = false;
        const std::string_view line = strip(logical_);
        if (line.empty()) return;
        if (line.front() == '[') {
            // "[Name]" and nothing else; anything malformed leaves us outside every section so
            // that its assignments are ignored, as systemd ignores them.
            section_.clear();
            if (line.size() >= 2 && line.back() == ']') section_ = std::string(line.substr(1, line.size() - 2));
            in_section_ = !section_.empty();
            return;
        }
        if (!in_section_) return;
        const std::size_t equals = line.find('=');
        if (equals == std::string_view::npos) return;
        const std::string_view key = strip(line.substr(0, equals));
        if (key.empty()) return;
        unit_.assignments.push_back(
            Assignment{section_, std::string(key), std::string(strip(line.substr(equals + 1))), first_line_});
    }

    const UnitLimits& limits_;
    UnitFile unit_;
    std::string logical_;
    std::string section_;
    bool in_section_ = false;
    bool continuing_ = false;
    std::size_t first_line_ = 0;
};

}  // namespace

Result<UnitFile> parse_unit_file(std::string_view text, std::string path, const UnitLimits& limits) {
    return Reader(std::move(path), limits).run(text);
}

Result<UnitFile> read_unit_file(const std::string& path, const UnitLimits& limits) {
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) return fail_errno(errno, "cannot open " + path);
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return fail_errno(errno, "cannot stat " + path);
    // A FIFO or device in a unit directory would block or never end.
    if (!S_ISREG(st.st_mode)) return fail(path + " is not a regular file", "unit files and drop-ins are regular files");
    if (static_cast<std::size_t>(st.st_size) > limits.max_file_bytes) {
        return fail(path + ": the file is " + std::to_string(st.st_size) + " bytes, more than the limit of " +
                        std::to_string(limits.max_file_bytes),
                    "a unit file this large is not a unit file; split it into drop-ins");
    }
    std::string text;
    text.resize(static_cast<std::size_t>(st.st_size));
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::read(fd.get(), text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return fail_errno(errno, "cannot read " + path);
        if (n == 0) break;  // the file shrank while we read: take what is there
        done += static_cast<std::size_t>(n);
    }
    text.resize(done);
    return parse_unit_file(text, path, limits);
}

bool mentions_landlock(std::string_view text) { return text.find("LandlockPolicy") != std::string_view::npos; }

}  // namespace llh::sd
