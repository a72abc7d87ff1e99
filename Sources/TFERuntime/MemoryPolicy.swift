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
public enum MemoryPolicy {
    /// Serves blocks up to 32 MiB from the heap and never trims it. Call once, early, from an executable (it changes
    /// the whole process); a no-op where the C library is not glibc.
    public static func keepFreedMemory() {
        #if canImport(Glibc)
        // `mallopt` is in <malloc.h>, which the Glibc module does not export: look it up by name (the default
        // search scope, RTLD_DEFAULT, is the null handle).
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let symbol = dlsym(nil, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let mmapThreshold: Int32 = -3, trimThreshold: Int32 = -1  // M_MMAP_THRESHOLD, M_TRIM_THRESHOLD
        _ = mallopt(mmapThreshold, 32 << 20)  // the largest glibc accepts on 64-bit hosts
        _ = mallopt(trimThreshold, Int32.max)
        #endif
    }
}
