#include "launch/policy_sources.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "io/bounded_read.hpp"
#include "libpolicy/compose.hpp"
#include "libpolicy/policy_document.hpp"
#include "libpolicy/rule_string.hpp"
#include "libpolicy/unique_fd.hpp"
#include "libpolicy/variables.hpp"

namespace llh {
namespace {

std::string quoted(std::string_view text) {
    return "\"" + std::string(text) + "\"";
}

std::string too_large(const std::string& what, const Limits& limits) {
    return what + " is larger than the limit of " + std::to_string(limits.max_document_bytes) + " bytes";
}

// `expected`: a file's size, read in one round.
Result<std::string> read_bounded(int fd, const std::string& what, const Limits& limits, std::size_t expected = 0) {
    auto read = read_up_to(fd, limits.max_document_bytes, expected);
    if (!read) return fail_errno(read.error().errno_value, "cannot read " + what);
    std::string& text = *read;
    if (text.size() > limits.max_document_bytes) return fail(too_large(what, limits), "split the policy or shorten it");
    if (const auto nul = text.find('\0'); nul != std::string::npos) {
        return fail(what + " is a binary file (NUL byte at offset " + std::to_string(nul) + ")",
                    "a policy is a JSON or TOML text file");
    }
    return std::move(text);
}

// Diagnostics name where; an Error's message already names the file, so only errno and hint
// travel into the diagnostic's text.
void report(Diagnostics& diagnostics, const std::string& where, const Error& error) {
    Error copy = error;
    std::string hint = std::move(copy.hint);
    copy.hint.clear();
    diagnostics.error(where, copy.what(), std::move(hint));
}

bool is_plain_name(std::string_view name) {
    return !name.empty() && name.find('/') == std::string_view::npos && name.find("..") == std::string_view::npos &&
           name.find('\0') == std::string_view::npos;
}

// file:NAME from the command line: a name in the policy directory, or an absolute path (the
// user who types the command line could read the file anyway).
Result<IncludedFile> load_include(std::string_view name, const Limits& limits) {
    if (!name.empty() && name.front() == '/') {
        auto text = read_policy_file(std::string(name), limits);
        if (!text) return tl::unexpected(std::move(text.error()));
        return IncludedFile{std::string(name), std::move(*text)};
    }
    if (!is_plain_name(name)) {
        return fail(
            "cannot include " + quoted(name) + ": not a policy name",
            std::string("name a file in ") + kPolicyDirectory + " (no '/' and no \"..\") or give an absolute path");
    }
    const std::string base = std::string(kPolicyDirectory) + "/" + std::string(name);
    for (const char* suffix : {"", ".json", ".toml"}) {
        const std::string path = base + suffix;
        auto text = read_policy_file(path, limits);
        if (text) return IncludedFile{path, std::move(*text)};
        if (text.error().errno_value != ENOENT) return tl::unexpected(std::move(text.error()));
    }
    return fail_errno(ENOENT,
                      "cannot include " + quoted(name) + ": no " + base + ", " + base + ".json or " + base + ".toml",
                      std::string("put the policy in ") + kPolicyDirectory + " or give an absolute path");
}

}  // namespace

Result<std::string> read_policy_file(const std::string& path, const Limits& limits) {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever; it is
    // refused as "not a regular file" right after.
    UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK));
    if (!fd.valid()) {
        const int error = errno;
        return fail_errno(error, "cannot open " + quoted(path),
                          error == ENOENT   ? "check the file name"
                          : error == EACCES ? "check its permissions"
                                            : "");
    }
    struct stat status {};
    if (::fstat(fd.get(), &status) != 0) return fail_errno(errno, "cannot stat " + quoted(path));
    if (!S_ISREG(status.st_mode)) {
        return fail(quoted(path) + " is not a regular file", "a policy is a JSON or TOML text file");
    }
    // Refused before reading a byte: a 100 MB file costs one fstat, not 100 MB of memory.
    if (static_cast<std::uint64_t>(status.st_size) > limits.max_document_bytes) {
        return fail(quoted(path) + " is " + std::to_string(status.st_size) + " bytes, larger than the limit of " +
                        std::to_string(limits.max_document_bytes) + " bytes",
                    "a policy file of this size is not a policy: check the path");
    }
    const int flags = ::fcntl(fd.get(), F_GETFL);
    if (flags >= 0) ::fcntl(fd.get(), F_SETFL, flags & ~O_NONBLOCK);
    return read_bounded(fd.get(), quoted(path), limits, static_cast<std::size_t>(status.st_size));
}

std::optional<Policy> load_policy(const PolicySources& sources, Diagnostics& diagnostics, const Limits& limits) {
    Diagnostics found;
    std::vector<Policy> documents;

    for (const std::string& file : sources.files) {
        auto text = read_policy_file(file, limits);
        if (!text) {
            report(found, "--policy", text.error());
            continue;
        }
        if (auto policy = parse_policy_document(*text, file, found, limits)) documents.push_back(std::move(*policy));
    }

    if (sources.fd) {
        const std::string where = "--policy-fd " + std::to_string(*sources.fd);
        auto text = read_bounded(*sources.fd, "the policy on fd " + std::to_string(*sources.fd), limits);
        // The fd was meant for us, not for the workload we exec next; the standard streams
        // stay the workload's own (a policy on stdin leaves it at EOF anyway).
        if (*sources.fd > STDERR_FILENO) ::fcntl(*sources.fd, F_SETFD, FD_CLOEXEC);
        if (!text) {
            report(found, where, text.error());
        } else if (auto policy = parse_policy_document(*text, where, found, limits)) {
            documents.push_back(std::move(*policy));
        }
    }

    std::optional<Policy> from_rules;
    if (sources.rules) {
        const IncludeLoader loader = [&limits](std::string_view name) { return load_include(name, limits); };
        from_rules = parse_rule_string(*sources.rules, "--rules", loader, found, limits);
    }

    if (sources.files.empty() && !sources.fd && !sources.rules) {
        found.error("command line", "no policy given", "use --policy FILE, --policy-fd N or --rules STRING");
    }

    std::optional<Policy> policy;
    if (!found.has_errors()) {
        if (!documents.empty()) {
            // Several files restrict together: the landlockconfig composition (intersection).
            policy = compose(documents);
            // A rule string given next to them adds its own rules (union), as with file: includes.
            if (from_rules) merge_into(*policy, *from_rules);
        } else {
            policy = std::move(from_rules);
        }
        if (policy && !resolve_variables(*policy, found, limits)) policy.reset();
    }

    diagnostics.append(found);
    if (found.has_errors() || !policy) return std::nullopt;
    return policy;
}

}  // namespace llh
