import BillingCore
import CLibCSV

#if canImport(Glibc)
    import Glibc
#endif

/// Streams a CSV file through libcsv in strict mode (RFC 4180 quoting, LF or CRLF, optional BOM).
///
/// The file is fed to libcsv one physical line at a time so that the reader can count lines
/// itself (libcsv reports none) and give every record the line where it starts. Spaces are data
/// (a space function that accepts none), blank lines are skipped but counted. Fields land in one
/// reusable byte buffer: no allocation per field.
public final class CSVReader {
    /// The file name used in messages.
    public let displayPath: String
    private var parser = csv_parser()
    private var buffer: [UInt8] = []
    private var ends: [Int] = []
    private var line = 1
    private var recordLine = 1
    private var needStart = true
    private var atLineStart = true
    private var onRecord: ((CSVRow) throws -> Void)?
    private var failure: Error?
    private var stopped = false

    private init(displayPath: String) {
        self.displayPath = displayPath
        buffer.reserveCapacity(4096)
        ends.reserveCapacity(32)
    }

    /// Reads `path`, calling `onRecord` for every record, the header included (line numbers are
    /// physical). A quoting error is a `DataError` naming the record's first line.
    public static func read(
        path: String, displayPath: String? = nil, onRecord: @escaping (CSVRow) throws -> Void
    ) throws {
        let reader = CSVReader(displayPath: displayPath ?? path)
        try reader.run(path: path, onRecord: onRecord)
    }

    private func run(path: String, onRecord: @escaping (CSVRow) throws -> Void) throws {
        self.onRecord = onRecord
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI)) == 0 else { throw StageFailure.io("libcsv: init failed") }
        defer { csv_free(&parser) }
        csv_set_space_func(&parser) { _ in 0 }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StageFailure.io("\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let context = Unmanaged.passUnretained(self).toOpaque()
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var first = true
        while !stopped {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw StageFailure.io("\(path): cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            var start = 0
            if first {
                first = false
                if n >= 3 && chunk[0] == 0xEF && chunk[1] == 0xBB && chunk[2] == 0xBF { start = 3 }
            }
            try chunk.withUnsafeBytes { raw in try feed(raw.baseAddress!, from: start, to: n, context: context) }
        }
        if let failure { throw failure }
        if !stopped && csv_fini(&parser, fieldCallback, recordCallback, context) != 0 {
            throw quotingError()
        }
        if let failure { throw failure }
    }

    private func feed(_ base: UnsafeRawPointer, from: Int, to end: Int, context: UnsafeMutableRawPointer) throws {
        var pos = from
        while pos < end && !stopped {
            if atLineStart {
                let c = base.load(fromByteOffset: pos, as: UInt8.self)
                if needStart && c != 0x0A && c != 0x0D {
                    recordLine = line
                    needStart = false
                }
                atLineStart = false
            }
            let nl = memchr(base + pos, 0x0A, end - pos)
            let stop = nl.map { UnsafeRawPointer($0) - base + 1 } ?? end
            let length = stop - pos
            let used = csv_parse(&parser, base + pos, length, fieldCallback, recordCallback, context)
            if let failure { throw failure }
            if used != length { throw quotingError() }
            if nl != nil {
                line += 1
                atLineStart = true
            }
            pos = stop
        }
    }

    private func quotingError() -> DataError {
        DataError(
            file: displayPath, line: recordLine, column: ends.count + 1, field: "csv",
            problem: "malformed quoting (RFC 4180)", value: String(decoding: buffer.prefix(40), as: UTF8.self))
    }

    fileprivate func field(_ data: UnsafeMutableRawPointer?, _ length: Int) {
        if let data, length > 0 {
            buffer.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
        }
        ends.append(buffer.count)
    }

    fileprivate func record() {
        if failure == nil && !stopped {
            buffer.withUnsafeBufferPointer { b in
                ends.withUnsafeBufferPointer { e in
                    do { try onRecord?(CSVRow(line: recordLine, buffer: b, ends: e)) } catch {
                        failure = error
                        stopped = true
                    }
                }
            }
        }
        buffer.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        needStart = true
    }
}

private func fieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(context!).takeUnretainedValue().field(data, length)
}

private func recordCallback(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(context!).takeUnretainedValue().record()
}
