//! The `trusted-trader` binary; everything lives in the `tt_cli` library so tests run the same code.

fn main() -> std::process::ExitCode {
    tt_cli::main()
}
