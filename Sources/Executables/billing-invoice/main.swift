import BillingStages

CommandLineTool(
    name: "billing-invoice",
    summary: "Issues the items not yet in the ledger as invoices and credit notes, with register rows and audit entries."
).main { try InvoiceStage.run($0.config) }
