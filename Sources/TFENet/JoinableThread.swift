// A POSIX thread that can be joined, so closing a transport leaves no thread behind.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A thread running one closure; `join()` returns once the thread has ended. Foundation's `Thread`
/// cannot be joined, and a transport must not outlive its threads.
final class JoinableThread: @unchecked Sendable {
    #if canImport(Darwin)
    private var handle: pthread_t?
    #else
    private var handle = pthread_t()
    #endif
    private var joined = false

    /// Starts `body` on a new thread.
    init(_ body: @escaping @Sendable () -> Void) throws(NetworkError) {
        let box = Unmanaged.passRetained(Box(body: body)).toOpaque()
        let status = pthread_create(&handle, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(box).release()
            throw .system("cannot start a thread: \(String(cString: strerror(status)).lowercased())")
        }
    }

    /// Waits for the thread to end; later calls return at once. Never call it from the thread itself.
    func join() {
        guard !joined else { return }
        joined = true
        #if canImport(Darwin)
        if let handle { pthread_join(handle, nil) }
        #else
        pthread_join(handle, nil)
        #endif
    }

    private final class Box {
        let body: @Sendable () -> Void

        init(body: @escaping @Sendable () -> Void) {
            self.body = body
        }
    }
}
