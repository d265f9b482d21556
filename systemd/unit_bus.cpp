#include "systemd/unit_bus.hpp"

#include <systemd/sd-bus.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>

namespace llh::sd {
namespace {

struct BusUnref {
    void operator()(sd_bus* bus) const { sd_bus_flush_close_unref(bus); }
};
struct MessageUnref {
    void operator()(sd_bus_message* message) const { sd_bus_message_unref(message); }
};
struct FreeChars {
    void operator()(char* text) const { std::free(text); }
};
using Bus = std::unique_ptr<sd_bus, BusUnref>;
using Message = std::unique_ptr<sd_bus_message, MessageUnref>;
using Chars = std::unique_ptr<char, FreeChars>;

constexpr const char* kDestination = "org.freedesktop.systemd1";

// The manager's private socket answers without a D-Bus daemon (there is none early at boot,
// nor in a container) and skips the daemon's routing; only its owner may connect.
Result<Bus> connect(Scope scope) {
    std::string private_socket;
    if (scope == Scope::system) {
        if (::geteuid() == 0) private_socket = "/run/systemd/private";
    } else if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime != nullptr && runtime[0] == '/') {
        private_socket = std::string(runtime) + "/systemd/private";
    }
    sd_bus* raw = nullptr;
    if (!private_socket.empty() && ::access(private_socket.c_str(), F_OK) == 0) {
        if (int r = sd_bus_new(&raw); r < 0) return fail_errno(-r, "cannot allocate a bus connection");
        Bus bus(raw);
        const std::string address = "unix:path=" + private_socket;
        if (int r = sd_bus_set_address(bus.get(), address.c_str()); r < 0) {
            return fail_errno(-r, "cannot use " + private_socket);
        }
        if (int r = sd_bus_start(bus.get()); r >= 0) return bus;
    }
    const int r = scope == Scope::system ? sd_bus_open_system(&raw) : sd_bus_open_user(&raw);
    if (r < 0) {
        return fail_errno(-r, std::string("cannot connect to the ") + (scope == Scope::system ? "system" : "user") +
                                  " service manager",
                          "is the manager running, and may this user talk to it?");
    }
    return Bus(raw);
}

Result<std::vector<BusCommand>> read_commands(sd_bus* bus, const char* object, const char* property) {
    sd_bus_error error = SD_BUS_ERROR_NULL;
    sd_bus_message* raw = nullptr;
    const int r = sd_bus_get_property(bus, kDestination, object, "org.freedesktop.systemd1.Service", property, &error,
                                      &raw, "a(sasbttttuii)");
    if (r < 0) {
        std::string why = error.message != nullptr ? error.message : "";
        sd_bus_error_free(&error);
        return fail_errno(-r, std::string("cannot read ") + property + (why.empty() ? "" : " (" + why + ")"));
    }
    Message reply(raw);
    std::vector<BusCommand> commands;
    auto bad = [&](int code) { return fail_errno(-code, std::string("cannot parse ") + property); };
    if (int c = sd_bus_message_enter_container(reply.get(), 'a', "(sasbttttuii)"); c < 0) return bad(c);
    for (;;) {
        int c = sd_bus_message_enter_container(reply.get(), 'r', "sasbttttuii");
        if (c < 0) return bad(c);
        if (c == 0) break;
        const char* path = nullptr;
        if (c = sd_bus_message_read(reply.get(), "s", &path); c < 0) return bad(c);
        char** argv = nullptr;
        if (c = sd_bus_message_read_strv(reply.get(), &argv); c < 0) return bad(c);
        BusCommand command{path, {}};
        for (char** arg = argv; arg != nullptr && *arg != nullptr; ++arg) {
            command.argv.emplace_back(*arg);
            std::free(*arg);
        }
        std::free(static_cast<void*>(argv));
        if (c = sd_bus_message_skip(reply.get(), "bttttuii"); c < 0) return bad(c);
        if (c = sd_bus_message_exit_container(reply.get()); c < 0) return bad(c);
        commands.push_back(std::move(command));
    }
    return commands;
}

}  // namespace

Result<UnitProperties> read_unit_properties(Scope scope, const std::string& unit, bool commands) {
    auto bus = connect(scope);
    if (!bus) return tl::unexpected(std::move(bus.error()));
    char* encoded = nullptr;
    if (int r = sd_bus_path_encode("/org/freedesktop/systemd1/unit", unit.c_str(), &encoded); r < 0) {
        return fail_errno(-r, "cannot name the unit's bus object");
    }
    const Chars object(encoded);

    UnitProperties out;
    sd_bus_error error = SD_BUS_ERROR_NULL;
    char* fragment = nullptr;
    if (int r = sd_bus_get_property_string(bus->get(), kDestination, object.get(), "org.freedesktop.systemd1.Unit",
                                           "FragmentPath", &error, &fragment);
        r < 0) {
        std::string why = error.message != nullptr ? error.message : "";
        sd_bus_error_free(&error);
        return fail_errno(-r, "cannot read FragmentPath of " + unit + (why.empty() ? "" : " (" + why + ")"));
    }
    out.fragment_path = Chars(fragment).get();
    char** dropins = nullptr;
    if (int r = sd_bus_get_property_strv(bus->get(), kDestination, object.get(), "org.freedesktop.systemd1.Unit",
                                         "DropInPaths", &error, &dropins);
        r < 0) {
        sd_bus_error_free(&error);
        return fail_errno(-r, "cannot read DropInPaths of " + unit);
    }
    for (char** path = dropins; path != nullptr && *path != nullptr; ++path) {
        out.dropin_paths.emplace_back(*path);
        std::free(*path);
    }
    std::free(static_cast<void*>(dropins));

    if (!commands) return out;
    auto start = read_commands(bus->get(), object.get(), "ExecStart");
    if (!start) return tl::unexpected(std::move(start.error()).with_context(unit));
    out.exec_start = std::move(*start);
    auto reload = read_commands(bus->get(), object.get(), "ExecReload");
    if (!reload) return tl::unexpected(std::move(reload.error()).with_context(unit));
    out.exec_reload = std::move(*reload);
    return out;
}

Result<std::string> own_unit(Scope scope) {
    char* unit = nullptr;
    const int r = scope == Scope::system ? sd_pid_get_unit(0, &unit) : sd_pid_get_user_unit(0, &unit);
    if (r < 0) return fail_errno(-r, "cannot tell which unit this process runs in");
    const Chars owned(unit);
    return std::string(owned.get());
}

}  // namespace llh::sd
