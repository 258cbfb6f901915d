import Dispatch
import Synchronization

extension Array where Element: Sendable {
    /// `map` spread over the machine's cores, results in input order: for CPU-bound work (rendering
    /// documents) and for file creation (which waits in the kernel). `transform` must not touch
    /// shared state.
    ///
    /// Each worker claims the next run of elements no other has claimed (about 64 runs a worker),
    /// rather than being dealt every `workers`-th element: a worker slowed down by another process
    /// on its core, or by the kernel writing files back, then leaves the others less to wait for
    /// at the end (as `UsageScanner.countPartitions` hands out partitions).
    public func parallelMap<T: Sendable>(_ transform: @Sendable (Element) -> T) -> [T] {
        guard Swift.min(count, ProcessInfoLite.processors) > 1 else { return map(transform) }
        var out = [T?](repeating: nil, count: count)
        out.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let slots = buffer
            self.withUnsafeBufferPointer { input in
                nonisolated(unsafe) let items = input
                parallelRuns(items.count) { claimed in
                    for i in claimed { slots[i] = transform(items[i]) }
                }
            }
        }
        return out.map { $0! }
    }
}

/// `body` called with runs of `0..<count` that together cover it once, spread over the machine's
/// cores (on the calling thread alone when there is one core or one element): each worker claims
/// the next run no other has claimed, about 64 runs a worker (see `parallelMap`). `body` must
/// touch nothing shared but what its run owns.
public func parallelRuns(_ count: Int, _ body: @Sendable (Range<Int>) -> Void) {
    let workers = Swift.min(count, ProcessInfoLite.processors)
    guard workers > 1 else {
        if count > 0 { body(0..<count) }
        return
    }
    let run = Swift.max(1, count / (workers * 64))
    let next = Atomic(0)
    DispatchQueue.concurrentPerform(iterations: workers) { _ in
        while let claimed = next.claim(run, below: count) { body(claimed) }
    }
}

extension Array where Element: Sendable {
    /// `transform` applied to consecutive slices of the array (a few per core, in order), spread
    /// over the cores, results in order: for work per element too small to hand out one element at
    /// a time, such as rating one subscription.
    public func parallelMapSlices<T: Sendable>(_ transform: @Sendable (ArraySlice<Element>) -> T) -> [T] {
        let parts = Swift.max(1, Swift.min(count, ProcessInfoLite.processors * 8))
        let bounds = (0...parts).map { $0 * count / parts }
        return (0..<parts).map { bounds[$0]..<bounds[$0 + 1] }.parallelMap { transform(self[$0]) }
    }
}

extension Atomic where Value == Int {
    /// Claims the next `n` numbers from the counter for the caller alone: the range from its
    /// value, cut at `end`; nil once the counter has reached `end`. How parallel workers take the
    /// next work no other has taken (decision 60).
    func claim(_ n: Int, below end: Int) -> Range<Int>? {
        let start = wrappingAdd(n, ordering: .relaxed).oldValue
        return start < end ? start..<Swift.min(start + n, end) : nil
    }
}
