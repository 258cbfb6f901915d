#if canImport(Glibc)
    import Glibc
#endif

/// What glibc does with freed memory: handed back to the kernel after a stage of
/// `billing-pipeline` (`release`), kept for reuse within ingest (`keepFreed`).
///
/// `billing-pipeline` runs the stages in one process. glibc keeps what a thread freed in that
/// thread's malloc arena, and ingest's and rate's worker threads free hundreds of MiB that the
/// main thread's later stages cannot reuse: without this, the pipeline's peak is the invoice
/// stage's own plus what earlier stages left resident. `malloc_trim` returns the free pages of
/// every arena. Swift's Glibc module does not declare it, so it is looked up by name.
public enum FreedMemory {
    private typealias Trim = @convention(c) (Int) -> Int32
    private typealias Option = @convention(c) (Int32, Int32) -> Int32

    /// Returns free heap pages to the kernel; does nothing where `malloc_trim` is not found.
    public static func release() {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return }
        _ = unsafeBitCast(symbol, to: Trim.self)(0)
    }

    /// Has glibc map every block of at least `bytes` on its own, and unmap it when it is freed,
    /// from now on; does nothing where `mallopt` is not found.
    ///
    /// glibc starts by mapping blocks of 128 KiB and more, and raises that bar (up to 32 MiB) each
    /// time such a block is freed, so that later large blocks come from the heap. Within one stage
    /// that saves mapping the same tables again and again (ingest's pass 2 takes its tables for
    /// each of 256 partitions). Across the stages of `billing-pipeline`, once ingest has raised it,
    /// later stages' large arrays come from the heap, where what they free stays resident until
    /// the stage ends: the process's peak grew with the events ingest had read (decision 53).
    public static func mapLargeBlocks(atLeast bytes: Int32) {
        option(mmapThreshold, bytes)
    }

    /// Has glibc keep what the process frees for its own reuse, until `trimAsUsual`: blocks under
    /// 32 MiB come from the heap, whose free memory is not handed back to the kernel (nor its
    /// top trimmed), and a heap grows 64 MiB at a time. Does nothing where `mallopt` is not found.
    ///
    /// Every page the kernel hands out costs a fault, about 2–3 µs on this machine (a virtual
    /// machine that reports freed memory to its host, which maps it afresh): ingest took about
    /// 135k of them at 10M events (0.8–1.1M at 40M), as its threads' heaps were trimmed and
    /// grown again partition after partition. Keeping them cut that to about 112k (134k at 40M)
    /// and pass 2 by 13–15 % (decision 66), for 75–100 MiB more at ingest's peak.
    ///
    /// The outputs do not change (only where memory comes from), so no test holds this, as for
    /// `mapLargeBlocks`; the bench measures it.
    public static func keepFreed() {
        option(trimThreshold, 1 << 30)
        option(mmapThreshold, 32 << 20)
        option(topPad, 64 << 20)
    }

    /// glibc's defaults for trimming the heap and growing it (128 KiB each), after `keepFreed`
    /// (ingest restores them as it ends). The bar for mapped blocks stays fixed at 32 MiB: set
    /// it with `mapLargeBlocks`.
    public static func trimAsUsual() {
        option(trimThreshold, 128 << 10)
        option(topPad, 128 << 10)
    }

    /// `mallopt`'s parameters, from <malloc.h>.
    private static let trimThreshold: Int32 = -1, topPad: Int32 = -2, mmapThreshold: Int32 = -3

    /// `mallopt(parameter, value)`, if glibc has it (glibc 2.36 reports success for any value).
    private static func option(_ parameter: Int32, _ value: Int32) {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        _ = unsafeBitCast(symbol, to: Option.self)(parameter, value)
    }
}
