import BillingCore
import BillingIO
import Dispatch

/// `billing-invoice`: compares the rated items with the lines the ledger already issued and
/// issues only the difference, as documents (one per customer per issue date), in one ledger
/// commit: the document files, register rows, line index rows and audit entries.
public enum InvoiceStage {
    /// - Parameters:
    ///   - catalogs: the pipeline's cache of the normalised dataset, if it runs the stages in one
    ///     process.
    ///   - ratedItems: the items the pipeline's rate stage kept, if any.
    public static func run(_ config: PipelineConfig, catalogs: CatalogCache? = nil, ratedItems: RatedItemsCache? = nil) throws {
        PhaseClock.start()
        // Rate's items are parsed (or taken from the pipeline's rate stage) on another thread while
        // the catalog is read: neither touches the ledger, and an error of either is reported in
        // the order a serial run would meet it.
        let itemsPath = StageContext.itemsPath(config)
        let itemsAhead = FileSystem.exists(itemsPath)
            ? Background { Result { try ratedItems?.items(path: itemsPath) ?? ItemsCSV.read(path: itemsPath).map(\.item) } } : nil
        let context = try StageContext(config, writesLedger: true, catalogs: catalogs)
        guard let itemsAhead else {
            throw StageFailure.io("\(itemsPath): no rated items for \(config.period); run billing-rate first")
        }
        let ledger = context.ledger
        let since = try context.since()
        let computed = try itemsAhead.value().get()
        let issued = try ledger.issuedItems()
        let pending = try ItemDiff.pending(computed: computed, issued: issued, window: config.window)
        var balances = try ledger.balances()
        var totals: [String: Money] = [:]
        // Invoices a credit note may void: those with no credit applied (their total is their amount due).
        for row in try ledger.register() where row["type"] == DocumentType.invoice.rawValue {
            let total = try Ledger.money(row, "total", file: "invoices.csv")
            if try Ledger.money(row, "credit_applied", file: "invoices.csv").minorUnits == 0 { totals[row["number"]!] = total }
        }
        let touched = Set(try ledger.payments().map { $0["invoice_number"] ?? "" }).union(try ledger.statuses().filter { $0["entity"] == "invoice" }.map { $0["id"] ?? "" })
        let receipts = Dictionary(grouping: context.catalog.paymentsReceived, by: \.invoiceNumber)
        // Unpaid, never collected, and no transfer for it on or before the credit note.
        let voidable = { (number: String, date: CivilDate) in
            !touched.contains(number) && !(receipts[number] ?? []).contains { $0.date <= date }
        }
        PhaseClock.mark("read ledger and items")
        // Each document's draft (its lines sorted, its tax) depends on its own items alone: drafts
        // are made on every core, then numbered in order on this one. The first error in
        // numbering order is the one thrown, as in a serial build.
        let builder = DocumentBuilder(settings: config.settings)
        let customers = context.catalog.customers
        let drafts = try DocumentDraft.groups(items: pending, window: config.window).parallelMapSlices { slice in
            Result { () throws(ArithmeticOverflow) in try slice.map { g throws(ArithmeticOverflow) in try builder.draft(g, customers: customers) } }
        }.flatMap { try $0.get() }
        let documents = try builder.build(drafts: drafts, issued: issued, balances: &balances, invoiceTotals: totals, voidable: voidable)

        PhaseClock.mark("build documents")
        let commit = ledger.newCommit()
        if try ledger.since() == nil {
            let meta = Ledger.metaFile(since: since)
            try commit.add(meta.path, meta.bytes)
        }
        // This run's usage contribution, if the ledger does not hold it yet, is hashed on other
        // cores while the documents are written (its manifest goes into the same commit).
        let pendingUsage = try context.pendingUsage()
        let usagePieces = try pendingUsage.map { try UsageStore.pieces(base: $0.base) } ?? []
        let usageDigests = pendingUsage.map { p in
            Background { [usagePieces] in Result { try UsageManifest.digests(base: p.base, pieces: usagePieces) } }
        }
        var audit = try ledger.auditLog()
        var events = try ledger.eventFeed()
        // Documents are rendered in batches on another thread (their files; their rows of the
        // register, line index, tax register and status log; their events, numbered ahead; their
        // audit entries, short of the chain) while this one writes an earlier batch's files
        // (creating files in one folder is serial in the kernel anyway) and chains its audit
        // entries. Batches are rendered one at a time, up to `ahead` batches ahead of the one
        // being written, so that neither thread waits for the other whenever a batch happens to
        // take one of them longer: memory holds a few batches of renderings (about 5 MB each),
        // never the whole month's.
        let batches = stride(from: 0, to: documents.count, by: 512).map { $0..<min($0 + 512, documents.count) }
        var eventsFrom = [events.nextSeq]
        for range in batches { eventsFrom.append(eventsFrom.last! + documents[range].reduce(0) { $0 + RenderedBatch.eventCount($1) }) }
        let renderer = DispatchQueue(label: "invoice-render")
        func render(_ k: Int) -> Background<RenderedBatch> {
            let batch = Array(documents[batches[k]]), feed = events, seq = eventsFrom[k]
            return Background(on: renderer) { RenderedBatch(batch, feed: feed, eventsFrom: seq) }
        }
        let ahead = 4
        var upcoming = (0..<min(ahead, batches.count)).map(render)
        // Every document's three paths go to the commit's intent list at once, while the first
        // batch renders: one synced append, not one per batch.
        try commit.declareAhead(documents.flatMap(files))
        var start = 0
        for (k, range) in batches.enumerated() {
            let batch = documents[range]
            let rendered = upcoming.removeFirst().value()
            if k + ahead < batches.count { upcoming.append(render(k + ahead)) }
            start += batch.count
            try commit.add(zip(batch, rendered.documents).flatMap { d, r in zip(files(of: d), [r.json, r.text, r.html]).map { ($0, $1) } })
            events.add(rendered.events)
            for draft in rendered.audit { audit.add(draft) }
            try ledger.appendRows(bytes: rendered.register, to: "invoices.csv", header: Ledger.registerHeader, in: commit)
            try ledger.appendRows(bytes: rendered.index, to: "items.csv", header: ItemsCSV.header + ["document"], in: commit)
            try ledger.appendRows(bytes: rendered.taxes, to: "taxes.csv", header: Ledger.taxesHeader, in: commit)
            try ledger.appendRows(bytes: rendered.statuses, to: "statuses.csv", header: PayStage.statusesHeader, in: commit)
            try commit.append("audit.jsonl", audit.takeBytes())
            try commit.append("events.jsonl", events.takeBytes())
            if start % 20_480 == 0 { Console.error("invoice: \(start) of \(documents.count) documents written") }
        }
        PhaseClock.mark("render and write documents")
        if let (number, base, count) = pendingUsage, let usageDigests {
            let name = UsageStore.name(number)
            let manifestPath = UsageManifest.path(name)
            try commit.declareAhead(usagePieces.map { name + $0 } + [manifestPath])
            for piece in usagePieces { try commit.add(name + piece, sameFileAs: base + piece) }
            let digests = try usageDigests.value().get()
            let manifest = UsageManifest.render(name: name, pieces: usagePieces, digests: digests)
            try commit.add(manifestPath, manifest)
            // `pieces` lists the aggregates file first.
            audit.add("usage.recorded", [
                "file": .string(name + ".csv"), "events": .int(count), "sha256": .string(digests[0]),
                "manifest": .string(manifestPath), "manifest_sha256": .string(SHA256.hex(manifest)),
            ])
        }
        if !documents.isEmpty || pendingUsage != nil {
            audit.add("run", ["stage": .string("invoice"), "period": .string(config.period), "documents": .int(documents.count)])
            try commit.append("audit.jsonl", audit.takeBytes())
        }
        PhaseClock.mark("add usage")
        try ledger.commit(commit)
        PhaseClock.mark("commit")
        events.warnIfUnsigned()
        Console.error("invoice: \(documents.count) documents issued for \(config.period)")
    }

    /// A document's files in the ledger: its JSON, text and HTML renderings.
    static func files(of d: Document) -> [String] {
        ["invoices/\(d.number).json", "invoices/\(d.number).txt", "invoices/\(d.number).html"]
    }
}
