import BillingCore
import CLibCSV

#if canImport(Glibc)
    import Glibc
#endif

/// Streams a CSV file through libcsv in strict mode (RFC 4180 quoting, LF or CRLF, optional BOM).
///
/// The file is fed to libcsv in 1 MiB chunks. libcsv reports no lines, so the reader counts them
/// itself: with `CSV_REPALL_NL` every line break outside a record is reported as an empty record
/// (a blank line, or the LF of a CRLF), a record's terminator says whether it ended at an LF, and
/// line breaks inside quoted fields are counted in the field's bytes (only a quoted field can hold
/// one, so fields are searched only while a quote was in the chunk being parsed or the one before:
/// a field is handed over at the delimiter after its closing quote). Every record gets the line
/// where it starts. Spaces are data (a space function that accepts none); blank lines are skipped
/// but counted. Fields land in one reusable byte buffer: no allocation per field.
///
/// libcsv calls the space function for every byte of an unquoted field, through a pointer: that
/// call alone cost about 5 % of ingest's CPU. Its own test (space or tab) differs from the one that
/// keeps spaces only on those two bytes, so a chunk that holds neither is parsed with libcsv's own
/// test, and the same fields come out.
public final class CSVReader {
    /// The file name used in messages.
    public let displayPath: String
    private var parser = csv_parser()
    private var buffer: UnsafeMutablePointer<UInt8>
    private var capacity = 4096
    private var used = 0
    private var ends: UnsafeMutablePointer<Int>
    private var endsCapacity = 64
    private var fieldCount = 0
    /// Line breaks before the current record, and inside its fields so far.
    private var linesBefore = 0
    private var linesInside = 0
    /// Whether the chunk being parsed, or the one before, holds a quote: only then can a field
    /// handed over hold a line break.
    private var quotesNear = true
    private var quoteInLastChunk = false
    /// Whether libcsv is told that no byte is a space (the chunk holds a space or a tab).
    private var keepingSpaces = true
    /// Who records go to during `read` or `finish`: held by those calls, referred to here without
    /// a count, so that handing over a record retains and releases nothing (a closure in an
    /// optional property was retained and released for every record: 1.5 % of pass 1's time).
    private var sink: Unmanaged<RecordSink>?
    private var failure: Error?
    private var stopped = false

    private var fd: Int32 = -1
    /// The file offset the next chunk is read from.
    public private(set) var offset: Int
    private var chunk = [UInt8](repeating: 0, count: 1 << 20)

    /// A reader of `path` from byte `offset` on (0: the whole file, a byte-order mark skipped).
    /// Lines are counted from there: a reader started mid-file numbers its first line 1.
    public init(path: String, displayPath: String? = nil, offset: Int = 0) throws {
        self.displayPath = displayPath ?? path
        self.offset = offset
        buffer = .allocate(capacity: capacity)
        ends = .allocate(capacity: endsCapacity)
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL)) == 0 else { throw StageFailure.io("libcsv: init failed") }
        csv_set_space_func(&parser, keepSpaces)
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StageFailure.io("\(path): cannot open: \(String(cString: strerror(errno)))") }
    }

    deinit {
        csv_free(&parser)
        if fd >= 0 { close(fd) }
        buffer.deallocate()
        ends.deallocate()
    }

    /// Reads `path`, calling `onRecord` for every record, the header included (line numbers are
    /// physical). A quoting error is a `DataError` naming the record's first line.
    public static func read(
        path: String, displayPath: String? = nil, onRecord: (CSVRow) throws -> Void
    ) throws {
        let reader = try CSVReader(path: path, displayPath: displayPath)
        try reader.read(upTo: Int.max, onRecord: onRecord)
        try reader.finish(onRecord: onRecord)
    }

    /// Parses on up to byte `end` (or the end of the file), calling `onRecord` for every record
    /// completed on the way. A record cut at `end` is completed by the next call.
    public func read(upTo end: Int, onRecord: (CSVRow) throws -> Void) throws {
        try delivering(to: onRecord) { try feed(upTo: end) }
    }

    /// Ends the input: a record without a final line break is delivered, an open quote is an error.
    public func finish(onRecord: (CSVRow) throws -> Void) throws {
        try delivering(to: onRecord) {
            let context = Unmanaged.passUnretained(self).toOpaque()
            quotesNear = true
            if !stopped && csv_fini(&parser, fieldCallback, recordCallback, context) != 0 { throw quotingError() }
            if let failure { throw failure }
        }
    }

    /// Runs `parse` with `onRecord` as the reader's sink, held for as long as it runs.
    private func delivering(to onRecord: (CSVRow) throws -> Void, _ parse: () throws -> Void) throws {
        try withoutActuallyEscaping(onRecord) { body in
            let sink = RecordSink(body)
            self.sink = Unmanaged.passUnretained(sink)
            defer { self.sink = nil }
            try withExtendedLifetime(sink) { try parse() }
        }
    }

    /// Whether the bytes read so far end exactly between two records (not inside a quoted field,
    /// nor inside a record): then a reader started at `offset` sees the same records from there.
    public var atRecordBoundary: Bool { parser.pstate == 0 && fieldCount == 0 && failure == nil }

    /// Line breaks read so far (the number of lines before `offset`, counted from where it began).
    public var lines: Int { linesBefore + linesInside }

    private func feed(upTo end: Int) throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        while !stopped && offset < end {
            let want = min(chunk.count, end - offset)
            let n = chunk.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(offset)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StageFailure.io("\(displayPath): cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            var start = 0
            if offset == 0 && n >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF { start = 3 }
            offset += n
            let quoted = chunk.withUnsafeBytes { memchr($0.baseAddress! + start, 0x22, n - start) != nil }
            quotesNear = quoted || quoteInLastChunk
            quoteInLastChunk = quoted
            let spaced = chunk.withUnsafeBytes { memchr($0.baseAddress! + start, 0x20, n - start) != nil || memchr($0.baseAddress! + start, 0x09, n - start) != nil }
            if spaced != keepingSpaces {
                csv_set_space_func(&parser, spaced ? keepSpaces : nil)
                keepingSpaces = spaced
            }
            let parsed = chunk.withUnsafeBytes { csv_parse(&parser, $0.baseAddress! + start, n - start, fieldCallback, recordCallback, context) }
            if let failure { throw failure }
            if parsed != n - start { throw quotingError() }
        }
        if let failure { throw failure }
    }

    private func quotingError() -> DataError {
        DataError(
            file: displayPath, line: linesBefore + 1, column: fieldCount + 1, field: "csv",
            problem: "malformed quoting (RFC 4180)", value: String(decoding: UnsafeBufferPointer(start: buffer, count: min(used, 40)), as: UTF8.self))
    }

    fileprivate func field(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        if let data, length > 0 {
            if used + length > capacity {
                var grown = capacity * 2
                while grown < used + length { grown *= 2 }
                let bigger = UnsafeMutablePointer<UInt8>.allocate(capacity: grown)
                bigger.update(from: buffer, count: used)
                buffer.deallocate()
                buffer = bigger
                capacity = grown
            }
            shortCopy(data, to: buffer + used, count: length)
            used &+= length
            var p = UnsafeRawPointer(data)
            var left = quotesNear ? length : 0
            while left > 0, let nl = memchr(p, 0x0A, left) {
                linesInside += 1
                left -= UnsafeRawPointer(nl) - p + 1
                p = UnsafeRawPointer(nl) + 1
            }
        }
        if fieldCount == endsCapacity {
            let bigger = UnsafeMutablePointer<Int>.allocate(capacity: endsCapacity * 2)
            bigger.update(from: ends, count: fieldCount)
            ends.deallocate()
            ends = bigger
            endsCapacity *= 2
        }
        ends[fieldCount] = used
        fieldCount += 1
    }

    fileprivate func record(_ terminator: Int32) {
        if fieldCount > 0 && failure == nil && !stopped {
            let row = CSVRow(line: linesBefore + 1, buffer: UnsafeBufferPointer(start: buffer, count: used),
                             ends: UnsafeBufferPointer(start: ends, count: fieldCount))
            do {
                try sink?._withUnsafeGuaranteedRef { try $0.body(row) }
            } catch {
                failure = error
                stopped = true
            }
        }
        linesBefore += linesInside + (terminator == 0x0A ? 1 : 0)
        linesInside = 0
        used = 0
        fieldCount = 0
    }
}

/// libcsv's space function that keeps spaces and tabs as data (no byte is a space).
private let keepSpaces: @convention(c) (UInt8) -> Int32 = { _ in 0 }

private func fieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.field(data, length) }
}

private func recordCallback(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.record(terminator) }
}

/// The function a reader hands its records to, in an object its `read` and `finish` hold while
/// they run (`CSVReader.sink`).
private final class RecordSink {
    let body: (CSVRow) throws -> Void
    init(_ body: @escaping (CSVRow) throws -> Void) { self.body = body }
}
