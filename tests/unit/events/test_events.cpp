// landlockctl events, without a kernel: audit record text -> denials, llh_event bytes -> events,
// and what a user reads (lines, JSON, workload names, rate limiting).
#include <linux/types.h>

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "kernel/event_reader.hpp"
#include "kernel/llh_bpf_abi.h"
#include "launch/audit_records.hpp"
#include "launch/denial_event.hpp"
#include "launch/workload_names.hpp"
#include "libpolicy/access.hpp"

namespace llh {
namespace {

using audit::Assembler;
using audit::LandlockDenial;
using audit::parse_record;

// Records as this host's kernel (6.18) sent them for `cat /etc/hostname` under landlock-launch.
constexpr const char* kAccess =
    "audit(1795944162.248:427): domain=194f6d028 blockers=fs.read_file path=\"/etc/hostname\" dev=\"vda\" ino=733";
constexpr const char* kSyscall =
    "audit(1795944162.248:427): arch=c000003e syscall=257 success=no exit=-13 a0=ffffff9c a1=7ffca8cbc9ab a2=0 "
    "a3=0 items=0 ppid=26025 pid=26210 auid=4294967295 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
    "tty=(none) ses=4294967295 comm=\"cat\" exe=\"/usr/bin/cat\" key=(null)";
constexpr const char* kProctitle = "audit(1795944162.248:427): proctitle=636174002F6574632F686F73746E616D65";
constexpr const char* kEnd = "audit(1795944162.248:427): ";

audit::Record record(int type, const char* text) {
    auto parsed = parse_record(type, text);
    EXPECT_TRUE(parsed.has_value()) << text;
    return parsed.value_or(audit::Record{});
}

TEST(AuditRecord, ParsesHeaderAndFields) {
    const auto access = record(audit::kLandlockAccess, kAccess);
    EXPECT_EQ(1795944162248, access.time_ms);
    EXPECT_EQ(427U, access.serial);
    EXPECT_EQ("194f6d028", access.field("domain"));
    EXPECT_EQ("fs.read_file", access.field("blockers"));
    EXPECT_EQ("/etc/hostname", access.field("path"));
    EXPECT_EQ("733", access.field("ino"));
    EXPECT_FALSE(access.field("pid").has_value());
}

TEST(AuditRecord, DecodesHexStringsTheKernelCouldNotQuote) {
    // audit_log_untrustedstring(): a path with a blank is logged as hex, without quotes.
    const auto access = record(audit::kLandlockAccess,
                               "audit(1.002:3): domain=1 blockers=fs.read_file path=2F746D702F6120622E747874 ino=12");
    EXPECT_EQ("/tmp/a b.txt", access.field("path"));
    EXPECT_EQ("12", access.field("ino"));  // numbers stay numbers
    EXPECT_EQ(1002, access.time_ms);
}

TEST(AuditRecord, RefusesTextWithoutHeader) {
    EXPECT_FALSE(parse_record(audit::kLandlockAccess, "domain=1 blockers=fs.read_file").has_value());
    EXPECT_FALSE(parse_record(audit::kLandlockAccess, "audit(x.1:2): domain=1").has_value());
}

TEST(AuditAssembler, JoinsTheAccessRecordWithItsSyscall) {
    Assembler assembler;
    std::vector<LandlockDenial> out;
    assembler.add(record(audit::kLandlockAccess, kAccess), 0, out);
    assembler.add(record(audit::kSyscall, kSyscall), 0, out);
    assembler.add(record(1327, kProctitle), 0, out);
    EXPECT_TRUE(out.empty()) << "handed out before the end of its event";
    assembler.add(record(audit::kEndOfEvent, kEnd), 0, out);
    ASSERT_EQ(1U, out.size());
    EXPECT_EQ("194f6d028", out[0].domain);
    EXPECT_EQ(std::vector<std::string>{"fs.read_file"}, out[0].blockers);
    EXPECT_EQ("/etc/hostname", out[0].path);
    EXPECT_EQ(26210, out[0].pid);
    EXPECT_EQ("cat", out[0].comm);
    EXPECT_EQ(EACCES, out[0].error);
    EXPECT_EQ(0U, assembler.pending());
}

TEST(AuditAssembler, KeepsNothingOfEventsWithoutLandlock) {
    Assembler assembler;
    std::vector<LandlockDenial> out;
    assembler.add(record(audit::kSyscall, kSyscall), 0, out);
    assembler.add(record(audit::kEndOfEvent, kEnd), 0, out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(0U, assembler.pending());
}

TEST(AuditAssembler, OneDenialPerAccessRecordOfAnEvent) {
    Assembler assembler;
    std::vector<LandlockDenial> out;
    assembler.add(record(audit::kLandlockAccess,
                         "audit(5.000:9): domain=ab blockers=fs.refer path=\"/usr/bin\" dev=\"vda2\" ino=351"),
                  0, out);
    assembler.add(record(audit::kLandlockAccess,
                         "audit(5.000:9): domain=ab blockers=fs.make_reg,fs.refer "
                         "path=\"/usr/local\" dev=\"vda2\" ino=365"),
                  0, out);
    assembler.add(record(audit::kEndOfEvent, "audit(5.000:9): "), 0, out);
    ASSERT_EQ(2U, out.size());
    EXPECT_EQ("/usr/bin", out[0].path);
    EXPECT_EQ((std::vector<std::string>{"fs.make_reg", "fs.refer"}), out[1].blockers);
    EXPECT_EQ(0, out[1].pid) << "no AUDIT_SYSCALL record: the task is unknown";
}

TEST(AuditAssembler, StaysBoundedUnderAFlood) {
    Assembler assembler(/*max_events=*/2, /*max_denials_per_event=*/1);
    std::vector<LandlockDenial> out;
    for (int serial = 1; serial <= 100; ++serial) {
        const std::string text = "audit(7.000:" + std::to_string(serial) + "): domain=1 blockers=fs.read_file";
        assembler.add(record(audit::kLandlockAccess, text.c_str()), 0, out);
        assembler.add(record(audit::kLandlockAccess, text.c_str()), 0, out);  // over the per-event bound
        EXPECT_LE(assembler.pending(), 2U);
    }
    EXPECT_EQ(98U, out.size()) << "the oldest events are handed out early to make room";
    EXPECT_EQ(100U, assembler.dropped());
    assembler.flush(out);
    EXPECT_EQ(100U, out.size());
}

TEST(AuditAssembler, HandsOutEventsThatNeverEnd) {
    Assembler assembler;
    std::vector<LandlockDenial> out;
    assembler.add(record(audit::kLandlockAccess, kAccess), 1000, out);
    assembler.expire(1400, 500, out);
    EXPECT_TRUE(out.empty());
    assembler.expire(1500, 500, out);
    EXPECT_EQ(1U, out.size());
}

TEST(AuditAssembler, ReadsThePortOfNetworkDenials) {
    Assembler assembler;
    std::vector<LandlockDenial> out;
    assembler.add(record(audit::kLandlockAccess, "audit(8.000:1): domain=2 blockers=net.bind_tcp src=8080"), 0, out);
    assembler.add(record(audit::kLandlockAccess,
                         "audit(8.000:2): domain=2 blockers=net.connect_tcp daddr=127.0.0.1 "
                         "dest=443"),
                  0, out);
    assembler.flush(out);
    ASSERT_EQ(2U, out.size());
    EXPECT_EQ(8080U, out[0].port);
    EXPECT_EQ(443U, out[1].port);
}

// ---- cgroup mode's ring buffer records -------------------------------------------------------

llh_event raw_event() {
    llh_event raw{};
    raw.time_ns = 5'000'000'000ULL;
    raw.cgroup_id = 4242;
    raw.access = fs::read_file;
    raw.policy_id = 3;
    raw.pid = 77;
    raw.error = EACCES;
    raw.kind = LLH_EVENT_FS;
    std::strcpy(raw.comm, "cat");
    std::strcpy(raw.name, "secret");
    std::strcpy(raw.path, "/tmp/llh-events/secret");
    return raw;
}

TEST(CgroupEvent, DecodesEveryField) {
    const llh_event raw = raw_event();
    const auto event = cgroup::decode_event(&raw, sizeof(raw));
    ASSERT_TRUE(event.has_value());
    EXPECT_EQ(5'000'000'000ULL, event->boot_time_ns);
    EXPECT_EQ(4242U, event->cgroup_id);
    EXPECT_EQ(77U, event->pid);
    EXPECT_EQ(EACCES, event->error);
    EXPECT_EQ("cat", event->comm);
    EXPECT_EQ("/tmp/llh-events/secret", event->path);
}

TEST(CgroupEvent, FallsBackToTheNameWithoutAPath) {
    llh_event raw = raw_event();
    raw.path[0] = '\0';
    EXPECT_EQ("secret", cgroup::decode_event(&raw, sizeof(raw))->path);
    // Programs built before the path field: their records end after `name`.
    raw = raw_event();
    EXPECT_EQ("secret", cgroup::decode_event(&raw, offsetof(llh_event, path))->path);
    EXPECT_FALSE(cgroup::decode_event(&raw, offsetof(llh_event, name)).has_value());
}

TEST(CgroupEvent, StringsWithoutTerminatorStayInTheirField) {
    llh_event raw = raw_event();
    std::memset(raw.comm, 'x', sizeof(raw.comm));
    EXPECT_EQ(std::string(16, 'x'), cgroup::decode_event(&raw, sizeof(raw))->comm);
}

cgroup::CgroupEvent event_of(std::uint32_t kind, std::uint64_t access) {
    cgroup::CgroupEvent event;
    event.kind = kind;
    event.access = access;
    return event;
}

TEST(AccessName, NamesRightsAsLandlockconfigDoes) {
    EXPECT_EQ("read_file", events::access_name(event_of(LLH_EVENT_FS, fs::read_file)));
    EXPECT_EQ("write_file,truncate", events::access_name(event_of(LLH_EVENT_FS, fs::write_file | fs::truncate)));
    EXPECT_EQ("bind_tcp", events::access_name(event_of(LLH_EVENT_NET, net::bind_tcp)));
    EXPECT_EQ("signal", events::access_name(event_of(LLH_EVENT_SCOPE, scope::signal)));
    EXPECT_EQ("abstract_unix_socket", events::access_name(event_of(LLH_EVENT_SCOPE, scope::abstract_unix_socket)));
    EXPECT_EQ("mount", events::access_name(event_of(LLH_EVENT_CHANGE, LLH_CHANGE_MOUNT)));
    EXPECT_EQ("cgroup_move", events::access_name(event_of(LLH_EVENT_CHANGE, LLH_CHANGE_CGROUP)));
    EXPECT_EQ("bpf", events::access_name(event_of(LLH_EVENT_CHANGE, LLH_CHANGE_BPF)));
    EXPECT_EQ("ptrace", events::access_name(event_of(LLH_EVENT_CHANGE, LLH_CHANGE_PTRACE)));
    EXPECT_EQ("read_file,fs:0x100000", events::access_name(event_of(LLH_EVENT_FS, fs::read_file | (1ULL << 20))));
}

TEST(AccessName, NamesAuditBlockersTheSameWay) {
    EXPECT_EQ("read_file", events::access_name(std::vector<std::string>{"fs.read_file"}));
    EXPECT_EQ("make_reg,refer", events::access_name(std::vector<std::string>{"fs.make_reg", "fs.refer"}));
    EXPECT_EQ("connect_tcp", events::access_name(std::vector<std::string>{"net.connect_tcp"}));
    EXPECT_EQ("signal", events::access_name(std::vector<std::string>{"scope.signal"}));
    EXPECT_EQ("mount", events::access_name(std::vector<std::string>{"fs.change_topology"}));
    EXPECT_EQ("ptrace", events::access_name(std::vector<std::string>{"ptrace"}));
}

// ---- what a user reads -----------------------------------------------------------------------

TEST(Format, WallClockFromBootTime) {
    const llh_event raw = raw_event();
    const auto denial = events::from_cgroup_event(*cgroup::decode_event(&raw, sizeof(raw)), 1'795'944'157'000'000'000);
    EXPECT_EQ("2026-11-29T09:22:42.000Z", events::format_time(denial.time_ns));
    EXPECT_EQ("1970-01-01T00:00:00.000Z", events::format_time(0));
    EXPECT_EQ("1970-01-01T00:00:01.999Z", events::format_time(1'999'999'999));
}

TEST(Format, OneLineForPeople) {
    const llh_event raw = raw_event();
    auto denial = events::from_cgroup_event(*cgroup::decode_event(&raw, sizeof(raw)), 0);
    denial.workload = "nginx.service";
    EXPECT_EQ("1970-01-01T00:00:05.000Z cgroup nginx.service: cat[77] denied read_file /tmp/llh-events/secret (EACCES)",
              events::format_line(denial));
    denial.workload.clear();
    denial.path = "/tmp/a\nforged line";
    EXPECT_EQ("1970-01-01T00:00:05.000Z cgroup cgroup 4242: cat[77] denied read_file /tmp/a?forged line (EACCES)",
              events::format_line(denial));
}

TEST(Format, AuditDenialsCarryTheirPortAndDefaultErrno) {
    LandlockDenial record;
    record.time_ms = 1500;
    record.blockers = {"net.bind_tcp"};
    record.port = 8080;
    const auto bind = events::from_audit(record);
    EXPECT_EQ("1970-01-01T00:00:01.500Z landlock-audit -: ?[?] denied bind_tcp port 8080 (EACCES)",
              events::format_line(bind));
    record.blockers = {"scope.signal"};
    record.port.reset();
    EXPECT_EQ(EPERM, events::from_audit(record).error);
}

TEST(Format, JsonHasStableKeysAndNullsForTheUnknown) {
    LandlockDenial record;
    record.time_ms = 1795944162248;
    record.blockers = {"fs.read_file"};
    record.path = "/etc/hostname";
    record.pid = 26210;
    record.comm = "cat";
    record.error = EACCES;
    const auto json = nlohmann::ordered_json::parse(events::format_json(events::from_audit(record)));
    std::vector<std::string> keys;
    for (const auto& [key, value] : json.items()) keys.push_back(key);
    EXPECT_EQ((std::vector<std::string>{"time", "source", "workload", "cgroup_id", "pid", "comm", "access", "path",
                                        "port", "errno"}),
              keys);
    EXPECT_EQ("2026-11-29T09:22:42.248Z", json["time"]);
    EXPECT_EQ("landlock-audit", json["source"]);
    EXPECT_TRUE(json["workload"].is_null());
    EXPECT_TRUE(json["cgroup_id"].is_null());
    EXPECT_EQ(26210, json["pid"]);
    EXPECT_EQ("cat", json["comm"]);
    EXPECT_EQ("read_file", json["access"]);
    EXPECT_EQ("/etc/hostname", json["path"]);
    EXPECT_TRUE(json["port"].is_null());
    EXPECT_EQ(13, json["errno"]);
    EXPECT_EQ(std::string::npos, events::format_json(events::from_audit(record)).find('\n'));
}

TEST(Format, JsonCarriesPathsThatAreNotUtf8) {
    LandlockDenial record;
    record.blockers = {"fs.read_file"};
    record.path = "/tmp/\xff\xfe";
    const auto json = nlohmann::json::parse(events::format_json(events::from_audit(record)));
    EXPECT_TRUE(json["path"].is_string());
}

TEST(RateLimit, SixtyFourASecondPerDomain) {
    events::RateLimit limit;
    int shown = 0;
    for (int i = 0; i < 10000; ++i) shown += limit.allow("194f6d028", 100) ? 1 : 0;
    EXPECT_EQ(64, shown);
    EXPECT_EQ(10000U - 64U, limit.suppressed());
    EXPECT_TRUE(limit.allow("another domain", 100));
    EXPECT_TRUE(limit.allow("194f6d028", 101)) << "a new second, a new budget";
}

TEST(RateLimit, ManyDomainsShareOneBudgetPastTheBound) {
    events::RateLimit limit(/*per_second=*/1, /*max_keys=*/2);
    EXPECT_TRUE(limit.allow("a", 1));
    EXPECT_TRUE(limit.allow("b", 1));
    EXPECT_TRUE(limit.allow("c", 1));
    EXPECT_FALSE(limit.allow("d", 1));
}

TEST(WorkloadNames, UnitOfACgroupPath) {
    EXPECT_EQ("nginx.service", events::unit_of_cgroup("/sys/fs/cgroup/system.slice/nginx.service"));
    EXPECT_EQ("nginx.service", events::unit_of_cgroup("/sys/fs/cgroup/system.slice/nginx.service/worker"));
    EXPECT_EQ("session-3.scope", events::unit_of_cgroup("/user.slice/user-0.slice/session-3.scope"));
    EXPECT_EQ("", events::unit_of_cgroup("/sys/fs/cgroup/system.slice"));
    EXPECT_EQ("", events::unit_of_cgroup("/sys/fs/cgroup/llh-events"));
    EXPECT_EQ("", events::unit_of_cgroup("/.service"));
}

// A container's record naming the cgroup this test runs in (or one above it) names its denials.
TEST(WorkloadNames, ContainerRecordsNameTheirCgroups) {
    events::WorkloadNames without_records("/nonexistent");
    const auto plain = without_records.for_pid(::getpid());
    if (plain.cgroup_id == 0) GTEST_SKIP() << "no cgroup2 mount at /sys/fs/cgroup(/unified)";
    EXPECT_FALSE(plain.name.empty()) << "a unit or the cgroup's path";

    const std::string state = ::testing::TempDir() + "llh-events-" + std::to_string(::getpid());
    ASSERT_EQ(0, ::system(("mkdir -p " + state + "/containers").c_str()));
    {
        std::ofstream record(state + "/containers/web-1.json");
        record << R"({"id": "web-1", "mode": "cgroup", "cgroup_id": 999999999, "cgroup_dir": "/sys/fs/cgroup"})";
        std::ofstream partial(state + "/containers/other.json");
        partial << R"({"id": "oth)";  // being written: skipped
    }
    events::WorkloadNames names(state);
    const auto named = names.for_pid(::getpid());
    EXPECT_EQ("web-1", named.name);
    EXPECT_EQ(plain.cgroup_id, named.cgroup_id);
    EXPECT_EQ(0, ::system(("rm -rf " + state).c_str()));
}

}  // namespace
}  // namespace llh
