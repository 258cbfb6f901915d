/// Ingest's rejected rows, read back from their runs in the scratch folder in line order, for
/// `rejects.csv`.
///
/// Their number grows with the events, which ingest's memory must not (issue #4), so neither pass
/// holds them: each pass-1 part writes its own in line order to its spill (`UsageSpill`), and each
/// round of a pass-2 partition its own (an event id repeated with other content) to a run
/// (decision 62), all as `UsageRejectRecord`s; `writeRejects` merges every run, a block of each at
/// a time. A part's lines count from the part's start, so its run is read with the lines before
/// the part added.
final class UsageRejectRuns {
    /// One run being read: its current record's line (of the file), event id and reason.
    private final class Run {
        let reader: BlockReader
        let lineOffset: Int
        var line = 0
        var eventID: [UInt8] = []
        var reason: [UInt8] = []

        init(_ path: String, lineOffset: Int) throws {
            reader = try BlockReader(path, blockSize: UsageRejectRuns.blockSize)
            self.lineOffset = lineOffset
        }

        /// Reads the next record; false at the end of the run.
        func advance() throws -> Bool {
            guard let head = try reader.take(UsageRejectRecord.headerSize) else { return false }
            let (read, idCount, reasonCount) = UsageRejectRecord.header(head)
            let next = read + lineOffset
            guard next > line, let rest = try reader.take(idCount + reasonCount) else {
                throw StageFailure.io("\(reader.path): a run of rejects cut short or out of line order")
            }
            line = next
            eventID.removeAll(keepingCapacity: true)
            eventID += rest[..<idCount]
            reason.removeAll(keepingCapacity: true)
            reason += rest[idCount...]
            return true
        }
    }

    /// The bytes read of a run at a time: a run is written for each round of a partition with a
    /// reject (up to 512 of them at 100M events), and a record of pass 2 takes under 200 bytes
    /// (an id is at most 64); one of pass 1 can be longer (a malformed row's id), and is read
    /// whole all the same.
    static let blockSize = 1 << 14

    /// The runs with a record left, as a binary heap on their current lines (the least first).
    private var heap: [Run] = []

    /// Opens the runs at `paths`, each written by `UsageRejectRecord.Writer` in line order, with
    /// `lineOffset` added to each line read of them (0 for pass 2's runs, which hold lines of the
    /// file). Each must exist: a writer creates its file with its first record, and a run without
    /// one is not listed.
    init(_ runs: [(path: String, lineOffset: Int)]) throws {
        for (path, lineOffset) in runs {
            let run = try Run(path, lineOffset: lineOffset)
            if try run.advance() { push(run) }
        }
    }

    /// Calls `body` with every record, from all the runs, whose line is before `line`, in line
    /// order, and drops them.
    func take(before line: Int, _ body: (_ line: Int, _ eventID: UnsafeBufferPointer<UInt8>, _ reason: UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        while let least = heap.first, least.line < line {
            try least.eventID.withUnsafeBufferPointer { id in try least.reason.withUnsafeBufferPointer { try body(least.line, id, $0) } }
            if try least.advance() { siftDown(0) } else { removeFirst() }
        }
    }

    private func push(_ run: Run) {
        heap.append(run)
        var k = heap.count - 1
        while k > 0 && heap[(k - 1) / 2].line > heap[k].line {
            heap.swapAt(k, (k - 1) / 2)
            k = (k - 1) / 2
        }
    }

    private func removeFirst() {
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        if !heap.isEmpty { siftDown(0) }
    }

    private func siftDown(_ start: Int) {
        var k = start
        while true {
            let l = 2 * k + 1, r = l + 1
            var least = k
            if l < heap.count && heap[l].line < heap[least].line { least = l }
            if r < heap.count && heap[r].line < heap[least].line { least = r }
            if least == k { return }
            heap.swapAt(k, least)
            k = least
        }
    }
}
