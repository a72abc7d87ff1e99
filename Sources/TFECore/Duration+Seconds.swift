extension Duration {
    /// The duration in seconds, for printing and for ratios between timings.
    public var inSeconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
