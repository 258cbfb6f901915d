import BillingCore

/// Everything one stage adds to the ledger, applied all-or-nothing.
///
/// New files are written straight to their place in the ledger as they are produced (read-only,
/// created exclusively, no fsync each), but only after their paths were appended, and synced, to
/// the intent list `LEDGER/staging/intent`; the bytes to append to append-only files go to
/// `LEDGER/staging/appends/<n>`. So a commit of 100k documents never sits in memory, and each file
/// costs one creation (no staging copy, no rename). `apply` makes everything durable with one
/// `sync`, then writes the redo record `LEDGER/pending.json` (temp file, fsync, rename: the commit
/// point) naming the new files and, per append-only file, its size before the commit. The redo
/// checks the files are there and cuts each append-only file back to its recorded size before
/// appending; one more `sync`, then the intent list, the record and the staging folder are removed,
/// in that order.
///
/// A run killed before the commit point leaves the intent list without `pending.json`: the next
/// `Ledger` removes every file it names (none existed before the commit declared it: a path that
/// exists is refused before it is declared), and nothing happened. One killed after it leaves
/// `pending.json`, which the next `Ledger` applies again, reaching exactly the state of an
/// uninterrupted run. Files of a finished commit are never rewritten.
public final class LedgerCommit {
    let folder: String
    /// New files, by path relative to the ledger, in the order they were added.
    public private(set) var files: [String] = []
    /// Per append-only file (relative path): its staging file's number and bytes not yet flushed.
    private var appends: [(path: String, staged: String, pending: [UInt8])] = []
    /// Folders (full paths) that did not exist when this commit first declared a path in them.
    private var createdFolders: Set<String> = []
    /// Paths (relative to the ledger) declared by `declareAhead` and not yet written.
    private var ahead: Set<String> = []
    /// The background sync started by `startWriteback`, and how many files had been added then.
    private var writeback: Background<Void>?
    private var writtenBackUpTo = 0
    static let writebackEvery = 30_000

    static let pendingName = "pending.json"
    static let stagingName = "staging"
    static let intentName = "staging/intent"
    static let flushSize = 1 << 20

    /// A commit on the ledger folder `folder`; nothing is written until something is added.
    public init(folder: String) {
        self.folder = folder
    }

    public var isEmpty: Bool { files.isEmpty && appends.isEmpty }

    func staged(_ relative: String) -> String { FileSystem.join(folder, LedgerCommit.stagingName + "/" + relative) }

    /// Adds a new file (read-only) at `path`, relative to the ledger.
    public func add(_ path: String, _ bytes: [UInt8]) throws {
        try add([(path, bytes)])
    }

    /// Adds new files (read-only), recorded and created in the order given, one at a time:
    /// creating files in one folder is serial in the kernel (the folder's lock), and a second
    /// thread only spins on that lock. On a failure what was written is removed with the commit.
    public func add(_ batch: [(path: String, bytes: [UInt8])]) throws {
        for (target, file) in zip(try targets(batch.map(\.path)), batch) { try FileSystem.writeInCommit(target, file.bytes) }
        files += batch.map(\.path)
        startWriteback()
    }

    /// Declares, before any of them is written, paths of files that `add` will create: one synced
    /// append to the intent list for all of them, instead of one per call (the invoice stage knows
    /// every document's paths before it renders the first one). A path declared and never written
    /// is harmless: undoing the commit removes nothing there; but `apply` refuses a commit that
    /// left one unwritten, as a sign that a file went missing.
    public func declareAhead(_ paths: [String]) throws {
        _ = try declare(paths)
        ahead.reserveCapacity(ahead.count + paths.count)
        for path in paths where !ahead.insert(path).inserted {
            throw StageFailure.io("\(FileSystem.join(folder, path)): declared twice in one commit")
        }
    }

    /// The full paths to create `paths` at: those declared ahead as declared, the rest declared now.
    private func targets(_ paths: [String]) throws -> [String] {
        if ahead.isEmpty { return try declare(paths) }
        var now = try declare(paths.filter { !ahead.contains($0) })[...]
        return try paths.map { path in
            if ahead.remove(path) != nil { return FileSystem.join(folder, path) }
            guard let target = now.popFirst() else { throw StageFailure.io("\(FileSystem.join(folder, path)): written twice in one commit") }
            return target
        }
    }

    /// Adds the file at `source` as `path`, relative to the ledger: linked, not copied, where the
    /// file system allows (`FileSystem.linkInCommit`); `source` becomes read-only. For run outputs
    /// that this program never writes again.
    public func add(_ path: String, sameFileAs source: String) throws {
        let target = try targets([path])[0]
        try FileSystem.linkInCommit(from: source, to: target)
        files.append(path)
    }

    /// Refuses paths that exist, appends the paths to the intent list (synced: a file is never
    /// on disk without its path in the list), and creates their folders. Returns the full paths.
    ///
    /// A path in a folder this commit created is not looked up: nothing was in that folder before
    /// the commit, and a path declared twice fails at its creation (`O_EXCL`), so the intent list
    /// still names no file that existed before. On a first run that spares the kernel a lookup
    /// per document file in a folder of 300k (`access` took 8 % of the invoice stage's CPU, on
    /// the thread that creates the files).
    private func declare(_ paths: [String]) throws -> [String] {
        guard !paths.isEmpty else { return [] }
        let targets = paths.map { FileSystem.join(folder, $0) }
        // Each target's folder; consecutive paths mostly share one, which is then looked up once.
        let folders = targets.map(FileSystem.parent)
        var distinct: Set<String> = []
        for (i, parent) in folders.enumerated() where i == 0 || parent != folders[i - 1] { distinct.insert(parent) }
        let parents = distinct.sorted()
        for parent in parents where !createdFolders.contains(parent) && !FileSystem.exists(parent) { createdFolders.insert(parent) }
        var created = false
        for (i, t) in targets.enumerated() {
            if i == 0 || folders[i] != folders[i - 1] { created = createdFolders.contains(folders[i]) }
            if !created && FileSystem.exists(t) { throw StageFailure.io("\(t): already exists; a ledger file is never replaced") }
        }
        let intent = FileSystem.join(folder, LedgerCommit.intentName)
        let first = !FileSystem.exists(intent)
        try FileSystem.createDirectory(FileSystem.parent(intent))
        var lines: [UInt8] = []
        lines.reserveCapacity(paths.reduce(0) { $0 + $1.utf8.count + 1 })
        for path in paths {
            lines += path.utf8
            lines.append(UInt8(ascii: "\n"))
        }
        try FileSystem.append(intent, lines)
        if first { try FileSystem.syncDirectory(of: intent) }
        for parent in parents { try FileSystem.createDirectory(parent) }
        return targets
    }

    /// Starts writing the files added so far to disk, on another thread, once `writebackEvery`
    /// more were added and the last such start has finished. `apply` syncs everything anyway:
    /// this only moves most of that work (the kernel's, about 2.5 s for 300k files) from after the
    /// last file to while the next ones are created. It changes nothing the commit promises.
    private func startWriteback() {
        guard files.count >= writtenBackUpTo + LedgerCommit.writebackEvery else { return }
        if let writeback, !writeback.isDone { return }
        writtenBackUpTo = files.count
        writeback = Background { FileSystem.startSync() }
    }

    /// Whether bytes are queued for `path` already.
    public func appends(to path: String) -> Bool { appends.contains { $0.path == path } }

    /// Queues UTF-8 bytes to append to `path`, relative to the ledger (in order of the calls).
    public func append(_ path: String, _ bytes: [UInt8]) throws {
        guard !bytes.isEmpty else { return }
        let i: Int
        if let found = appends.firstIndex(where: { $0.path == path }) {
            i = found
        } else {
            appends.append((path, "appends/\(appends.count + 1)", []))
            i = appends.count - 1
        }
        appends[i].pending += bytes
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
        if let unwritten = ahead.min() { throw StageFailure.io("\(FileSystem.join(folder, unwritten)): declared but never written") }
        for i in appends.indices { try flush(i) }
        try FileSystem.syncAll(folder)
        let appendNodes = try appends.map { a -> JSONNode in
            let p = FileSystem.join(folder, a.path)
            let offset = FileSystem.exists(p) ? try FileSystem.size(p) : 0
            return .object(["path": .string(a.path), "offset": .int(offset), "staged": .string(a.staged)])
        }
        let record = JSONWriter.compact(.object([
            "format": .int(3), "files": .array(files.map { .string($0) }), "appends": .array(appendNodes),
        ]))
        try FileSystem.replace(FileSystem.join(folder, LedgerCommit.pendingName), Array(record.utf8))
        // This run wrote and synced the files itself: applying needs no check that they are there.
        try LedgerCommit.redo(folder: folder, justWritten: true)
    }

    /// Applies `pending.json` if there is one (idempotent), then deletes it and the staging
    /// folder; without one, undoes a commit that never reached its commit point: removes the files
    /// its intent list names, then the staging folder.
    ///
    /// - Parameter justWritten: the commit's own run applies it right after writing the record:
    ///   skip checking that each of its files is there (a second look at every file).
    static func redo(folder: String, justWritten: Bool = false) throws {
        let pendingPath = FileSystem.join(folder, pendingName)
        let intentPath = FileSystem.join(folder, intentName)
        let staging = FileSystem.join(folder, stagingName)
        try FileSystem.remove(pendingPath + ".tmp")  // a commit that never reached its commit point
        guard FileSystem.exists(pendingPath) else {
            if FileSystem.exists(intentPath) {
                for line in try FileSystem.readText(intentPath).split(separator: "\n") where !line.contains("..") {
                    try FileSystem.remove(FileSystem.join(folder, String(line)))
                }
                try FileSystem.syncAll(folder)
            }
            try FileSystem.removeTree(staging)
            return
        }
        let record = try JSONParser.parse(try FileSystem.read(pendingPath), file: pendingPath)
        guard case .number(let format) = record["format"]?.value, format == "2" || format == "3" else {
            throw StageFailure.io("\(pendingPath): unknown commit record format")
        }
        for f in record["files"]?.arrayValue ?? [] {
            guard let path = f.stringValue else { throw StageFailure.io("\(pendingPath): unreadable commit record") }
            let target = FileSystem.join(folder, path)
            let source = FileSystem.join(staging, path)
            if format == "2" && FileSystem.exists(source) {
                // Format 2 (before direct writes) staged each file and renamed it into place.
                if FileSystem.exists(target) { throw StageFailure.io("\(target): already exists; a ledger file is never replaced") }
                try FileSystem.createDirectory(FileSystem.parent(target))
                try FileSystem.moveInCommit(source, to: target)
            } else if !justWritten && !FileSystem.exists(target) {
                throw StageFailure.io("\(target): missing from the pending commit; the ledger was changed by hand")
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
        // The intent list goes before the record: without the record, it would undo the commit.
        if FileSystem.exists(intentPath) {
            try FileSystem.remove(intentPath)
            try FileSystem.syncDirectory(of: intentPath)
        }
        try FileSystem.remove(pendingPath)
        try FileSystem.syncDirectory(of: pendingPath)
        try FileSystem.removeTree(staging)
    }
}
