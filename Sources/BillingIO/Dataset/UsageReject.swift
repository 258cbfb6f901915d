/// A usage row ingest refused, written to `OUTPUT/<period>/rejects.csv`.
public struct UsageReject: Sendable, Hashable {
    public var file: String
    public var line: Int
    public var eventID: String
    public var reason: String

    public static let header = ["file", "line", "event_id", "reason"]

    /// Its row of `rejects.csv` (written by `appendRow`, the one place that lays a row out).
    public var csvLine: String {
        var out: [UInt8] = []
        var id = eventID, why = reason
        id.withUTF8 { i in why.withUTF8 { r in UsageReject.appendRow(file: file, line: line, eventID: i, reason: r, to: &out) } }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the row of a reject whose event id and reason are given as the bytes read:
    /// ASCII bytes are copied as they are, other bytes go through `String(decoding:)` as the
    /// `eventID` of a `UsageReject` does (an invalid sequence becomes U+FFFD).
    static func appendRow(
        file: String, line: Int, eventID: UnsafeBufferPointer<UInt8>, reason: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]
    ) {
        func cell(_ bytes: UnsafeBufferPointer<UInt8>) {
            if bytes.allSatisfy({ $0 < 0x80 }) {
                CSVWriter.appendCell(bytes: bytes, to: &out)
            } else {
                CSVWriter.appendCell(String(decoding: bytes, as: UTF8.self), to: &out)
            }
        }
        CSVWriter.appendCell(file, to: &out)
        out.append(UInt8(ascii: ","))
        CSVWriter.appendCell(String(line), to: &out)
        out.append(UInt8(ascii: ","))
        cell(eventID)
        out.append(UInt8(ascii: ","))
        cell(reason)
        out.append(0x0A)
    }
}
