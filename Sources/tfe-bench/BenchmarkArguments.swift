import Foundation

/// What the subcommands read from their arguments in common.
enum BenchmarkArguments {
    /// The count after `--runs`, or `defaultRuns` when it is not given. A count that is not a positive integer
    /// (or a missing one) stops `tfe-bench` with one message and exit code 2, rather than running a benchmark
    /// with no runs to summarise or quietly with another count.
    static func runs(in arguments: [String], default defaultRuns: Int) -> Int {
        guard let flag = arguments.firstIndex(of: "--runs") else { return defaultRuns }
        let value = arguments.indices.contains(flag + 1) ? arguments[flag + 1] : nil
        guard let runs = value.flatMap({ Int($0) }), runs > 0 else {
            let given = value.map { " '\($0)'" } ?? ""
            FileHandle.standardError.write(
                Data("tfe-bench: error: --runs\(given): expected a positive number of runs\n".utf8))
            exit(2)
        }
        return runs
    }
}
