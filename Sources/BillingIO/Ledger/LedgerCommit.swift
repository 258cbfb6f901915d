import BillingCore

/// Everything one stage adds to the ledger, applied all-or-nothing.
///
/// New files are written as they are produced to `LEDGER/staging/<path>` (read-only, no fsync
/// each), and the bytes to append to `LEDGER/staging/appends/<n>`, so a commit of 100k documents
/// never sits in memory. `apply` then makes the staging durable with one `sync`, and writes the
/// redo record `LEDGER/pending.json` (temp file, fsync, rename: the commit point) naming every
/// staged file and, per append-only file, its size before the commit. The redo renames each staged
/// file into place and cuts each append-only file back to its recorded size before appending; one
/// more `sync` makes that durable before the record and the staging folder are removed.
///
/// A run killed before the commit point leaves a staging folder without `pending.json`, which the
/// next `Ledger` discards (nothing happened); one killed after it leaves `pending.json`, which the
/// next `Ledger` applies again, reaching exactly the state of an uninterrupted run. Files of a
/// finished commit are never rewritten.
public final class LedgerCommit {
    let folder: String
    /// New files, by path relative to the ledger, in the order they were staged.
    public private(set) var files: [String] = []
    /// Per append-only file (relative path): its staging file's number and bytes not yet flushed.
    private var appends: [(path: String, staged: String, pending: [UInt8])] = []

    static let pendingName = "pending.json"
    static let stagingName = "staging"
    static let flushSize = 1 << 20

    /// A commit on the ledger folder `folder`; nothing is written until something is added.
    public init(folder: String) {
        self.folder = folder
    }

    public var isEmpty: Bool { files.isEmpty && appends.isEmpty }

    func staged(_ relative: String) -> String { FileSystem.join(folder, LedgerCommit.stagingName + "/" + relative) }

    /// Stages a new file (read-only) at `path`, relative to the ledger.
    public func add(_ path: String, _ bytes: [UInt8]) throws {
        let target = staged(path)
        try FileSystem.createDirectory(FileSystem.parent(target))
        try FileSystem.writeStaged(target, bytes)
        files.append(path)
    }

    /// Stages a copy of the file at `source` as `path`, relative to the ledger.
    public func add(_ path: String, copyOf source: String) throws {
        let target = staged(path)
        try FileSystem.createDirectory(FileSystem.parent(target))
        try FileSystem.copyStaged(from: source, to: target)
        files.append(path)
    }

    /// Whether bytes are queued for `path` already.
    public func appends(to path: String) -> Bool { appends.contains { $0.path == path } }

    /// Queues bytes to append to `path`, relative to the ledger (in order of the calls).
    public func append(_ path: String, _ text: String) throws {
        guard !text.isEmpty else { return }
        let i: Int
        if let found = appends.firstIndex(where: { $0.path == path }) {
            i = found
        } else {
            appends.append((path, "appends/\(appends.count + 1)", []))
            i = appends.count - 1
        }
        appends[i].pending += text.utf8
        if appends[i].pending.count >= LedgerCommit.flushSize { try flush(i) }
    }

    private func flush(_ i: Int) throws {
        guard !appends[i].pending.isEmpty else { return }
        let target = staged(appends[i].staged)
        try FileSystem.createDirectory(FileSystem.parent(target))
        try FileSystem.appendStaged(target, appends[i].pending)
        appends[i].pending.removeAll(keepingCapacity: true)
    }

    /// Makes the commit durable, applies it, and removes the redo record.
    func apply() throws {
        for i in appends.indices { try flush(i) }
        try FileSystem.syncAll(folder)
        let appendNodes = try appends.map { a -> JSONNode in
            let p = FileSystem.join(folder, a.path)
            let offset = FileSystem.exists(p) ? try FileSystem.size(p) : 0
            return .object(["path": .string(a.path), "offset": .int(offset), "staged": .string(a.staged)])
        }
        let record = JSONWriter.compact(.object([
            "format": .int(2), "files": .array(files.map { .string($0) }), "appends": .array(appendNodes),
        ]))
        try FileSystem.replace(FileSystem.join(folder, LedgerCommit.pendingName), Array(record.utf8))
        try LedgerCommit.redo(folder: folder)
    }

    /// Applies `pending.json` if there is one (idempotent), then deletes it and the staging
    /// folder; without one, discards the staging of a commit that never reached its commit point.
    static func redo(folder: String) throws {
        let pendingPath = FileSystem.join(folder, pendingName)
        let staging = FileSystem.join(folder, stagingName)
        try FileSystem.remove(pendingPath + ".tmp")  // a commit that never reached its commit point
        guard FileSystem.exists(pendingPath) else {
            try FileSystem.removeTree(staging)
            return
        }
        let record = try JSONParser.parse(try FileSystem.read(pendingPath), file: pendingPath)
        guard case .number(let format) = record["format"]?.value, format == "2" else {
            throw StageFailure.io("\(pendingPath): unknown commit record format")
        }
        for f in record["files"]?.arrayValue ?? [] {
            guard let path = f.stringValue else { throw StageFailure.io("\(pendingPath): unreadable commit record") }
            let target = FileSystem.join(folder, path)
            let source = FileSystem.join(staging, path)
            if FileSystem.exists(source) {
                if FileSystem.exists(target) { throw StageFailure.io("\(target): already exists; a ledger file is never replaced") }
                try FileSystem.createDirectory(FileSystem.parent(target))
                try FileSystem.moveInCommit(source, to: target)
            } else if !FileSystem.exists(target) {
                throw StageFailure.io("\(source): missing from the pending commit; the ledger was changed by hand")
            }
        }
        for a in record["appends"]?.arrayValue ?? [] {
            guard let path = a["path"]?.stringValue, let stagedName = a["staged"]?.stringValue,
                case .number(let o) = a["offset"]?.value, let offset = Int(o)
            else { throw StageFailure.io("\(pendingPath): unreadable commit record") }
            let full = FileSystem.join(folder, path)
            let size = FileSystem.exists(full) ? try FileSystem.size(full) : 0
            if size < offset { throw StageFailure.io("\(full): shorter than the pending commit expects; the ledger was changed by hand") }
            if size > offset { try FileSystem.truncate(full, to: offset) }
            try FileSystem.appendInCommit(full, contentsOf: FileSystem.join(staging, stagedName))
        }
        try FileSystem.syncAll(folder)
        try FileSystem.remove(pendingPath)
        try FileSystem.syncDirectory(of: pendingPath)
        try FileSystem.removeTree(staging)
    }
}
