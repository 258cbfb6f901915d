/// One month of the MRR chart, in minor units of one currency.
public struct MRRMonth: Sendable, Hashable {
    public var month: String
    public var movements: MRRMovements
    public init(month: String, movements: MRRMovements) {
        self.month = month
        self.movements = movements
    }
}

/// An SVG chart of MRR at each month's end with its movements (gains above the axis, losses below),
/// self-contained: no fonts, scripts or links to fetch. Integer geometry only.
public enum MRRChart {
    public static func svg(_ months: [MRRMonth], currency: Currency) -> String {
        let width = 80 + 70 * max(1, months.count), height = 330, axis = 230, top = 46
        let peak = max(1, months.map { max($0.movements.end, $0.movements.new + $0.movements.expansion + $0.movements.reactivated) }.max() ?? 1)
        let lossPeak = max(1, months.map { -($0.movements.contraction + $0.movements.churned) }.max() ?? 1)
        func up(_ v: Int64) -> Int { Int(Int128(v) * Int128(axis - top) / Int128(peak)) }
        func down(_ v: Int64) -> Int { Int(Int128(v) * 60 / Int128(max(peak, lossPeak))) }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" viewBox=\"0 0 \(width) \(height)\" font-family=\"sans-serif\" font-size=\"11\">\n"
        s += "<title>MRR and its movements (\(currency.code))</title>\n"
        s += "<line x1=\"40\" y1=\"\(axis)\" x2=\"\(width - 20)\" y2=\"\(axis)\" stroke=\"#333\"/>\n"
        for (i, m) in months.enumerated() {
            let x = 50 + 70 * i
            let mv = m.movements
            let mrr = Money(minorUnits: mv.end, currency: currency)
            s += "<rect x=\"\(x)\" y=\"\(axis - up(mv.end))\" width=\"28\" height=\"\(up(mv.end))\" fill=\"#4a78c2\"><title>MRR \(mrr)</title></rect>\n"
            let gain = mv.new + mv.expansion + mv.reactivated
            s += "<rect x=\"\(x + 30)\" y=\"\(axis - up(gain))\" width=\"12\" height=\"\(up(gain))\" fill=\"#3a9a4a\"><title>new \(Money(minorUnits: mv.new, currency: currency)), expansion \(Money(minorUnits: mv.expansion, currency: currency)), reactivated \(Money(minorUnits: mv.reactivated, currency: currency))</title></rect>\n"
            let loss = -(mv.contraction + mv.churned)
            s += "<rect x=\"\(x + 30)\" y=\"\(axis)\" width=\"12\" height=\"\(down(loss))\" fill=\"#c24a4a\"><title>contraction \(Money(minorUnits: mv.contraction, currency: currency)), churned \(Money(minorUnits: mv.churned, currency: currency))</title></rect>\n"
            s += "<text x=\"\(x)\" y=\"\(axis - up(mv.end) - 4)\">\(mrr)</text>\n"
            s += "<text x=\"\(x)\" y=\"\(height - 14)\">\(m.month)</text>\n"
        }
        s += "<text x=\"40\" y=\"16\">MRR in \(currency.code) at each month's end (blue); gains (green) and losses (red) in the month</text>\n"
        return s + "</svg>\n"
    }
}
