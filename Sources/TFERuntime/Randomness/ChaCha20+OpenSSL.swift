// Bulk ChaCha20 keystream from OpenSSL's libcrypto, whose ChaCha20 is vectorised for the processor it runs on
// (AVX2 or AVX-512 here): the same RFC 8439 keystream as `ChaCha20.fourBlocks`, several times faster.

import COpenSSL

/// OpenSSL's ChaCha20, fetched from its default provider once: `EVP_chacha20()` makes every initialisation
/// look the cipher up again, which doubled the cost of a call (~0.9 µs against ~0.45 µs here, measured with a
/// 256-byte draw). Nil if the provider has none; draws then use `ChaCha20.fourBlocks`. OpenSSL's fetched
/// ciphers are immutable and may be shared by threads.
private nonisolated(unsafe) let fetchedChaCha20: OpaquePointer? = EVP_CIPHER_fetch(nil, "ChaCha20", nil)

/// The plaintext the keystream encrypts, a chunk at a time: zeros, so that no call writes the output twice.
private let zeroChunk = [UInt8](repeating: 0, count: 1 << 16)

extension ChaCha20 {
    /// Writes `blocks` consecutive ChaCha20 blocks of `key`, starting at block `counter` with the 96-bit
    /// `nonce` (lanes 0–2), into `output`; returns false, having written nothing usable, if OpenSSL fails.
    ///
    /// When the 32-bit block counter wraps, OpenSSL carries into the nonce's first word, exactly as
    /// `PRG` does, so a long run of blocks is the keystream `fourBlocks` gives group by group (a test checks
    /// this across a wrap).
    static func blocks(
        key: SIMD8<UInt32>, counter: UInt32, nonce: SIMD4<UInt32>, count blocks: Int,
        into output: UnsafeMutableRawPointer
    ) -> Bool {
        guard let cipher = fetchedChaCha20, let context = EVP_CIPHER_CTX_new() else { return false }
        defer { EVP_CIPHER_CTX_free(context) }
        var keyBytes = [UInt8](repeating: 0, count: 32)
        for word in 0..<8 { store(key[word], into: &keyBytes, at: 4 * word) }
        // OpenSSL's 16-byte IV: the 32-bit block counter, then the nonce, each little-endian.
        var iv = [UInt8](repeating: 0, count: 16)
        store(counter, into: &iv, at: 0)
        for word in 0..<3 { store(nonce[word], into: &iv, at: 4 + 4 * word) }
        guard EVP_EncryptInit_ex(context, cipher, nil, keyBytes, iv) == 1 else { return false }
        // The keystream is the encryption of zeros, read from `zeroChunk` (zeroing the output first and
        // encrypting it in place wrote every byte twice).
        let total = blocks * 64
        let bytes = output.assumingMemoryBound(to: UInt8.self)
        return zeroChunk.withUnsafeBufferPointer { zeros in
            var done = 0
            while done < total {
                let chunk = min(total - done, zeros.count)
                var written: Int32 = 0
                guard EVP_EncryptUpdate(context, bytes + done, &written, zeros.baseAddress!, Int32(chunk)) == 1,
                    Int(written) == chunk
                else { return false }
                done += chunk
            }
            return true
        }
    }

    private static func store(_ word: UInt32, into bytes: inout [UInt8], at offset: Int) {
        for byte in 0..<4 { bytes[offset + byte] = UInt8(truncatingIfNeeded: word >> (8 * byte)) }
    }
}
