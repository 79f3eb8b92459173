//! The `trusted-trader` binary; everything lives in the `tt_cli` library so tests run the same code.

// The ingest parses on one thread and frees on another, with millions of small allocations;
// glibc's allocator spent more time on that than the work itself (measured with perf).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    tt_cli::main()
}
