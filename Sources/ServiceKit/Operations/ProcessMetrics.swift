import Foundation
import Prometheus
import Synchronization

/// The standard `process_*` figures of the Prometheus client libraries: CPU
/// time, memory, open and allowed file descriptors, start time. Read from
/// `/proc/self` when `/metrics` renders; where `/proc` is missing (macOS),
/// only the start time and the descriptor limit are given.
final class ProcessMetrics: Sendable {
    private let cpu: Counter
    /// The CPU time already counted: the counter grows by what is new.
    private let countedCPU = Mutex<Double>(0)
    private let resident: Gauge
    private let virtual: Gauge
    private let openDescriptors: Gauge
    private let maxDescriptors: Gauge
    private let startTime: Gauge

    /// When this process started, in seconds since 1970.
    private static let processStart: Double = {
        // /proc/self/stat field 22 is the start in clock ticks after boot.
        if let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let fields = statFields(stat), fields.count > 19, let ticks = Double(fields[19]),
            let uptime = (try? String(contentsOfFile: "/proc/uptime", encoding: .utf8))?.split(separator: " ").first.flatMap({ Double($0) })
        {
            let secondsSinceStart = uptime - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
            return Date().timeIntervalSince1970 - secondsSinceStart
        }
        return Date().timeIntervalSince1970
    }()

    init(registry: PrometheusCollectorRegistry) {
        cpu = registry.makeCounter(
            descriptor: ServiceMetrics.descriptor("process_cpu_seconds_total", "User and system CPU time spent, in seconds."), labels: [])
        resident = registry.makeGauge(
            descriptor: ServiceMetrics.descriptor("process_resident_memory_bytes", "Resident memory size, in bytes."), labels: [])
        virtual = registry.makeGauge(
            descriptor: ServiceMetrics.descriptor("process_virtual_memory_bytes", "Virtual memory size, in bytes."), labels: [])
        openDescriptors = registry.makeGauge(
            descriptor: ServiceMetrics.descriptor("process_open_fds", "Open file descriptors."), labels: [])
        maxDescriptors = registry.makeGauge(
            descriptor: ServiceMetrics.descriptor("process_max_fds", "The most file descriptors the process may open."), labels: [])
        startTime = registry.makeGauge(
            descriptor: ServiceMetrics.descriptor(
                "process_start_time_seconds", "When the process started, in seconds since the Unix epoch."), labels: [])
        startTime.set(Self.processStart)
    }

    /// Reads the figures now.
    func update() {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 { maxDescriptors.set(Double(limit.rlim_cur)) }
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8), let fields = Self.statFields(stat) else { return }
        let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))
        // Fields after the command: state is [0], utime [11], stime [12], vsize [20], rss [21] (pages).
        if fields.count > 21, let user = Double(fields[11]), let system = Double(fields[12]), let size = Double(fields[20]),
            let pages = Double(fields[21])
        {
            let total = (user + system) / ticksPerSecond
            let new = countedCPU.withLock { counted in
                defer { counted = max(counted, total) }
                return max(0, total - counted)
            }
            if new > 0 { cpu.increment(by: new) }
            virtual.set(size)
            resident.set(pages * Double(sysconf(Int32(_SC_PAGESIZE))))
        }
        if let descriptors = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd") {
            openDescriptors.set(Double(descriptors.count))
        }
    }

    /// The fields of `/proc/self/stat` after the command name, which is in
    /// parentheses and may hold spaces.
    private static func statFields(_ stat: String) -> [Substring]? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        return stat[stat.index(after: close)...].split(separator: " ")
    }
}
