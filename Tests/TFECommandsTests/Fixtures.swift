import TFECommands

/// Specs shaped like the real tools': `tfec compile` exactly as STYLE.md section 6 shows it (plus the hidden
/// `--dump-after`), and two `tfe-vm`-like subcommands for required options, optional arguments and wrapping.
enum Fixtures {
    static let compile = CommandSpec(
        tool: "tfec",
        name: "compile",
        overview: "Compile a .tfe program to tfe bytecode.",
        arguments: [
            ArgumentSpec("input", help: "The .tfe source file."),
        ],
        options: [
            .option("--output", short: "o", value: "output", help: "Where to write bytecode.",
                    defaultText: "<input>.tfeb"),
            .option("--emit", value: "emit", help: "bytecode, asm, ast or tokens.", defaultText: "bytecode",
                    allowedValues: ["bytecode", "asm", "ast", "tokens"]),
            .option("-D", value: "name=value", help: "Override a 'param'.", repeatable: true),
            .flag("-O0", help: "Skip optional passes such as round batching."),
            .flag("--stats", help: "Print rounds and bytes before and after optimisation."),
            .option("--dump-after", value: "pass", help: "Print the asm after a pass.", repeatable: true,
                    hidden: true),
        ]
    )

    static let tfec = ToolSpec(
        name: "tfec",
        overview: "The tfe compiler: .tfe source to tfe bytecode.",
        version: "0.1.0",
        subcommands: [compile]
    )

    static let player = CommandSpec(
        tool: "tfe-vm",
        name: "player",
        overview: "Serve the runs other parties start, as one long-running player.",
        arguments: [
            ArgumentSpec("name", help: "The player to act as."),
        ],
        options: [
            .option("--config", value: "config", help: "The host map.", required: true),
            .option("--simulate-bandwidth", value: "bytes-per-second",
                    help: "Delay each message as a link of this bandwidth would, so that a local run costs what "
                        + "a deployment would."),
        ]
    )

    static let dis = CommandSpec(
        tool: "tfe-vm",
        name: "dis",
        overview: "Print a bytecode file as asm.",
        arguments: [
            ArgumentSpec("program", help: "The .tfeb file."),
            ArgumentSpec("output", help: "Where to write the asm.", isOptional: true),
        ]
    )

    static let vm = ToolSpec(
        name: "tfe-vm",
        overview: "Run tfe bytecode.",
        version: "0.1.0",
        subcommands: [player, dis]
    )
}
