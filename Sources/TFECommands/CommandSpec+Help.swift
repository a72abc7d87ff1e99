// Help for one subcommand, in the layout of STYLE.md section 6.

extension CommandSpec {
    /// The text `-h`, `--help` and `tool help name` print, ending in a newline:
    /// `OVERVIEW:`, `USAGE:`, `ARGUMENTS:` (if any), then `OPTIONS:` with `-h, --help` last.
    /// Hidden options are left out.
    public var helpText: String {
        let argumentRows = arguments.map { (label: $0.label, help: $0.help) }
        let optionRows = options.filter { !$0.isHidden }.map { (label: $0.helpLabel, help: $0.helpWithDefault) }
        let helpRow = (label: "-h, --help", help: "Show help information.")
        let sections = [
            ["OVERVIEW: \(overview)"],
            ["USAGE: \(usage)"],
            HelpLayout.section("ARGUMENTS", argumentRows),
            HelpLayout.section("OPTIONS", optionRows + [helpRow]),
        ]
        return sections.filter { !$0.isEmpty }.map { $0.joined(separator: "\n") }.joined(separator: "\n\n") + "\n"
    }
}
