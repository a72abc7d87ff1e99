import TFENet

/// `--certs DIR` and `--insecure`, shared by `tfe-vm run --config` and `tfe-vm player`: every networked
/// connection is TLS with the deployment's certificates, unless the user says, on every party, that the network
/// is a trusted test network.
enum ChannelOptions {
    static let certs = OptionSpec.option(
        "--certs", value: "dir",
        help: "TLS: the CA's ca.pem and this party's NAME.pem and NAME.key (made by 'tfe-vm certs').")
    static let insecure = OptionSpec.flag(
        "--insecure", help: "Plain TCP, neither encrypted nor authenticated (a trusted test network only).")

    /// What `tfe-vm certs` makes, for messages.
    static let howToMakeCertificates = "make them with 'tfe-vm certs --config config.json --out DIR'"

    /// Whether the command line chose exactly one of `--certs` and `--insecure`; a usage failure otherwise.
    static func checkChoice(_ arguments: ParsedArguments) -> UsageError? {
        switch (arguments.value("--certs"), arguments.isSet("--insecure")) {
        case (.some, true):
            return .conflictingOptions(
                "--certs", "--insecure", reason: "give --certs for TLS, or --insecure for plain TCP")
        case (nil, false):
            return .missingChoice(
                ["--certs <dir>", "--insecure"],
                reason: "a networked run needs TLS certificates (\(howToMakeCertificates)); --insecure runs "
                    + "without encryption or authentication, on a trusted test network only")
        case (.some, false), (nil, true):
            return nil
        }
    }

    /// The channel security of `party`: its TLS identity from `--certs`, or plain TCP with a warning on
    /// standard error. `checkChoice` has passed.
    static func security(_ arguments: ParsedArguments, party: String, console: Console)
        -> RunCommand.Loaded<ChannelSecurity>
    {
        guard let directory = arguments.value("--certs") else {
            console.writeError(
                "tfe-vm: warning: \(party): --insecure: connections are plain TCP, neither encrypted nor "
                    + "authenticated; anyone on the network can read the shares and outputs or pose as a party; "
                    + "use it on a trusted test network only\n")
            return .success(.insecure)
        }
        do {
            return .success(.tls(try TLSContext(directory: directory, party: party)))
        } catch {
            console.writeError("tfe-vm: error: \(party): --certs \(directory): \(error)\n")
            return .failure(.failure)
        }
    }
}
