import TFERuntime

/// `--simulate-rtt 40ms --simulate-bandwidth 100mbit`: the simulated network of a local run (see
/// `NetworkModel` for what it models).
enum SimulatedNetwork {
    static let rttOption = "--simulate-rtt"
    static let bandwidthOption = "--simulate-bandwidth"
    static let rttLabel = "--simulate-rtt <duration>"
    static let bandwidthLabel = "--simulate-bandwidth <rate>"

    /// The model the options ask for: nil when neither is given; a usage error when one does not parse.
    /// Only one of them leaves the other side ideal (no latency, or unlimited bandwidth).
    static func model(_ arguments: ParsedArguments) -> Result<NetworkModel?, UsageError> {
        let rttText = arguments.value(rttOption), bandwidthText = arguments.value(bandwidthOption)
        guard rttText != nil || bandwidthText != nil else { return .success(nil) }
        var model = NetworkModel()
        if let rttText {
            guard let rtt = duration(rttText) else {
                return .failure(.malformedValue(
                    rttText, option: rttLabel, expected: "a duration with its unit, as in 40ms, 0.2ms, 1s or 500us"))
            }
            model.rtt = rtt
        }
        if let bandwidthText {
            guard let rate = bitsPerSecond(bandwidthText) else {
                return .failure(.malformedValue(
                    bandwidthText, option: bandwidthLabel,
                    expected: "a positive rate with its unit, as in 100mbit, 10gbit or 512kbit"))
            }
            model.bitsPerSecond = rate
        }
        return .success(model)
    }

    /// `40ms`, `0.2ms`, `1s`, `500us` (also `µs`), at most a day; a space before the unit is allowed.
    static func duration(_ text: String) -> Duration? {
        let units: [(String, Double)] = [("ms", 1e-3), ("us", 1e-6), ("µs", 1e-6), ("s", 1)]
        guard let (number, scale) = split(text, units: units), number >= 0 else { return nil }
        let seconds = number * scale
        guard seconds <= 86_400 else { return nil }
        return .nanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// `100mbit`, `10gbit`, `512kbit` (decimal multiples, as `tc` counts them; case does not matter),
    /// in bits per second.
    static func bitsPerSecond(_ text: String) -> Double? {
        let units: [(String, Double)] = [("kbit", 1e3), ("mbit", 1e6), ("gbit", 1e9)]
        guard let (number, scale) = split(text.lowercased(), units: units), number > 0 else { return nil }
        let rate = number * scale
        return rate.isFinite && rate <= 1e15 ? rate : nil
    }

    /// A finite decimal number and the scale of the unit it ends with.
    private static func split(_ text: String, units: [(String, Double)]) -> (Double, Double)? {
        for (unit, scale) in units where text.hasSuffix(unit) {
            let digits = text.dropLast(unit.count).trimmingSuffix(while: { $0 == " " })
            guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
                let number = Double(digits), number.isFinite
            else { return nil }
            return (number, scale)
        }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingSuffix(while predicate: (Character) -> Bool) -> Substring {
        var end = endIndex
        while end > startIndex, predicate(self[index(before: end)]) { end = index(before: end) }
        return self[startIndex..<end]
    }
}
