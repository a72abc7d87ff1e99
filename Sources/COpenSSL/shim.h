// The system OpenSSL (libssl, libcrypto) for TFENet's TLS channels and certificates, and for TFERuntime's PRG
// keystream (AES-128-CTR, `AESCTRKeystream`). Swift imports OpenSSL's functions directly; what it cannot import
// (function-like macros, variadic calls, bit-flag macros, a C callback) is wrapped here, one line each, and
// nothing else.
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static inline int tfe_SSL_CTX_set_tls13_only(SSL_CTX *ctx) {
    return SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) == 1
        && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) == 1;
}

/// No session tickets, no session cache: every connection is a full handshake with fresh keys.
static inline void tfe_SSL_CTX_disable_resumption(SSL_CTX *ctx) {
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_num_tickets(ctx, 0);
}

/// SSL_write returns after each record it wrote (non-blocking sockets), and a write that would block may be
/// retried from another address. (Measured here: 1.14 GB/s between two threads, against 1.05 GB/s when
/// SSL_write writes everything before it returns.)
static inline void tfe_SSL_CTX_set_partial_writes(SSL_CTX *ctx) {
    SSL_CTX_set_mode(ctx, SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE);
}

static inline int tfe_SSL_CTX_set_groups(SSL_CTX *ctx, const char *groups) {
    return (int)SSL_CTX_set1_groups_list(ctx, groups);
}

/// Verification keeps OpenSSL's verdict; on a failure it also keeps the peer's leaf certificate in the
/// connection's app-data slot, so that the error can name the party the certificate claims to be.
static inline int tfe_verify_callback(int ok, X509_STORE_CTX *store) {
    if (!ok) {
        SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
        X509 *leaf = X509_STORE_CTX_get0_cert(store);
        if (ssl != NULL && leaf != NULL && SSL_get_app_data(ssl) == NULL && X509_up_ref(leaf) == 1) {
            SSL_set_app_data(ssl, leaf);
        }
    }
    return ok;
}

/// The dialer's verification: the same checks, but a failure is only kept (with the certificate), and the
/// handshake goes on, so that the listener also sees the dialer's certificate and can name it. The caller
/// looks at `tfe_SSL_take_rejected_certificate` before sending a byte, and closes on a failure.
static inline int tfe_verify_callback_deferred(int ok, X509_STORE_CTX *store) {
    tfe_verify_callback(ok, store);
    return 1;
}

static inline void tfe_SSL_defer_verification(SSL *ssl) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, tfe_verify_callback_deferred);
}

static inline void tfe_SSL_CTX_require_peer_certificate(SSL_CTX *ctx) {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, tfe_verify_callback);
}

/// The certificate `tfe_verify_callback` kept, handed over to the caller (who frees it), or NULL.
static inline X509 *tfe_SSL_take_rejected_certificate(SSL *ssl) {
    X509 *leaf = SSL_get_app_data(ssl);
    SSL_set_app_data(ssl, NULL);
    return leaf;
}

static inline EVP_PKEY *tfe_generate_p256_key(void) {
    return EVP_EC_gen("P-256");
}

static inline long tfe_BIO_mem_contents(BIO *bio, char **data) {
    return BIO_get_mem_data(bio, data);
}

static inline void tfe_X509V3_set_ctx_nodb(X509V3_CTX *ctx) {
    X509V3_set_ctx_nodb(ctx);
}

/// Reads as much as the socket holds (up to OpenSSL's buffer, one full record) at once, instead of each record's
/// header and body apart. (A larger buffer, 256 KB, made transfers slower here: 0.87 against 1.05 GB/s.)
static inline void tfe_SSL_CTX_set_read_ahead(SSL_CTX *ctx) {
    SSL_CTX_set_read_ahead(ctx, 1);
}
