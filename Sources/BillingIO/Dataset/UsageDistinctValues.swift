import BillingCore

/// Counts each key's distinct `value`s (for `unique_count`) over several contributions' values
/// files without holding them all: a `unique_count` metric can bring millions of values a month,
/// and the rate stage reads every contribution the ledger holds.
///
/// Every values file is in key order (`UsageStore.write` writes keys sorted as `UsageKey`
/// sorts them), so the files are merged like sorted lists: the smallest key among the files'
/// current keys is counted as the union of its values in every file holding it, and those files
/// move on. Memory holds one key's values per file. A file out of key order is an error, not a
/// wrong count.
public enum UsageDistinctValues {
    /// Per key with values, the number of distinct values in all the files at `paths` together
    /// (a missing file holds none).
    public static func count(paths: [String]) throws -> [UsageKey: Int] {
        let files = try paths.filter { FileSystem.exists($0) }.map { try ValueRuns(path: $0) }
        var heads = try files.map { try $0.next() }
        var counts: [UsageKey: Int] = [:]
        while let key = heads.lazy.compactMap({ $0?.key }).min() {
            var union: Set<String> = []
            for i in heads.indices where heads[i]?.key == key {
                if union.isEmpty { swap(&union, &heads[i]!.values) } else { union.formUnion(heads[i]!.values) }
                heads[i] = try files[i].next()
            }
            counts[key] = union.count
        }
        return counts
    }
}

/// One values file read as runs of rows with one key, in order, 1 MiB of the file at a time.
final class ValueRuns {
    let path: String
    private let reader: CSVReader
    /// Runs complete and not taken yet, oldest first (from `first` on).
    private var ready: [(key: UsageKey, values: Set<String>)] = []
    private var first = 0
    /// The run being read: its key's bytes (the four key cells, each followed by a 0 byte), key
    /// and values; a run ends at a row with other key bytes, or at the end of the file.
    private var runBytes: [UInt8] = []
    private var run: (key: UsageKey, values: Set<String>, line: Int)?
    private var keyBytes: [UInt8] = []
    private var lastKey: UsageKey?
    private var header = true
    private var ended = false

    init(path: String) throws {
        self.path = path
        reader = try CSVReader(path: path)
    }

    /// The next run, or nil after the last.
    func next() throws -> (key: UsageKey, values: Set<String>)? {
        while first == ready.count && !ended {
            ready.removeAll(keepingCapacity: true)
            first = 0
            let before = reader.offset
            try reader.read(upTo: before + (1 << 20)) { try take($0) }
            if reader.offset == before {
                try reader.finish { try take($0) }
                try close()
                ended = true
            }
        }
        guard first < ready.count else { return nil }
        first += 1
        return ready[first - 1]
    }

    private func take(_ row: CSVRow) throws {
        if header { header = false; return }
        guard row.count == 5 else { throw StageFailure.io("\(path):\(row.line): unreadable row") }
        keyBytes.removeAll(keepingCapacity: true)
        for i in 0..<4 {
            keyBytes += row.bytes(i)
            keyBytes.append(0)
        }
        if run == nil || keyBytes != runBytes {
            try close()
            swap(&keyBytes, &runBytes)
            run = (try UsageStore.key(row, path), [], row.line)
        }
        run!.values.insert(CSVWriter.unneutralized(row.lossyString(4)))
    }

    /// Ends the run being read, checking that its key comes after the previous run's.
    private func close() throws {
        guard let r = run else { return }
        run = nil
        if let lastKey, !(lastKey < r.key) {
            throw StageFailure.io("\(path):\(r.line): values out of key order (\(r.key.subscriptionID), \(r.key.metric), \(r.key.period))")
        }
        lastKey = r.key
        ready.append((r.key, r.values))
    }
}
