// How the allocator treats the large, short-lived buffers a run churns through (shares, payloads, masks).

#if canImport(Glibc)
import Glibc
#endif

/// Process-wide allocator settings for the tools that run programs.
///
/// A run allocates and frees many buffers of megabytes (a layer's shares, a round's payloads). glibc serves
/// such blocks with fresh `mmap` pages and unmaps them on free, so every buffer pays a page fault per 4 KiB
/// on first touch, over and over; the next run in the same process pays them again. Keeping freed memory in
/// the heap lets later buffers reuse pages that are already mapped. The process keeps its peak footprint.
///
/// The parties of a local run are threads, and glibc gives each thread an arena of its own: a buffer one party
/// frees (a round's payload, a released register) could not serve the next party's allocation, so every party
/// faulted in pages of its own. One arena for the process lets them share the pages already mapped (on the
/// seed network at batch 100: 15.5k page faults instead of 25.3k, half the system time). The large buffers are
/// few (one per register and frame), so the arena's lock is rarely contended.
public enum MemoryPolicy {
    /// Serves blocks up to 32 MiB from the heap, never trims it, and keeps one arena for every thread. Call once,
    /// early, before any thread starts, from an executable (it changes the whole process); a no-op where the C
    /// library is not glibc.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
        // `mallopt` is in <malloc.h>, which the Glibc module does not export: look it up by name (the default
        // search scope, RTLD_DEFAULT, is the null handle).
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        let arenaMax: Int32 = -8  // M_ARENA_MAX
        _ = mallopt(mmapThreshold, 32 << 20)  // the largest glibc accepts on 64-bit hosts
        _ = mallopt(trimThreshold, Int32.max)
        _ = mallopt(arenaMax, 1)
        #endif
    }
}
