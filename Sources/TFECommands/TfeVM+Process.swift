// What the `tfe-vm` executable sets up for its whole process before it runs a command.

import TFERuntime

extension TfeVM {
    /// Process-wide settings for the `tfe-vm` executable: keeps freed memory in the heap
    /// (`MemoryPolicy.keepFreedMemory()`), so the large buffers of a run reuse mapped pages. Call once, before
    /// `main`; tests that call `main` in-process leave it out, since it changes the allocator of the whole process.
    public static func configureProcess() {
        MemoryPolicy.keepFreedMemory()
    }
}
