// TF Encrypted's `config.json` host map: where every party of a networked run listens.

import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A party's address, `host:port` (an IPv6 host in brackets: `[::1]:4440`).
public struct HostAddress: Hashable, Sendable, CustomStringConvertible {
    /// A host name or IP address, without brackets.
    public var host: String
    public var port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; the reason says what is wrong.
    public init(parsing text: String) throws(HostAddressError) {
        let host: Substring, portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { throw HostAddressError("'[' without ']'") }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { throw HostAddressError("expected ':PORT' after ']'") }
            portText = rest.dropFirst()
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "%" }) else {
                throw HostAddressError("'\(host)' is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw HostAddressError("expected HOST:PORT") }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.isEmpty else { throw HostAddressError("the host is empty") }
            guard !host.contains(":") else { throw HostAddressError("write an IPv6 host in brackets, as [::1]:4440") }
            let allowed = host.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-._".contains($0)) }
            guard allowed else { throw HostAddressError("'\(host)' is not a host name or IP address") }
        }
        guard !portText.isEmpty, portText.allSatisfy(\.isASCII), portText.allSatisfy(\.isNumber),
            let port = Int(portText), (1...65535).contains(port)
        else { throw HostAddressError("'\(portText)' is not a port number (1 to 65535)") }
        self.host = String(host)
        self.port = UInt16(port)
    }

    /// `127.0.0.1:4440`, or `[::1]:4440`.
    public var description: String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Why an address does not parse.
public struct HostAddressError: Error, Hashable, Sendable, CustomStringConvertible {
    public let reason: String

    public init(_ reason: String) {
        self.reason = reason
    }

    public var description: String { reason }
}

/// The parties' addresses by name, as TF Encrypted's `RemoteConfig` reads them from `config.json`:
/// `{"server0": "10.0.0.10:4440", "server1": "10.0.0.11:4440", "server2": ..., "client": ...}`.
///
/// Names the program does not use are allowed (one file can serve several programs); every party of the
/// program needs an address, and no two of them may share one.
public struct HostMap: Hashable, Sendable {
    /// The file's name, for messages (`config.json`).
    public var source: String
    public var addresses: [String: HostAddress]

    public init(addresses: [String: HostAddress], source: String = "config.json") {
        self.addresses = addresses
        self.source = source
    }

    /// Parses the JSON text of a host map; `source` names it in messages.
    public init(json: Data, source: String = "config.json") throws(HostMapError) {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw .malformedJSON(file: source, reason: Self.reason(error))
        }
        guard let dictionary = object as? [String: Any] else { throw .notAnObject(file: source) }
        var addresses: [String: HostAddress] = [:]
        for name in dictionary.keys.sorted() {
            guard let text = dictionary[name] as? String else { throw .notAString(file: source, party: name) }
            do {
                addresses[name] = try HostAddress(parsing: text)
            } catch {
                throw .badAddress(file: source, party: name, address: text, reason: error.reason)
            }
        }
        self.init(addresses: addresses, source: source)
    }

    /// Reads and parses the file at `path`.
    public static func load(path: String) throws(HostMapError) -> HostMap {
        let name = URL(fileURLWithPath: path).lastPathComponent
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else {
            throw .unreadable(file: path, reason: String(cString: strerror(errno)).lowercased())
        }
        _ = close(descriptor)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(file: path, reason: "not a readable file")
        }
        return try HostMap(json: data, source: name)
    }

    /// The address of each of `players`, in their order; every one must have a distinct address.
    public func addresses(for players: [String]) throws(HostMapError) -> [HostAddress] {
        var result: [HostAddress] = []
        var owners: [HostAddress: String] = [:]
        for player in players {
            guard let address = addresses[player] else { throw .missingParty(file: source, party: player) }
            let key = HostAddress(host: address.host.lowercased(), port: address.port)
            if let other = owners[key] {
                throw .duplicateAddress(file: source, parties: [other, player], address: address.description)
            }
            owners[key] = player
            result.append(address)
        }
        return result
    }

    /// The map as `config.json` text, names sorted.
    public var json: String {
        let entries = addresses.keys.sorted().map { "  \"\($0)\": \"\(addresses[$0]!)\"" }
        return "{\n" + entries.joined(separator: ",\n") + "\n}\n"
    }

    private static func reason(_ error: any Error) -> String {
        let info = (error as NSError).userInfo
        if let detail = info["NSDebugDescription"] as? String { return detail }
        return (error as NSError).localizedDescription
    }
}

/// A `config.json` that cannot be used.
public enum HostMapError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(file: String, reason: String)
    case malformedJSON(file: String, reason: String)
    /// The JSON is not an object of names to addresses.
    case notAnObject(file: String)
    case notAString(file: String, party: String)
    case badAddress(file: String, party: String, address: String, reason: String)
    /// A party of the program has no address.
    case missingParty(file: String, party: String)
    case duplicateAddress(file: String, parties: [String], address: String)

    public var description: String {
        switch self {
        case .unreadable(let file, let reason):
            return "cannot read '\(file)': \(reason)"
        case .malformedJSON(let file, let reason):
            return "\(file) is not valid JSON: \(reason)"
        case .notAnObject(let file):
            return "\(file) must be a JSON object of party names to \"host:port\" addresses"
        case .notAString(let file, let party):
            return "\(file): the address of '\(party)' must be a string \"host:port\""
        case .badAddress(let file, let party, let address, let reason):
            return "\(file): the address of '\(party)', '\(address)', is not HOST:PORT: \(reason)"
        case .missingParty(let file, let party):
            return "\(file) has no address for '\(party)'"
        case .duplicateAddress(let file, let parties, let address):
            return "\(file) gives '\(parties[0])' and '\(parties[1])' the same address \(address)"
        }
    }
}
