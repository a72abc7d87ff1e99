// config.json host maps: parsing, and the errors a user meets first.

import Foundation
import Testing

@testable import TFENet

@Suite struct HostMapTests {
    static let players = ["server0", "server1", "server2", "client", "model_owner"]

    func parse(_ json: String) throws(HostMapError) -> HostMap {
        try HostMap(json: Data(json.utf8))
    }

    @Test func readsTFEncryptedHostMaps() throws {
        let map = try parse(
            """
            {"server0": "10.0.0.10:4440", "server1": "server1.example.com:4440", "server2": "[::1]:4442",
             "client": "localhost:4443", "model_owner": "127.0.0.1:4444", "unused": "1.2.3.4:5"}
            """)
        let addresses = try map.addresses(for: Self.players)
        #expect(addresses.map(\.description) == [
            "10.0.0.10:4440", "server1.example.com:4440", "[::1]:4442", "localhost:4443", "127.0.0.1:4444",
        ])
        #expect(addresses[2].host == "::1")
        #expect(try HostMap(json: Data(map.json.utf8)) == map)
    }

    @Test func missingPartyIsNamed() throws {
        let map = try parse(#"{"server0": "a:1", "server1": "a:2", "server2": "a:3", "model_owner": "a:4"}"#)
        #expect(throws: HostMapError.missingParty(file: "config.json", party: "client")) {
            try map.addresses(for: Self.players)
        }
        #expect(HostMapError.missingParty(file: "config.json", party: "client").description
            == "config.json has no address for 'client'")
    }

    @Test func duplicateAddressIsRejected() throws {
        let map = try parse(#"{"server0": "h:1", "server1": "h:2", "server2": "H:1"}"#)
        let duplicate = HostMapError.duplicateAddress(
            file: "config.json", parties: ["server0", "server2"], address: "H:1")
        #expect(throws: duplicate) {
            try map.addresses(for: ["server0", "server1", "server2"])
        }
        // The same port on two hosts is fine.
        let spread = try parse(#"{"server0": "a:1", "server1": "b:1", "server2": "c:1"}"#)
        #expect(try spread.addresses(for: ["server0", "server1", "server2"]).count == 3)
    }

    @Test(arguments: [
        ("{\"server0\": ", "malformed"),
        ("[\"127.0.0.1:4440\"]", "notAnObject"),
        ("{\"server0\": 4440}", "notAString"),
        ("{\"server0\": \"127.0.0.1\"}", "badAddress"),
        ("{\"server0\": \"127.0.0.1:0\"}", "badAddress"),
        ("{\"server0\": \"127.0.0.1:65536\"}", "badAddress"),
        ("{\"server0\": \"127.0.0.1:44a\"}", "badAddress"),
        ("{\"server0\": \":4440\"}", "badAddress"),
        ("{\"server0\": \"::1:4440\"}", "badAddress"),
        ("{\"server0\": \"[::1]4440\"}", "badAddress"),
        ("{\"server0\": \"http://h:1\"}", "badAddress"),
        ("{\"server0\": \"a b:1\"}", "badAddress"),
    ])
    func malformedMapsAreRejected(json: String, kind: String) {
        do {
            _ = try parse(json)
            Issue.record("accepted \(json)")
        } catch {
            switch (error, kind) {
            case (.malformedJSON, "malformed"), (.notAnObject, "notAnObject"), (.notAString, "notAString"),
                (.badAddress, "badAddress"):
                break
            default:
                Issue.record("\(json): \(error), expected \(kind)")
            }
        }
    }

    @Test func unreadableFileIsNamed() {
        let expected = HostMapError.unreadable(file: "/nonexistent/config.json", reason: "no such file or directory")
        #expect(throws: expected) {
            try HostMap.load(path: "/nonexistent/config.json")
        }
    }
}
