import BillingCore
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

extension UsageScanner {
    /// Pass 1: reads the header, splits the rest of the file at line breaks into one part per
    /// worker, and reads the parts at once, each into its own spill; a worker that has finished
    /// its part takes over half of what another has left, as a new part (`UsagePartBoard`).
    ///
    /// A part is only known to start on a record once the part before it has been read up to it:
    /// a line break inside a quoted field is not one. So the parts are then taken in order: the
    /// next part counts if the reader before it ended exactly between two records; if not, its
    /// work is dropped and the reader before it reads on through it. The rows that count are the
    /// same either way, and so is every line number (a part's lines count from its start; the
    /// lines before it are added in pass 2).
    public func scan(path: String) throws {
        guard let columns = try readHeader(path) else { return }
        try FileSystem.removeTree(scratch)
        let size = try FileSystem.size(path)
        var starts = [0]
        for k in 1..<workers {
            if let s = try UsageScanner.lineStart(path, from: size * k / workers), s > starts.last!, s < size { starts.append(s) }
        }
        let (lookup, scratch) = (lookup, scratch)
        let makePart = { (start: Int, end: Int, k: Int) in
            try UsagePassOne(lookup: lookup, columns: columns, path: path, start: start, end: end, spill: FileSystem.join(scratch, "part-\(k)"))
        }
        let first = try starts.indices.map { k in try makePart(starts[k], k + 1 < starts.count ? starts[k + 1] : Int.max, k) }
        let board = UsagePartBoard(
            workers: first, path: path, size: size, step: partStep, minimumTakeOver: minimumTakeOver, maximumParts: 4 * first.count,
            makePart: makePart)
        DispatchQueue.concurrentPerform(iterations: first.count) { k in board.run(k) }
        let workers = board.all
        if let failure = workers[0].failure { throw failure }
        var taken = [(worker: workers[0], lineOffset: 0)]
        for next in workers.dropFirst() {
            let current = taken[taken.count - 1]
            if current.worker.reader.atRecordBoundary {
                let offset = current.lineOffset + current.worker.reader.lines
                if let failure = next.failure { throw UsageScanner.rebased(failure, by: offset) }
                try current.worker.spill.finish()
                taken.append((next, offset))
            } else {
                try next.spill.remove()
                do { try current.worker.read(upTo: next.end) } catch { throw UsageScanner.rebased(error, by: current.lineOffset) }
                current.worker.end = next.end
            }
        }
        let last = taken[taken.count - 1]
        do { try last.worker.finish() } catch { throw UsageScanner.rebased(error, by: last.lineOffset) }
        // One numbering of the kept values for all parts.
        parts = taken.map { part in
            let local = part.worker.valueIndex
            let global = (0..<local.count).map { i in
                local.keys.key(i).withUnsafeBytes { Int32(valueIndex.insert($0, hash: local.keys.hash(of: i)).index) }
            }
            return (part.worker, part.lineOffset, global)
        }
        for p in parts {
            summary.rows += p.worker.rows
            summary.rejected += p.worker.rejected
            summary.trial += p.worker.trial
        }
    }

    /// The header's columns (nil for an empty file).
    func readHeader(_ path: String) throws -> Columns? {
        struct Stop: Error {}
        var columns: Columns?
        let reader = try CSVReader(path: path)
        let first = { (row: CSVRow) throws in
            columns = try self.header(row, path: path)
            throw Stop()
        }
        do {
            try reader.read(upTo: Int.max, onRecord: first)
            try reader.finish(onRecord: first)
        } catch is Stop {}
        return columns
    }

    /// The offset after the first line feed at or after `offset`, if there is one.
    static func lineStart(_ path: String, from offset: Int) throws -> Int? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystem.failure("cannot open", path) }
        defer { close(fd) }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        var at = offset
        while true {
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(at)) }
            if n < 0 { throw FileSystem.failure("cannot read", path) }
            if n == 0 { return nil }
            if let i = chunk[..<n].firstIndex(of: 0x0A) { return at + i + 1 }
            at += n
        }
    }

    /// A data error of a part, its line made a line of the file.
    static func rebased(_ error: Error, by lines: Int) -> Error {
        guard var e = error as? DataError else { return error }
        e.line += lines
        return e
    }
}
