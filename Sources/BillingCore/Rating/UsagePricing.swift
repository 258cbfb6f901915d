/// Prices a period's units with a usage charge's model (SPEC §5), exactly, with one rounding.
public enum UsagePricing {
    /// The amount for `units` under `model`, rounded once to the currency's minor unit.
    public static func price(_ model: PriceModel, units: ExactDecimal, currency: Currency, rounding: RoundingMode) throws(ArithmeticOverflow) -> Money {
        try Money.rounding(exactAmount(model, units: units), in: currency, mode: rounding)
    }

    /// The exact, unrounded amount.
    public static func exactAmount(_ model: PriceModel, units: ExactDecimal) throws(ArithmeticOverflow) -> ExactDecimal {
        switch model {
        case .perUnit(let unitPrice):
            return try unitPrice * units
        case .package(let size, let price, let free):
            // ceil(max(units − free, 0) / size) packages.
            let billable = try units + (-free)
            guard billable > .zero else { return .zero }
            let s = max(billable.scale, size.scale)
            let (n, d) = (try billable.rescaled(to: s), try size.rescaled(to: s))
            let packages = (n + d - 1) / d
            return try price * ExactDecimal(units: packages, scale: 0)
        case .graduated(let tiers):
            var total = ExactDecimal.zero
            var lower = ExactDecimal.zero
            for (i, tier) in tiers.enumerated() {
                // The first tier's flat fee is always due; another's once units exceed the tier below.
                if i == 0 || units > lower { total = try total + tier.flatFee }
                let upper = tier.upTo.map { min($0, units) } ?? units
                if upper > lower { total = try total + (try tier.unitPrice * (try upper + (-lower))) }
                guard let upTo = tier.upTo, units > upTo else { break }
                lower = upTo
            }
            return total
        case .volume(let tiers):
            // All units at the tier that holds the total (`up_to` inclusive), plus its flat fee.
            let tier = tiers.first { $0.upTo.map { units <= $0 } ?? true } ?? tiers[tiers.count - 1]
            return try (try tier.unitPrice * units) + tier.flatFee
        }
    }
}
