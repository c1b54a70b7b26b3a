//! The `onestop` binary: see `onestop --help` and the README.

fn main() -> std::process::ExitCode {
    onestop::cli::run()
}
