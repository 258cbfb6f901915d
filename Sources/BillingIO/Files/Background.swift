import Dispatch

/// A value computed on another thread while the caller goes on with something else, for overlapping
/// CPU work (rendering the next batch of documents) with work that waits in the kernel (creating
/// the current batch's files). `work` must not touch shared state.
public final class Background<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    /// Written once by the worker before `done` is signalled, read only after waiting on it.
    private var result: T?

    /// Starts `work` on `queue` (a global one by default; a serial one runs its works one at a
    /// time, in the order they were started).
    public init(on queue: DispatchQueue = .global(), _ work: @escaping @Sendable () -> T) {
        queue.async {
            self.result = work()
            self.done.signal()
        }
    }

    /// Whether the value is there (never waits).
    public var isDone: Bool {
        if done.wait(timeout: .now()) == .success { done.signal(); return true }
        return false
    }

    /// Waits for the value (at once after the first call).
    public func value() -> T {
        done.wait()
        done.signal()
        return result!
    }
}
