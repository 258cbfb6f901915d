import Synchronization

/// Pass 1's parts of `usage.csv` and how far each may be read, shared by its workers so that one
/// that has finished its part takes over the second half of what another part has left.
///
/// Splitting the file once into equal parts left a core idle at the end of pass 1 whenever one
/// worker ran slower than the other (another process on its core): 0.01 to 0.84 s in three runs
/// at 10M events. Here a worker reads its part a `step` at a time, each step claimed first; a
/// worker with nothing left finds the part with the most unclaimed bytes and, if that is at least
/// `minimumTakeOver`, cuts it at the first line break past the middle of those bytes and reads the
/// rest as a new part. Parts end and start at line breaks exactly as the first split's do (and a
/// line break inside a quoted field is handled the same way, see `UsageScanner.scan`), so which
/// worker reads what never changes a row, a line number or an output byte.
final class UsagePartBoard: @unchecked Sendable {
    /// A part and its worker, which one thread at a time uses: the one that reads the part, then
    /// (once every worker has returned) the scanner.
    struct Part: @unchecked Sendable {
        let worker: UsagePassOne
        /// Where the part ends (`Int.max` for the last: it reads to the end of the file).
        var end: Int
        /// How far its worker may read before it claims more.
        var claimed: Int
    }

    private let parts: Mutex<[Part]>
    private let path: String
    private let size: Int
    private let step: Int
    private let minimumTakeOver: Int
    private let maximumParts: Int
    /// Makes the worker of a new part (its start, its end, its number).
    private let makePart: (Int, Int, Int) throws -> UsagePassOne

    /// - Parameters:
    ///   - workers: the first parts' workers, in file order, each ending where the next starts.
    ///   - size: the file's size (the last part's `Int.max` end stands for it).
    init(
        workers: [UsagePassOne], path: String, size: Int, step: Int, minimumTakeOver: Int, maximumParts: Int,
        makePart: @escaping (Int, Int, Int) throws -> UsagePassOne
    ) {
        parts = Mutex(workers.map { Part(worker: $0, end: $0.end, claimed: $0.start) })
        self.path = path
        self.size = size
        self.step = max(1, step)
        self.minimumTakeOver = max(1, minimumTakeOver)
        self.maximumParts = maximumParts
        self.makePart = makePart
    }

    /// Every part, in file order, each worker's `end` set to its part's.
    var all: [UsagePassOne] {
        parts.withLock { parts in
            for p in parts { p.worker.end = p.end }
            return parts.sorted { $0.worker.start < $1.worker.start }.map(\.worker)
        }
    }

    /// Reads part `k`, then parts taken over from the others, until none is worth taking. A part
    /// that fails keeps its error (`UsagePassOne.failure`), as when the parts were fixed.
    func run(_ k: Int) {
        var k: Int? = k
        while let current = k {
            let worker = parts.withLock { $0[current].worker }
            do {
                while let target = claim(current, from: worker.reader.offset) { try worker.read(upTo: target) }
            } catch {
                worker.failure = error
            }
            k = try? takeOver()
        }
    }

    /// The next offset part `k`'s worker may read to, from `offset` (nil: its part is read).
    func claim(_ k: Int, from offset: Int) -> Int? {
        parts.withLock { parts in
            let end = min(parts[k].end, size)
            guard offset < end else { return nil }
            let target = min(end, offset + step)
            parts[k].claimed = max(parts[k].claimed, target)
            return target
        }
    }

    /// Cuts the part with the most unclaimed bytes at the first line break past their middle and
    /// returns the number of the new part made of what follows; nil if no part has `minimumTakeOver`
    /// bytes unclaimed, there are `maximumParts` already, or no line break is left to cut at.
    func takeOver() throws -> Int? {
        try parts.withLock { parts in
            guard parts.count < maximumParts,
                let k = parts.indices.max(by: { min(parts[$0].end, size) - parts[$0].claimed < min(parts[$1].end, size) - parts[$1].claimed })
            else { return nil }
            let end = min(parts[k].end, size)
            guard end - parts[k].claimed >= minimumTakeOver,
                let cut = try UsageScanner.lineStart(path, from: parts[k].claimed + (end - parts[k].claimed) / 2), cut < end
            else { return nil }
            let worker = try makePart(cut, parts[k].end, parts.count)
            parts.append(Part(worker: worker, end: parts[k].end, claimed: cut))
            parts[k].end = cut
            return parts.count - 1
        }
    }
}
