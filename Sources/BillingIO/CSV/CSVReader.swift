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
/// line breaks inside quoted fields are counted in the field's bytes. Every record gets the line
/// where it starts. Spaces are data (a space function that accepts none); blank lines are skipped
/// but counted. Fields land in one reusable byte buffer: no allocation per field.
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
    private var onRecord: ((CSVRow) throws -> Void)?
    private var failure: Error?
    private var stopped = false

    private init(displayPath: String) {
        self.displayPath = displayPath
        buffer = .allocate(capacity: capacity)
        ends = .allocate(capacity: endsCapacity)
    }

    deinit {
        buffer.deallocate()
        ends.deallocate()
    }

    /// Reads `path`, calling `onRecord` for every record, the header included (line numbers are
    /// physical). A quoting error is a `DataError` naming the record's first line.
    public static func read(
        path: String, displayPath: String? = nil, onRecord: (CSVRow) throws -> Void
    ) throws {
        try withoutActuallyEscaping(onRecord) { body in
            let reader = CSVReader(displayPath: displayPath ?? path)
            defer { reader.onRecord = nil }
            try reader.run(path: path, onRecord: body)
        }
    }

    private func run(path: String, onRecord: @escaping (CSVRow) throws -> Void) throws {
        self.onRecord = onRecord
        guard csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL)) == 0 else { throw StageFailure.io("libcsv: init failed") }
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
            let parsed = chunk.withUnsafeBytes { csv_parse(&parser, $0.baseAddress! + start, n - start, fieldCallback, recordCallback, context) }
            if let failure { throw failure }
            if parsed != n - start { throw quotingError() }
        }
        if let failure { throw failure }
        if !stopped && csv_fini(&parser, fieldCallback, recordCallback, context) != 0 {
            throw quotingError()
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
            (buffer + used).update(from: data.assumingMemoryBound(to: UInt8.self), count: length)
            used += length
            var p = UnsafeRawPointer(data)
            var left = length
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
            do {
                try onRecord?(CSVRow(line: linesBefore + 1, buffer: UnsafeBufferPointer(start: buffer, count: used),
                                     ends: UnsafeBufferPointer(start: ends, count: fieldCount)))
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

private func fieldCallback(_ data: UnsafeMutableRawPointer?, _ length: Int, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.field(data, length) }
}

private func recordCallback(_ terminator: Int32, _ context: UnsafeMutableRawPointer?) {
    Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.record(terminator) }
}
