import BillingCore
import Dispatch

/// The read-only tables of usage ingest's first pass: subscriptions and metrics by their id
/// bytes, each subscription's dates, metrics and served periods as day numbers. Built once before
/// the pass, complete (served periods included), then shared by its workers without locks; each
/// worker holds it as a `let`, so a row's lookups take no reference counts.
struct UsageLookup: @unchecked Sendable {
    let settings: BillingSettings
    let window: DateRange
    let windowEnd: Int
    let endedOn: [String: CivilDate]

    /// What the hot path needs of a subscription, in one 64-byte record (dates as day numbers),
    /// one cache line in `hot`.
    struct Hot {
        var start: Int32
        var firstPaid: Int32
        var cancel: Int32
        /// The first day after those its served periods are computed for (from `lowDay` on,
        /// `UsageLookup.margin` around the window); a row dated outside gets them computed for
        /// itself (rare: a late event over two months old, or one dated months ahead; see
        /// `farPeriod`). `Int32.min` for a subscription with no metric: none are computed ahead.
        var horizon = Int32.min
        /// The number of its first metric's pair among the dense ones (see `denseSlot`); −1 if
        /// it has none.
        var pairBase: Int32 = -1
        var periodOffset: Int32 = 0
        var periodCount: Int32 = 0
        /// The first two served periods overlapping the run window, copied here so that most rows
        /// find their period without leaving this record.
        var nearStart0: Int32 = 0, nearEnd0: Int32 = 0, nearStart1: Int32 = 0, nearEnd1: Int32 = 0
        /// Whether its plan is in the catalog.
        var hasPlan: Bool
        /// Bit m: metric m is on one of its plans; or kept for `unique_count` (metrics 0…63).
        var metrics: UInt64 = 0
        var values: UInt64 = 0
    }

    /// Subscriptions by id bytes, in id order: 4 slots a key (decision 77).
    let subscriptionIndex: ByteKeyTable
    private(set) var hot: CacheLineTable<Hot>
    let subscriptions: [Subscription]
    /// Per subscription, the number of its plan in `planList`, −1 if the catalog has not its plan:
    /// 4 bytes each, where a `Plan?` each (a 1M-subscription array of them) took 0.1 s to fill.
    let planNumbers: [Int32]
    /// The catalog's plans in id order.
    let planList: [Plan]
    let allPlans: [String: Plan]
    let changes: [String: [SubscriptionChange]]
    /// With more than 64 metrics, per subscription its metric indexes and those kept for values.
    let wideMetrics: [[Int]]?
    let wideValues: [[Int]]?
    let metricIndex: ByteKeyTable
    let metricNames: [String]
    /// Each metric's name as its length and the words `ByteKeyTable.words` loads (0 for a name
    /// of over 16 bytes), for `metric(of:named:)`.
    let metricWords: [(length: Int, words: (UInt64, UInt64))]
    /// How many metrics an accumulator key counts with (`metricNames.count`, at least 1).
    let metricSpan: Int
    /// Served periods of the metered subscriptions that hold a day `margin` around the window,
    /// each one's in a run at `Hot.periodOffset`.
    private(set) var periodDays: [(start: Int, end: Int)] = []
    /// The first day the computed periods cover (`margin` before the window).
    private(set) var lowDay = Int.min
    /// Per dense slot (see `denseSlot`), its accumulator's key and the first day after its
    /// period; key −1 for a slot of no period (a subscription with one near period only).
    var denseKeys: [Int] = []
    var denseEnds: [Int] = []

    /// - Parameter workers: how many threads compute the served periods.
    /// - Throws: a data error of `plans.json` if there are so many subscriptions and metrics that
    ///   an accumulator key cannot hold every pair (over 2^41 pairs).
    init(catalog: Catalog, settings: BillingSettings, window: DateRange, endedOn: [String: CivilDate], workers: Int) throws {
        self.settings = settings
        self.window = window
        self.windowEnd = window.end.dayNumber
        self.endedOn = endedOn
        let subs = UsageLookup.sortedSubscriptions(catalog)
        subscriptions = subs
        // The id index is built on another thread while the records are worked out over every
        // core: at 1M subscriptions the two took 0.7 s of setup one after the other.
        let index = Background { ByteKeyTable(subs.map(\.id), slotsPerKey: 4) }
        allPlans = catalog.plans
        changes = catalog.changes
        // Each subscription's plan id is hashed once, for its plan's number; a catalog has a few
        // plans and up to millions of subscriptions.
        let planIDs = catalog.plans.keys.sorted()
        let numberOfPlan = Dictionary(uniqueKeysWithValues: planIDs.enumerated().map { ($1, $0) })
        let planList = planIDs.map { catalog.plans[$0]! }
        self.planList = planList
        let names = Set(catalog.plans.values.flatMap { $0.charges.map(\.metric) }).sorted()
        metricSpan = max(1, names.count)
        if let error = UsageLookup.capacityError(subscriptions: subs.count, metrics: metricSpan) { throw StageFailure.data([error]) }
        metricNames = names
        metricIndex = ByteKeyTable(names)
        metricWords = names.map { name in
            var name = name
            return name.withUTF8 { b in (b.count, b.count > 0 && b.count <= 16 ? ByteKeyTable.words(UnsafeRawBufferPointer(b)) : (0, 0)) }
        }
        // Each plan's metrics, and those kept for values, worked out once per plan rather than
        // once per subscription (a catalog has a few plans and up to millions of subscriptions).
        let position = Dictionary(uniqueKeysWithValues: names.enumerated().map { ($1, $0) })
        let ofPlan = planList.map { plan in
            (metrics: Set(plan.charges.map { position[$0.metric]! }).sorted(),
             values: Set(plan.charges.filter { $0.aggregation == .uniqueCount }.map { position[$0.metric]! }).sorted())
        }
        let wide = names.count > 64
        // Each subscription's plan, metrics and record, worked out over every core.
        var hot = [Hot](repeating: Hot(start: 0, firstPaid: 0, cancel: 0, hasPlan: false), count: subs.count)
        var plansOf = [Int32](repeating: -1, count: subs.count)
        var metricsOf = [[Int]](repeating: [], count: subs.count)
        var valuesOf = [[Int]](repeating: [], count: subs.count)
        hot.withUnsafeMutableBufferPointer { hot in
            plansOf.withUnsafeMutableBufferPointer { plansOf in
                metricsOf.withUnsafeMutableBufferPointer { metricsOf in
                    valuesOf.withUnsafeMutableBufferPointer { valuesOf in
                        nonisolated(unsafe) let out = (hot: hot, plans: plansOf, metrics: metricsOf, values: valuesOf)
                        parallelRuns(subs.count) { run in
                            for i in run {
                                let s = subs[i]
                                let number = numberOfPlan[s.planID] ?? -1
                                let plan = number >= 0 ? planList[number] : nil
                                let (metrics, values) = number >= 0 ? ofPlan[number] : ([], [])
                                out.plans[i] = Int32(number)
                                out.metrics[i] = metrics
                                out.values[i] = values
                                out.hot[i] = Hot(
                                    start: Int32(s.startDate.dayNumber), firstPaid: Int32(s.firstPaidDay(trialDays: plan?.trialDays ?? 0).dayNumber),
                                    cancel: Int32(s.cancelDate?.dayNumber ?? Int(Int32.max)), hasPlan: plan != nil,
                                    metrics: UsageLookup.bits(metrics, wide: wide), values: UsageLookup.bits(values, wide: wide))
                            }
                        }
                    }
                }
            }
        }
        self.planNumbers = plansOf
        subscriptionIndex = index.value()
        // A changed subscription meters its other plans' metrics too: found from the changes (a
        // few) through the index, rather than each subscription's id hashed to look for its changes.
        for (id, changes) in catalog.changes {
            guard let sub = subscriptionIndex.find(id) else { continue }
            let other = changes.compactMap { $0.planID.flatMap { numberOfPlan[$0] }.map { ofPlan[$0] } }
            guard !other.isEmpty else { continue }
            metricsOf[sub] = Set(metricsOf[sub] + other.flatMap(\.metrics)).sorted()
            valuesOf[sub] = Set(valuesOf[sub] + other.flatMap(\.values)).sorted()
            hot[sub].metrics = UsageLookup.bits(metricsOf[sub], wide: wide)
            hot[sub].values = UsageLookup.bits(valuesOf[sub], wide: wide)
        }
        self.hot = CacheLineTable([])
        wideMetrics = wide ? metricsOf : nil
        wideValues = wide ? valuesOf : nil
        computeServedPeriods(workers: workers, hot: &hot, metered: metricsOf.map { !$0.isEmpty })
        numberDenseSlots(&hot)
        self.hot = CacheLineTable(hot)
    }

    /// `catalog.sortedSubscriptions`, the records copied in order over every core: each is read
    /// from a place of its own in the dictionary, a cache miss or more, and counted references.
    static func sortedSubscriptions(_ catalog: Catalog) -> [Subscription] {
        let records = catalog.subscriptions
        let order = Catalog.keyOrder(records)
        return [Subscription](unsafeUninitializedCapacity: order.count) { buffer, initialized in
            nonisolated(unsafe) let out = buffer
            parallelRuns(order.count) { run in
                for i in run { (out.baseAddress! + i).initialize(to: records[order[i]].value) }
            }
            initialized = order.count
        }
    }

    /// The bits of `metrics` (bit m: metric m) for a hot record; none in a catalog of over 64
    /// metrics (`wide`), whose subscriptions' metrics are listed in `wideMetrics`, `wideValues`.
    static func bits(_ metrics: [Int], wide: Bool) -> UInt64 {
        wide ? 0 : metrics.reduce(0) { $0 | 1 << UInt64($1) }
    }

    /// The metric named `name` if it is on one of subscription `sub`'s plans, else nil (an
    /// unknown metric, or one of other plans only). A name of 1 to 16 bytes is compared, as two
    /// words, with the names of the subscription's own metrics (one to a few), which costs less
    /// than hashing it for `metricIndex`; any other name, or a catalog of over 64 metrics, is
    /// looked up there.
    @inline(__always) func metric(of sub: Int, named name: UnsafeRawBufferPointer) -> Int? {
        let n = name.count
        guard wideMetrics == nil, n > 0, n <= 16 else {
            guard let m = metricIndex.find(name, hash: ByteKeyTable.hash(name)), hasMetric(sub, m) else { return nil }
            return m
        }
        let w = ByteKeyTable.words(name)
        var bits = hot[sub].metrics
        while bits != 0 {
            let m = bits.trailingZeroBitCount
            if metricWords[m].length == n && metricWords[m].words == w { return m }
            bits &= bits - 1
        }
        return nil
    }

    @inline(__always) func hasMetric(_ sub: Int, _ metric: Int) -> Bool {
        if let wideMetrics { return UsageLookup.sortedContains(wideMetrics[sub], metric) }
        return hot[sub].metrics & (1 << UInt64(metric)) != 0
    }

    @inline(__always) func keepsValues(_ sub: Int, _ metric: Int) -> Bool {
        if let wideValues { return UsageLookup.sortedContains(wideValues[sub], metric) }
        return hot[sub].values & (1 << UInt64(metric)) != 0
    }

    /// Whether the ascending `list` holds `x` (a binary search: a plan may have thousands of metrics).
    static func sortedContains(_ list: [Int], _ x: Int) -> Bool {
        var lo = 0, hi = list.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < x { lo = mid + 1 } else { hi = mid }
        }
        return lo < list.count && list[lo] == x
    }

    /// An accumulator's key: subscription, metric and the first day of the served period, packed
    /// so that keys sort as (subscription, metric, period), for any number of metrics: the pair
    /// is one number, `sub × metrics + metric` (at most 2^41), above 22 bits of day. Day numbers
    /// are biased by the days from 0001-01-01 to 1970-01-01 (plus one) to fit those 22 bits.
    @inline(__always) static func key(_ sub: Int, _ metric: Int, _ periodStart: Int, metrics: Int) -> Int {
        (sub &* metrics &+ metric) << 22 | (periodStart + dayBias)
    }
    static let dayBias = 719_163
    /// `CivilDate.latestInput` as a day number: a later usage row is rejected.
    static let latestDay = CivilDate.latestInput.dayNumber
    static let tooLate = "timestamp after \(CivilDate.latestInput), the latest date the pipeline supports"
    /// Subscription × metric pairs a key holds at most.
    static let maxPairs = 1 << 41

    /// The subscription, metric and first day of the period packed in `key`.
    static func unpack(_ key: Int, metrics: Int) -> (sub: Int, metric: Int, periodStart: Int) {
        let pair = key >> 22
        return (pair / metrics, pair % metrics, periodStart(ofKey: key))
    }

    /// The first day of the period packed in `key` (whatever the number of metrics).
    @inline(__always) static func periodStart(ofKey key: Int) -> Int { key & 0x3F_FFFF - dayBias }

    /// Why keys cannot hold every subscription × metric pair (more than `maxPairs`), if they cannot.
    static func capacityError(subscriptions: Int, metrics: Int) -> DataError? {
        let (pairs, overflow) = subscriptions.multipliedReportingOverflow(by: metrics)
        guard overflow || pairs > maxPairs else { return nil }
        return DataError(
            file: "plans.json", line: 1, column: 1, field: "charges",
            problem: "too many usage metrics for \(subscriptions) subscriptions: subscriptions × metrics must not exceed 2^41",
            value: String(metrics))
    }

    /// `key` with this catalog's number of metrics.
    @inline(__always) func key(_ sub: Int, _ metric: Int, _ periodStart: Int) -> Int {
        UsageLookup.key(sub, metric, periodStart, metrics: metricSpan)
    }

    /// `unpack` with this catalog's number of metrics.
    func unpack(_ key: Int) -> (sub: Int, metric: Int, periodStart: Int) { UsageLookup.unpack(key, metrics: metricSpan) }

    /// Served periods of rows dated past a subscription's computed periods (over a year ahead: a
    /// wrong year, most often), kept by each worker for itself: such rows of one subscription
    /// cluster, and computing its periods from its start takes tens of microseconds, so they cost
    /// one computation per subscription and month instead of one per row.
    struct FarPeriods {
        /// Per subscription: every served period overlapping `from..<until`, in order.
        var bySubscription: [Int: (from: Int, until: Int, periods: [(start: Int, end: Int)])] = [:]
        /// Subscriptions kept at most (about 30 MiB, only ever reached with rows far ahead for
        /// most of 262,144 subscriptions); then the cache starts afresh.
        static let limit = 1 << 18
    }

    /// The served period holding `day` (its first day and the first day after it), if one does
    /// (no shared state changes: workers call it concurrently, each with its own `far`).
    @inline(__always) func servedPeriod(of sub: Int, on day: Int, far: inout FarPeriods) -> (start: Int, end: Int)? {
        let h = hot[sub]
        if let near = UsageLookup.nearPeriod(h, on: day) { return near }
        if day >= Int(h.horizon) || day < lowDay { return farPeriod(of: sub, on: day, far: &far) }
        let offset = Int(h.periodOffset), count = Int(h.periodCount)
        var lo = 0, hi = count
        while lo < hi {
            let mid = (lo + hi) / 2
            if periodDays[offset + mid].end <= day { lo = mid + 1 } else { hi = mid }
        }
        return lo < count && periodDays[offset + lo].start <= day && day < periodDays[offset + lo].end ? periodDays[offset + lo] : nil
    }

    /// The one of a subscription's two near periods (its hot record `h`'s) holding `day`, if one
    /// does: most rows' period. Pass 1 tries it before `servedPeriod`, whose `inout` argument
    /// made the compiler copy the whole lookup (480 bytes) onto the stack for every row.
    @inline(__always) static func nearPeriod(_ h: Hot, on day: Int) -> (start: Int, end: Int)? {
        let d = Int32(truncatingIfNeeded: day)
        if h.nearStart0 <= d && d < h.nearEnd0 { return (Int(h.nearStart0), Int(h.nearEnd0)) }
        if h.nearStart1 <= d && d < h.nearEnd1 { return (Int(h.nearStart1), Int(h.nearEnd1)) }
        return nil
    }

    /// `servedPeriod` outside the computed periods: the periods holding a day of the 62 from
    /// `day` are computed (a period's bounds do not depend on which others are computed) and
    /// kept, with the start of `day`'s own period as the first day they cover.
    private func farPeriod(of sub: Int, on day: Int, far: inout FarPeriods) -> (start: Int, end: Int)? {
        guard planNumbers[sub] >= 0 else { return nil }
        if let kept = far.bySubscription[sub], kept.from <= day && day < kept.until {
            return kept.periods.first { $0.start <= day && day < $0.end }
        }
        let until = day + 62
        let periods = servedPeriods(sub, from: CivilDate(dayNumber: day), until: CivilDate(dayNumber: until))
        let found = periods.first { $0.start <= day && day < $0.end }
        let from = found?.start ?? day
        if far.bySubscription.count >= FarPeriods.limit { far.bySubscription.removeAll() }
        far.bySubscription[sub] = (from, until, periods.filter { $0.end > from && $0.start < until })
        return found
    }

    /// A subscription's served periods (as day numbers) up to `horizon`, those ending after
    /// `from` at least (`RecurringRater.servedPeriods`).
    func servedPeriods(_ sub: Int, from: CivilDate? = nil, until horizon: CivilDate) -> [(start: Int, end: Int)] {
        let s = subscriptions[sub]
        let timeline = SubscriptionTimeline(subscription: s, plan: planList[Int(planNumbers[sub])], changes: changes[s.id] ?? [], plans: allPlans)
        let computed = RecurringRater(settings: settings).servedPeriods(for: s, timeline: timeline, from: from, until: horizon, endedOn: endedOn[s.id])
        return computed.map { ($0.served.start.dayNumber, $0.served.end.dayNumber) }
    }

    /// The days before and after the window whose served periods are computed ahead, for late
    /// events and deferred ones. Most subscriptions have one cycle, whose periods are then found
    /// from the first of these days on, not walked from the subscription's start (with 400 days
    /// ahead and every period from the start, this took 0.3 s of 100k subscriptions' setup).
    static let margin = 62

    /// Every metered subscription's served periods that hold a day `margin` around the window
    /// (over every core), and in its hot record the first two overlapping the window.
    ///
    /// A subscription with no metric on any of its plans (`metered[sub]` false; flat fees only,
    /// about half of them in the bench's data) gets none computed: each of its rows is rejected
    /// for its metric before its period is looked for. Its `horizon` stays at `Int32.min`, so a
    /// lookup of its period, if one is ever made, computes it (`farPeriod`): the same answer.
    private mutating func computeServedPeriods(workers: Int, hot: inout [Hot], metered: [Bool]) {
        let low = window.start.adding(days: -UsageLookup.margin)
        let horizon = window.end.adding(days: UsageLookup.margin)
        var computed = [[(start: Int, end: Int)]](repeating: [], count: subscriptions.count)
        let scanner = self
        computed.withUnsafeMutableBufferPointer { buffer in
            nonisolated(unsafe) let out = buffer
            let n = out.count, w = max(1, workers)
            DispatchQueue.concurrentPerform(iterations: w) { k in
                for sub in stride(from: k, to: n, by: w) where scanner.planNumbers[sub] >= 0 && metered[sub] {
                    out[sub] = scanner.servedPeriods(sub, from: low, until: horizon)
                }
            }
        }
        lowDay = low.dayNumber
        let windowStart = window.start.dayNumber
        for (sub, periods) in computed.enumerated() where metered[sub] {
            var h = hot[sub]
            h.periodOffset = Int32(periodDays.count)
            h.periodCount = Int32(periods.count)
            h.horizon = Int32(horizon.dayNumber)
            periodDays += periods
            if let first = periods.firstIndex(where: { $0.end > windowStart }) {
                (h.nearStart0, h.nearEnd0) = (Int32(periods[first].start), Int32(periods[first].end))
                if first + 1 < periods.count { (h.nearStart1, h.nearEnd1) = (Int32(periods[first + 1].start), Int32(periods[first + 1].end)) }
            }
            hot[sub] = h
        }
    }
}
