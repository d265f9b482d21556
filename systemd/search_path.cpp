#include "systemd/search_path.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <memory>

namespace llh::sd {
namespace {

std::string env_dir(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && value[0] == '/' ? std::string(value) : fallback;
}

std::vector<std::string> split_colons(const std::string& text) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i == text.size() || text[i] == ':') {
            if (i > start) out.push_back(text.substr(start, i - start));
            start = i + 1;
        }
    }
    return out;
}

std::vector<std::string> default_system_path() {
    return {"/etc/systemd/system.control",  "/run/systemd/system.control",  "/run/systemd/transient",
            "/run/systemd/generator.early", "/etc/systemd/system",          "/etc/systemd/system.attached",
            "/run/systemd/system",          "/run/systemd/system.attached", "/run/systemd/generator",
            "/usr/local/lib/systemd/system", "/lib/systemd/system",         "/usr/lib/systemd/system",
            "/run/systemd/generator.late"};
}

std::vector<std::string> default_user_path() {
    const std::string home = env_dir("HOME", "/");
    const std::string config = env_dir("XDG_CONFIG_HOME", home + "/.config");
    const std::string data = env_dir("XDG_DATA_HOME", home + "/.local/share");
    const std::string runtime = env_dir("XDG_RUNTIME_DIR", "/run/user/" + std::to_string(::getuid()));
    std::vector<std::string> out{config + "/systemd/user.control", runtime + "/systemd/user.control",
                                 runtime + "/systemd/transient", runtime + "/systemd/generator.early",
                                 config + "/systemd/user"};
    const char* config_dirs = std::getenv("XDG_CONFIG_DIRS");
    for (const auto& dir : split_colons(config_dirs != nullptr && config_dirs[0] != '\0' ? config_dirs : "/etc/xdg")) {
        out.push_back(dir + "/systemd/user");
    }
    out.insert(out.end(), {"/etc/systemd/user", runtime + "/systemd/user", "/run/systemd/user",
                           runtime + "/systemd/generator", data + "/systemd/user"});
    const char* data_dirs = std::getenv("XDG_DATA_DIRS");
    for (const auto& dir :
         split_colons(data_dirs != nullptr && data_dirs[0] != '\0' ? data_dirs : "/usr/local/share:/usr/share")) {
        out.push_back(dir + "/systemd/user");
    }
    out.insert(out.end(), {"/usr/local/lib/systemd/user", "/usr/lib/systemd/user", runtime + "/systemd/generator.late"});
    return out;
}

bool is_dev_null(const std::string& target) { return target == "/dev/null"; }

std::string base_name(const std::string& path) {
    const std::size_t slash = path.rfind('/');
    return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ends_with(const std::string& text, const std::string& suffix) {
    return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// An empty regular file masks like /dev/null does (systemd.unit(5)).
bool masks(const std::string& path) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return true;  // a dangling symlink hides the name too
    return S_ISCHR(st.st_mode) || (S_ISREG(st.st_mode) && st.st_size == 0);
}

struct DirCloser {
    void operator()(DIR* dir) const { ::closedir(dir); }
};

template <class Visit>
void list_directory(const std::string& path, Visit visit) {
    std::unique_ptr<DIR, DirCloser> dir(::opendir(path.c_str()));
    if (!dir) return;  // a missing directory is the common case, not an error
    while (const dirent* entry = ::readdir(dir.get())) {
        const std::string name = entry->d_name;
        if (name == "." || name == "..") continue;
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN) {
            struct stat st {};
            if (::fstatat(::dirfd(dir.get()), entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
            type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISLNK(st.st_mode) ? DT_LNK : S_ISREG(st.st_mode) ? DT_REG : DT_UNKNOWN;
        }
        visit(name, type);
    }
}

std::string read_link(const std::string& path) {
    char buffer[4096];
    const ssize_t n = ::readlink(path.c_str(), buffer, sizeof buffer - 1);
    return n < 0 ? std::string() : std::string(buffer, static_cast<std::size_t>(n));
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

SearchPath unit_search_path(Scope scope, const std::set<std::string>& skip) {
    std::vector<std::string> directories;
    const char* override_path = std::getenv("SYSTEMD_UNIT_PATH");
    const std::vector<std::string> defaults = scope == Scope::system ? default_system_path() : default_user_path();
    if (override_path != nullptr && override_path[0] != '\0') {
        const std::string text = override_path;
        directories = split_colons(text);
        if (text.back() == ':') directories.insert(directories.end(), defaults.begin(), defaults.end());
    } else {
        directories = defaults;
    }
    SearchPath out;
    for (auto& directory : directories) {
        while (directory.size() > 1 && directory.back() == '/') directory.pop_back();
        if (skip.count(directory) != 0) continue;
        if (std::find(out.directories.begin(), out.directories.end(), directory) != out.directories.end()) continue;
        out.directories.push_back(directory);
    }
    return out;
}

UnitIndex::UnitIndex(SearchPath path) {
    directories_.reserve(path.directories.size());
    for (auto& directory_path : path.directories) {
        Directory directory;
        directory.path = std::move(directory_path);
        list_directory(directory.path, [&](const std::string& name, unsigned char type) {
            if (ends_with(name, ".d")) {
                const std::string unit = name.substr(0, name.size() - 2);
                if (type == DT_DIR || (type == DT_LNK && is_directory(directory.path + "/" + name))) {
                    directory.dropin_dirs.insert(unit);
                }
                return;
            }
            if (!parse_unit_name(name)) return;
            if (type == DT_REG) {
                directory.units.emplace(name, std::string());
            } else if (type == DT_LNK) {
                std::string target = read_link(directory.path + "/" + name);
                directory.units.emplace(name, target.empty() ? std::string("/dev/null") : std::move(target));
            }
        });
        directories_.push_back(std::move(directory));
    }
}

std::optional<UnitIndex::Fragment> UnitIndex::fragment(const UnitName& name) const {
    for (const auto& directory : directories_) {
        const auto found = directory.units.find(name.full);
        if (found == directory.units.end()) continue;
        const std::string path = directory.path + "/" + name.full;
        if (is_dev_null(found->second) || masks(path)) return Fragment{std::string(), true};
        // A symlink to a file of another name makes this name an alias of that unit: systemd
        // loads the target unit under its own name, so the alias has no fragment of its own.
        if (!found->second.empty() && base_name(found->second) != name.full) return std::nullopt;
        return Fragment{path, false};
    }
    if (name.has_instance) {
        const auto template_name = parse_unit_name(name.template_name());
        if (template_name) return fragment(*template_name);
    }
    return std::nullopt;
}

std::vector<std::string> UnitIndex::dropins(const UnitName& name) const {
    const std::vector<std::string> names = dropin_names(name);
    std::map<std::string, std::string> chosen;  // file name -> path ("" = masked)
    for (const auto& directory : directories_) {
        for (const auto& dropin_name : names) {
            if (directory.dropin_dirs.count(dropin_name) == 0) continue;
            const std::string dir_path = directory.path + "/" + dropin_name + ".d";
            list_directory(dir_path, [&](const std::string& file, unsigned char type) {
                if (!ends_with(file, ".conf") || chosen.count(file) != 0) return;
                const std::string path = dir_path + "/" + file;
                if (type == DT_LNK && is_dev_null(read_link(path))) {
                    chosen.emplace(file, std::string());
                } else if (type == DT_REG || type == DT_LNK) {
                    chosen.emplace(file, masks(path) ? std::string() : path);
                }
            });
        }
    }
    std::vector<std::string> out;  // std::map iterates in file-name order: systemd's order
    for (const auto& [file, path] : chosen) {
        if (!path.empty()) out.push_back(path);
    }
    return out;
}

bool UnitIndex::has_aliases(const UnitName& name) const {
    const std::string own = name.has_instance ? name.template_name() : name.full;
    for (const auto& directory : directories_) {
        for (const auto& [unit, target] : directory.units) {
            if (!target.empty() && unit != name.full && base_name(target) == own) return true;
        }
    }
    return false;
}

std::vector<std::string> UnitIndex::service_names() const {
    std::set<std::string> names;
    std::set<std::string> templates;
    for (const auto& directory : directories_) {
        for (const auto& [name, target] : directory.units) {
            const auto parsed = parse_unit_name(name);
            if (!parsed || parsed->type != "service") continue;
            if (parsed->is_template) templates.insert(name);
            names.insert(name);
        }
    }
    // An instance configured only through its own drop-in directory ("getty@tty1.service.d").
    for (const auto& directory : directories_) {
        for (const auto& unit : directory.dropin_dirs) {
            const auto parsed = parse_unit_name(unit);
            if (parsed && parsed->type == "service" && parsed->has_instance && templates.count(parsed->template_name()) != 0) {
                names.insert(unit);
            }
        }
    }
    return {names.begin(), names.end()};
}

}  // namespace llh::sd
