// `tfe-vm certs` in-process: a deployment from config.json, one more party from its authority, usage
// mistakes (exit 64) and failures (exit 1).

import COpenSSL
import Foundation
import TFECommands
import Testing

@testable import TFENet

@Suite struct CertsCommandTests {
    static let config = #"""
        {"server0": "10.0.0.10:4440", "server1": "10.0.0.11:4440", "server2": "10.0.0.12:4440",
         "model_owner": "10.0.0.20:4440", "client": "10.0.0.30:4440"}
        """#
    static let parties = ["client", "model_owner", "server0", "server1", "server2"]

    /// A fresh folder with config.json; removed by `remove()`.
    struct Folder {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tfe-certs-cmd-\(UUID().uuidString)")
            .path

        init() throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            try Data(CertsCommandTests.config.utf8).write(to: URL(fileURLWithPath: self.path("config.json")))
        }

        func path(_ name: String) -> String { path + "/" + name }

        func remove() { try? FileManager.default.removeItem(atPath: path) }
    }

    static func run(_ arguments: [String]) -> CommandOutput {
        CommandOutput.capture { TfeVM.main(arguments, console: $0) }
    }

    @Test func makesACertificateForEveryPartyOfTheConfig() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let out = folder.path("tfe-certs")
        let result = Self.run(["certs", "--config", folder.path("config.json"), "--out", out])
        #expect(result == CommandOutput(exitCode: .success, output: """
            wrote \(out)/ca.pem, \(out)/ca.key and a key and certificate for \
            client, model_owner, server0, server1, server2
            every host gets ca.pem and its own NAME.pem and NAME.key; ca.key stays with whoever runs the deployment

            """))
        let files = CertificateDirectory(out)
        let authority = try fileText(files.authorityCertificate)
        for party in Self.parties {
            let certificate = try fileText(files.certificate(of: party))
            #expect(verification(of: certificate, authority: authority, purpose: X509_PURPOSE_SSL_SERVER) == X509_V_OK)
            #expect(try matchesHost(certificate, party))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).count == 12)
        // Run again: nothing is overwritten.
        let again = Self.run(["certs", "--config", folder.path("config.json"), "--out", out])
        #expect(again == CommandOutput(exitCode: .failure,
                                       error: "tfe-vm: error: cannot write '\(out)/ca.pem': file exists\n"))
        #expect(try fileText(files.authorityCertificate) == authority)
    }

    @Test func addsAPartyFromAnExistingAuthority() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let authority = folder.path("authority"), out = folder.path("carol")
        #expect(Self.run(["certs", "--config", folder.path("config.json"), "--out", authority, "--days", "2"])
            .exitCode == .success)

        let carol = Self.run(["certs", "--party", "carol", "--ca", authority, "--out", out, "--days", "1"])
        #expect(carol == CommandOutput(exitCode: .success, output: """
            wrote \(out)/carol.pem, \(out)/carol.key and \(out)/ca.pem, issued by \(authority)/ca.pem
            carol's host gets ca.pem, carol.pem and carol.key

            """))
        let authorityPEM = try fileText(authority + "/ca.pem")
        #expect(try fileText(out + "/ca.pem") == authorityPEM)
        let carolPEM = try fileText(out + "/carol.pem")
        #expect(verification(of: carolPEM, authority: authorityPEM, purpose: X509_PURPOSE_SSL_CLIENT) == X509_V_OK)
        #expect(try matchesHost(carolPEM, "carol"))

        // Without --out, next to the authority.
        let dave = Self.run(["certs", "--party", "dave", "--ca", authority])
        #expect(dave.exitCode == .success)
        #expect(dave.output.hasPrefix("wrote \(authority)/dave.pem and \(authority)/dave.key, issued by "))
        let davePEM = try fileText(authority + "/dave.pem")
        #expect(verification(of: davePEM, authority: authorityPEM, purpose: X509_PURPOSE_SSL_SERVER) == X509_V_OK)
    }

    @Test(arguments: [
        ([], "Error: Missing expected argument '--config <config.json>' or '--party <name>'"),
        (["--config", "c.json"], "Error: Missing expected argument '--out <dir>'"),
        (["--party", "carol"], "Error: Missing expected argument '--ca <dir>'"),
        (["--config", "c.json", "--party", "carol", "--out", "o"],
         "Error: Options '--config' and '--party' cannot be used together: --config makes a new CA and every party's "
            + "certificate, --party adds one party from an existing CA"),
        (["--config", "c.json", "--ca", "d", "--out", "o"],
         "Error: Options '--config' and '--ca' cannot be used together: --config makes a new CA; --ca names an "
            + "existing one, for --party"),
        (["--party", "carol", "--ca", "d", "--days", "0"],
         "Error: The value '0' is invalid for '--days <n>': expected a whole number of days from 1 to 36500"),
        (["--party", "carol", "--ca", "d", "--days", "36501"],
         "Error: The value '36501' is invalid for '--days <n>': expected a whole number of days from 1 to 36500"),
        (["--party", "carol", "--ca", "d", "--days", "1.5"],
         "Error: The value '1.5' is invalid for '--days <n>': expected a whole number of days from 1 to 36500"),
        (["--party", "carol", "--ca", "d", "--dayz", "3"], "Error: Unknown option '--dayz'. Did you mean '--days'?"),
        (["carol"], "Error: Unexpected argument 'carol'"),
    ])
    func usageMistakes(arguments: [String], message: String) {
        let result = Self.run(["certs"] + arguments)
        #expect(result.exitCode == .usage)
        #expect(result.output.isEmpty)
        #expect(result.error == message + "\n" + """
            Usage: tfe-vm certs [--config <config.json>] [--party <name>] [--ca <dir>] [--out <dir>] [--days <n>]
              See 'tfe-vm certs --help' for more information.

            """)
    }

    @Test func failuresNameTheFile() throws {
        let folder = try Folder()
        defer { folder.remove() }
        let authority = folder.path("authority")
        #expect(Self.run(["certs", "--config", folder.path("config.json"), "--out", authority]).exitCode == .success)
        let failures: [([String], String)] = [
            (["--config", folder.path("none.json"), "--out", folder.path("x")],
             "cannot read '\(folder.path("none.json"))': no such file or directory"),
            (["--party", "ca", "--ca", authority],
             "'ca' cannot be a party name: 'ca.pem' and 'ca.key' are the certificate authority's files"),
            (["--party", "../x", "--ca", authority],
             "party name '../x' has '/': use only letters, digits, '_', '-' and '.'"),
            (["--party", "server0", "--ca", authority], "cannot write '\(authority)/server0.pem': file exists"),
            (["--party", "carol", "--ca", folder.path("nowhere")],
             "cannot read '\(folder.path("nowhere"))/ca.pem': no such file or directory"),
        ]
        for (arguments, message) in failures {
            #expect(Self.run(["certs"] + arguments)
                == CommandOutput(exitCode: .failure, error: "tfe-vm: error: \(message)\n"))
        }
        try FileManager.default.removeItem(atPath: authority + "/ca.key")
        try Data("garbage\n".utf8).write(to: URL(fileURLWithPath: authority + "/ca.key"))
        let garbage = "tfe-vm: error: '\(authority)/ca.key' is not a PEM private key\n"
        #expect(Self.run(["certs", "--party", "carol", "--ca", authority])
            == CommandOutput(exitCode: .failure, error: garbage))
        #expect(!FileManager.default.fileExists(atPath: authority + "/carol.pem"))
    }

    @Test func helpListsCerts() {
        let root = Self.run(["--help"])
        #expect(root.exitCode == .success)
        #expect(root.output.contains("\n  certs                   Make the parties' TLS keys and certificates.\n"))
        let help = Self.run(["help", "certs"])
        #expect(help.exitCode == .success)
        #expect(help.output.hasPrefix("OVERVIEW: Make the parties' TLS keys and certificates.\n"))
        let days = "  --days <n>              How long the certificates are valid. (default: 365)\n"
        #expect(help.output.contains(days))
        #expect(Self.run(["certs", "--help"]) == help)
    }
}
