#include "libpolicy/rule_objects.hpp"

#include <cerrno>
#include <map>
#include <utility>

#include "libpolicy/resolve.hpp"

namespace llh {
namespace {

std::string quoted(const std::string& path) {
    return "\"" + path + "\"";
}

Error at(Error error, const std::string& origin) {
    if (origin.empty()) return error;
    return std::move(error).with_context(origin);
}

std::string prefixed(const std::string& origin, const std::string& message) {
    return origin.empty() ? message : origin + ": " + message;
}

}  // namespace

Result<std::vector<RuleObject>> open_rule_objects(const Policy& policy, int root_fd,
                                                  std::vector<std::string>& warnings) {
    const bool hard = policy.options.compat == Compat::hard;
    std::vector<RuleObject> objects;
    std::map<std::pair<dev_t, ino_t>, std::size_t> index;
    if (policy.paths.empty()) return objects;
    auto root = ResolutionRoot::open(root_fd);
    if (!root) return tl::unexpected(std::move(root.error()));
    for (const PathRule& rule : policy.paths) {
        auto resolved = root->resolve(rule.path);
        if (!resolved) {
            const int error = resolved.error().errno_value;
            if (error != ENOENT && error != ENOTDIR)
                return tl::unexpected(at(std::move(resolved.error()), rule.origin));
            if (hard) {
                return tl::unexpected(
                    at(Error{error,
                             quoted(rule.path) + " does not exist (compat:hard)",
                             "create it, fix the path, or use compat:best-effort to skip missing paths",
                             {}},
                       rule.origin));
            }
            warnings.push_back(prefixed(rule.origin, quoted(rule.path) + " does not exist: the rule is skipped"));
            continue;
        }
        const auto key = std::make_pair(resolved->dev, resolved->ino);
        const auto found = index.find(key);
        if (found != index.end()) {
            objects[found->second].allowed |= rule.allowed;
            continue;
        }
        index.emplace(key, objects.size());
        objects.push_back(RuleObject{rule.path, rule.origin, std::move(resolved->fd), resolved->is_directory,
                                     rule.allowed, resolved->dev, resolved->ino});
    }
    return objects;
}

FsAccess object_rights(const RuleObject& object, FsAccess handled, std::vector<std::string>& warnings) {
    const FsAccess allowed = rights_for_object(object.allowed & handled, object.is_directory);
    if (allowed == 0) {
        warnings.push_back(prefixed(object.origin, quoted(object.path) +
                                                       " is not a directory and none of the rights allowed "
                                                       "on it applies to a file: the rule is skipped"));
    }
    return allowed;
}

Error restricts_nothing(const std::string& target) {
    return Error{0,
                 "compat:hard: the policy restricts nothing on " + target,
                 "add rules (e.g. \"rx:/usr ro:/etc\") or handle some access rights",
                 {}};
}

}  // namespace llh
