#include "oci-hook/annotations.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "libpolicy/compose.hpp"
#include "libpolicy/diagnostics.hpp"
#include "libpolicy/policy_document.hpp"
#include "libpolicy/rule_string.hpp"
#include "libpolicy/unique_fd.hpp"
#include "libpolicy/variables.hpp"
#include "oci-hook/file_io.hpp"

namespace llh {
namespace {

constexpr std::string_view kIncludeHint =
    "an annotation can only name a policy file in /etc/landlock/policies/: install it there and write file:NAME";

std::string quoted(std::string_view text) {
    std::string out = "\"";
    for (const char c : text.substr(0, 80)) {
        out += (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) ? '?' : c;
    }
    if (text.size() > 80) out += "...";
    return out + "\"";
}

// One line per diagnostic: "where: message (hint: hint)".
std::string format_lines(const Diagnostics& diagnostics, Severity severity) {
    std::string out;
    for (const auto& d : diagnostics.all()) {
        if (d.severity != severity) continue;
        if (!out.empty()) out += '\n';
        out += d.where + ": " + d.message;
        if (!d.hint.empty()) out += " (hint: " + d.hint + ")";
    }
    return out;
}

// file:NAME from an annotation: a plain name, looked up beneath the include directory only
// (RESOLVE_BENEATH: no "..", no absolute symlink, no magic link can leave it).
Result<IncludedFile> load_include(const std::string& directory, std::string_view name, const Limits& limits) {
    const bool plain = !name.empty() && name.size() <= 255 && name.find('/') == std::string_view::npos &&
                       name.find('\0') == std::string_view::npos && name.front() != '.';
    if (!plain) {
        return fail("file:" + std::string(name) + " is not a policy name", std::string(kIncludeHint));
    }
    UniqueFd dir(::open(directory.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    if (!dir.valid()) {
        return fail_errno(errno, "cannot open " + directory, std::string(kIncludeHint));
    }
    for (const std::string suffix : {"", ".json", ".toml"}) {
        const std::string candidate = std::string(name) + suffix;
        open_how how{};
        how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
        how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
        UniqueFd fd(static_cast<int>(::syscall(SYS_openat2, dir.get(), candidate.c_str(), &how, sizeof how)));
        if (!fd.valid()) {
            if (errno == ENOENT) continue;
            if (errno == EXDEV) {
                return fail(directory + "/" + candidate + " is a symbolic link that leads out of " + directory,
                            "an annotation never makes the host read a file outside " + directory);
            }
            return fail_errno(errno, "cannot open " + directory + "/" + candidate, std::string(kIncludeHint));
        }
        struct stat st {};
        if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) {
            return fail(directory + "/" + candidate + " is not a regular file");
        }
        auto text = read_all(fd.get(), limits.max_document_bytes, directory + "/" + candidate);
        if (!text) return tl::unexpected(text.error());
        return IncludedFile{directory + "/" + candidate, std::move(*text)};
    }
    return fail("no policy named " + quoted(name) + " in " + directory,
                "install it as " + directory + "/" + std::string(name) + ".json (or .toml)");
}

}  // namespace

Result<std::optional<LandlockRequest>> find_request(const nlohmann::ordered_json& annotations, const Limits& limits) {
    if (annotations.is_null()) return std::optional<LandlockRequest>{};
    if (!annotations.is_object()) {
        return fail("annotations: not a JSON object", "the OCI runtime spec defines annotations as a string map");
    }
    LandlockRequest request;
    bool found = false;
    for (const auto& [key, value] : annotations.items()) {
        if (key.rfind(kAnnotationPrefix, 0) != 0) continue;
        found = true;
        if (key != kRulesAnnotation && key != kPolicyAnnotation) {
            return fail(key + ": unknown annotation",
                        "landlock-hooks reads io.landlock.rules (a rule string) and io.landlock.policy (a JSON "
                        "policy); a misspelt key would leave the container unsandboxed, so it is refused");
        }
        if (!value.is_string()) {
            return fail(key + ": the value is not a string", "annotation values are strings");
        }
        const auto& text = value.get_ref<const std::string&>();
        const std::size_t limit = key == kRulesAnnotation ? limits.max_rule_string_bytes : limits.max_document_bytes;
        if (text.size() > limit) {
            return fail(key + ": the value is " + std::to_string(text.size()) + " bytes, more than the limit of " +
                            std::to_string(limit),
                        "put a long policy in /etc/landlock/policies/NAME.json and write file:NAME");
        }
        (key == kRulesAnnotation ? request.rules : request.policy) = text;
    }
    if (!found) return std::optional<LandlockRequest>{};
    return std::optional<LandlockRequest>{std::move(request)};
}

Result<BuiltPolicy> build_policy(const LandlockRequest& request, const BuildSettings& settings) {
    Diagnostics diagnostics;
    std::optional<Policy> policy;
    bool ok = true;

    if (request.policy) {
        auto parsed = parse_policy_document(*request.policy, kPolicyAnnotation, diagnostics, settings.limits);
        ok = ok && parsed.has_value();
        if (parsed) policy = std::move(*parsed);
    }
    if (request.rules) {
        const IncludeLoader loader = [&](std::string_view name) {
            return load_include(settings.include_directory, name, settings.limits);
        };
        auto parsed = parse_rule_string(*request.rules, kRulesAnnotation, loader, diagnostics, settings.limits);
        ok = ok && parsed.has_value();
        if (parsed) {
            if (policy) {
                // Both annotations: their rules add up, as --policy and --rules do for landlock-launch.
                merge_into(*policy, *parsed);
            } else {
                policy = std::move(*parsed);
            }
        }
    }
    if (ok && policy && !policy->variables.empty()) {
        ok = resolve_variables(*policy, diagnostics, settings.limits);
    }
    if (!ok || !policy || diagnostics.has_errors()) {
        std::string lines = format_lines(diagnostics, Severity::error);
        if (lines.empty()) lines = "the annotations do not describe a policy";
        return fail(lines);
    }

    // mode: is the caller's to decide (choose_container_mode): it depends on the kernel.
    const std::string where = request.rules ? kRulesAnnotation : kPolicyAnnotation;

    BuiltPolicy built;
    std::string warnings = format_lines(diagnostics, Severity::warning);
    if (!warnings.empty()) built.warnings.push_back(std::move(warnings));

    // Check compat now, on the host, so that compat:hard refuses the start before anything runs;
    // the launcher applies the same compat again inside the container (same kernel).
    auto compat = apply_compat(*policy, settings.kernel_abi);
    if (!compat) {
        return tl::unexpected(std::move(compat.error()).with_context(where));
    }
    if (compat->report.enforcement != Enforcement::full) {
        built.warnings.push_back(where + ": " + compat->report.summary());
    }
    built.text = serialize_policy(*policy);
    built.policy = std::move(*policy);
    return built;
}

bool might_request_policy(std::string_view config_text) {
    return config_text.find(kAnnotationPrefix) != std::string_view::npos ||
           config_text.find("\\u") != std::string_view::npos;
}

}  // namespace llh
