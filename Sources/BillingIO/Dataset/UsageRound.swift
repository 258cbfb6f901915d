/// One of the rounds in which pass 2 deduplicates a large partition (decision 61): the partition's
/// event ids split by the bits of their hash just below the partition's own (`UsageStore.partition`
/// takes the top 8), so that every occurrence of an id, in this run and in earlier ones, falls in
/// the same round, and a round's table holds at most about `UsageScanner.roundEvents` ids,
/// however many events the month has.
///
/// Which round an id falls in changes no output: the rounds' ids are merged back into one sorted
/// ids file (`UsageIDRuns`), byte for byte the file one round writes.
struct UsageRound: Equatable, Sendable {
    /// The round's number, from 0, and how many rounds the partition takes (a power of two).
    let index: Int
    let count: Int

    /// The one round of a partition small enough to take whole.
    static let whole = UsageRound(index: 0, count: 1)

    init(index: Int, count: Int) {
        precondition(count > 0 && count & (count - 1) == 0 && (0..<count).contains(index), "a round of a power-of-two count")
        self.index = index
        self.count = count
    }

    /// Whether the event id of hash `h` (`ByteKeyTable.hash`) is this round's.
    @inline(__always) func contains(_ h: UInt64) -> Bool { count == 1 || UsageRound.index(of: h, among: count) == index }

    /// The round, of `count`, of the event id of hash `h`: the `log2(count)` bits below its top 8.
    @inline(__always) static func index(of h: UInt64, among count: Int) -> Int {
        count == 1 ? 0 : Int(truncatingIfNeeded: (h &<< 8) &>> UInt64(64 - count.trailingZeroBitCount))
    }

    /// How many rounds a partition takes so that each holds at most `perRound` of its `events`
    /// on average (this run's spilled events, and the ids of earlier contributions read whole) in
    /// its table of ids, and at most `earlierPerRound` of the `earlierIDs` that earlier runs'
    /// indexes list in its set of hashes (decision 63): the least power of two that does both (1
    /// for a partition within both).
    static func count(events: Int, perRound: Int, earlierIDs: Int = 0, earlierPerRound: Int = 1) -> Int {
        func rounds(_ n: Int, _ per: Int) -> Int {
            let per = max(1, per)
            var rounds = 1
            while n > rounds * per { rounds *= 2 }
            return rounds
        }
        return max(rounds(events, perRound), rounds(earlierIDs, earlierPerRound))
    }
}
