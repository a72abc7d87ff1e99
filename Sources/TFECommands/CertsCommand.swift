import Foundation
import TFENet

/// `tfe-vm certs --config config.json --out DIR [--days N]`: a certificate authority and a key and certificate
/// for every party of the host map, for mutually authenticated TLS between the parties.
/// `tfe-vm certs --party NAME --ca DIR [--out DIR2] [--days N]`: one more party's key and certificate from the
/// authority in DIR. See `makeDeploymentCertificates` and `issuePartyCertificate` for the files.
public enum CertsCommand {
    /// How long certificates are valid unless `--days` says otherwise.
    public static let defaultDays = 365

    public static let spec = CommandSpec(
        tool: "tfe-vm", name: "certs", overview: "Make the parties' TLS keys and certificates.",
        options: [
            .option("--config", value: "config.json",
                    help: "Make a certificate authority and a certificate for every party of this host map."),
            .option("--party", value: "name", help: "Add one party's certificate from an existing authority."),
            .option("--ca", value: "dir",
                    help: "The directory with the authority's ca.pem and ca.key (with --party)."),
            .option("--out", value: "dir", help: "Where to write the files (with --party, defaults to --ca)."),
            .option("--days", value: "n", help: "How long the certificates are valid.", defaultText: "\(defaultDays)"),
        ])

    public static func run(_ arguments: ParsedArguments, console: Console) -> ExitCode {
        var days = defaultDays
        if let text = arguments.value("--days") {
            let range = CertificateAuthority.validDays
            guard let value = Int(text), range.contains(value) else {
                return usage(arguments, .malformedValue(
                    text, option: "--days <n>",
                    expected: "a whole number of days from \(range.lowerBound) to \(range.upperBound)"), console)
            }
            days = value
        }
        switch (arguments.value("--config"), arguments.value("--party")) {
        case (nil, nil):
            return usage(arguments, .missingArgument("--config <config.json>' or '--party <name>"), console)
        case (.some, .some):
            return usage(arguments, .conflictingOptions(
                "--config", "--party", reason: "--config makes a new CA and every party's certificate, --party "
                    + "adds one party from an existing CA"), console)
        case (let config?, nil):
            guard arguments.value("--ca") == nil else {
                let reason = "--config makes a new CA; --ca names an existing one, for --party"
                return usage(arguments, .conflictingOptions("--config", "--ca", reason: reason), console)
            }
            guard let directory = arguments.value("--out") else {
                return usage(arguments, .missingArgument("--out <dir>"), console)
            }
            return makeDeployment(config: config, directory: directory, days: days, console: console)
        case (nil, let party?):
            guard let authority = arguments.value("--ca") else {
                return usage(arguments, .missingArgument("--ca <dir>"), console)
            }
            return addParty(party, authority: authority, directory: arguments.value("--out") ?? authority,
                            days: days, console: console)
        }
    }

    /// `--config`: the authority and every party of the host map, names sorted.
    private static func makeDeployment(config: String, directory: String, days: Int, console: Console) -> ExitCode {
        let parties: [String]
        do {
            parties = try HostMap.load(path: config).addresses.keys.sorted()
            try makeDeploymentCertificates(parties: parties, directory: directory, days: days)
        } catch {
            console.writeError("tfe-vm: error: \(error)\n")
            return .failure
        }
        let files = CertificateDirectory(directory)
        console.write("wrote \(files.authorityCertificate), \(files.authorityKey) and a key and certificate for "
                      + parties.joined(separator: ", ") + "\n"
                      + "every host gets ca.pem and its own NAME.pem and NAME.key; "
                      + "ca.key stays with whoever runs the deployment\n")
        return .success
    }

    /// `--party`: one more party from the authority in `authority`.
    private static func addParty(
        _ party: String, authority: String, directory: String, days: Int, console: Console
    ) -> ExitCode {
        let written: [String]
        do {
            written = try issuePartyCertificate(
                name: party, caDirectory: authority, outDirectory: directory, days: days)
        } catch {
            console.writeError("tfe-vm: error: \(error)\n")
            return .failure
        }
        console.write("wrote \(list(written)), issued by \(CertificateDirectory(authority).authorityCertificate)\n"
                      + "\(party)'s host gets ca.pem, \(party).pem and \(party).key\n")
        return .success
    }

    /// `a`, `a and b`, `a, b and c`.
    private static func list(_ items: [String]) -> String {
        guard let last = items.last, items.count > 1 else { return items.first ?? "" }
        return items.dropLast().joined(separator: ", ") + " and " + last
    }

    private static func usage(_ arguments: ParsedArguments, _ error: UsageError, _ console: Console) -> ExitCode {
        console.writeError(arguments.command.failure(error).rendered)
        return .usage
    }
}
